package io.notebookjobs.jobs;

import java.util.stream.LongStream;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.notebookjobs.kube.JobState;

/** A job as the API shows it: the record, the user's edits and the status derived right now. */
public record JobView(String jobId, Job job, JobRecord record, JobEdits edits, JobState state, long createTime) {

    public String name() {
        return edits != null && edits.name() != null ? edits.name() : record.name();
    }

    public String computeType() {
        return edits != null && edits.computeType() != null ? edits.computeType() : record.computeType();
    }

    public JobStatus status() {
        return state.status();
    }

    public Long startTime() {
        return state.startTime() == null ? null : state.startTime().toEpochMilli();
    }

    public Long endTime() {
        return state.endTime() == null ? null : state.endTime().toEpochMilli();
    }

    /** The latest of create, edit, start and end. */
    public long updateTime() {
        return LongStream.of(createTime,
                edits == null || edits.updateTime() == null ? 0 : edits.updateTime(),
                startTime() == null ? 0 : startTime(),
                endTime() == null ? 0 : endTime()).max().getAsLong();
    }
}
