package io.notebookjobs.kube;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.notebookjobs.jobs.JobOutcome;
import io.notebookjobs.jobs.JobStatus;

/** The status mapping on hand-made Jobs and Pods, at chosen instants. */
class JobStateMapperTest {

    static final Instant CREATED = Instant.parse("2026-11-23T10:00:00Z");
    final JobStateMapper mapper = new JobStateMapper(Duration.ofSeconds(300));

    static JobBuilder job() {
        return new JobBuilder().withNewMetadata().withName("nb-job-x").withCreationTimestamp(CREATED.toString())
                .withAnnotations(new HashMap<>()).endMetadata()
                .withNewSpec().withBackoffLimit(0).withActiveDeadlineSeconds(3900L).endSpec()
                .withNewStatus().endStatus();
    }

    static PodBuilder pod(String phase) {
        return new PodBuilder().withNewMetadata().withName("nb-job-x-abcde").withCreationTimestamp(CREATED.toString())
                .endMetadata()
                .withNewSpec().addNewContainer().withName("executor").withImage("executor").endContainer().endSpec()
                .withNewStatus().withPhase(phase).endStatus();
    }

    JobState map(Job job, List<Pod> pods, Instant at) {
        return mapper.map(new Observed(job, pods, List.of()), at);
    }

    @Test
    void aNewJobIsQueuedWithoutExplanation() {
        JobState state = map(job().build(), List.of(pod("Pending").build()), CREATED.plusSeconds(5));
        assertThat(state.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(state.message()).isNull();
    }

    @Test
    void aRunningPodIsInProgressFromWhenItsContainerStarted() {
        Pod running = pod("Running").editStatus().withContainerStatuses(new ContainerStatusBuilder().withName("executor")
                .withState(new ContainerStateBuilder().withNewRunning().withStartedAt("2026-11-23T10:00:12Z").endRunning()
                        .build()).build()).endStatus().build();
        JobState state = map(job().build(), List.of(running), CREATED.plusSeconds(60));
        assertThat(state.status()).isEqualTo(JobStatus.IN_PROGRESS);
        assertThat(state.startTime()).isEqualTo(Instant.parse("2026-11-23T10:00:12Z"));
    }

    @Test
    void conditionsDecideTheEnd() {
        Job complete = job().editStatus().withCompletionTime("2026-11-23T10:05:00Z")
                .withConditions(new JobConditionBuilder().withType("Complete").withStatus("True").build()).endStatus().build();
        assertThat(map(complete, List.of(), CREATED.plusSeconds(600)))
                .satisfies(s -> assertThat(s.status()).isEqualTo(JobStatus.COMPLETED))
                .satisfies(s -> assertThat(s.endTime()).isEqualTo(Instant.parse("2026-11-23T10:05:00Z")));
        Job deadline = job().editStatus().withConditions(new JobConditionBuilder().withType("Failed").withStatus("True")
                .withReason("DeadlineExceeded").withLastTransitionTime("2026-11-23T11:05:00Z").build()).endStatus().build();
        assertThat(map(deadline, List.of(), CREATED.plusSeconds(9000)).message()).contains("maximum run time (the Job's deadline of 3900 s");
    }

    @Test
    void theWrittenOutcomeWinsOverEverythingElse() {
        Job job = job().build();
        job.getMetadata().getAnnotations().put(Labels.OUTCOME,
                AnnotationJson.write(new JobOutcome(JobStatus.FAILED, "Not started within ...", null, 1L)));
        JobState state = map(job, List.of(pod("Running").build()), CREATED.plusSeconds(5));
        assertThat(state.status()).isEqualTo(JobStatus.FAILED);
        assertThat(state.finalized()).isTrue();
    }

    @Test
    void stopRequestedIsStoppingWhilePodsLiveThenStopped() {
        Job job = job().editSpec().withSuspend(true).endSpec().build();
        job.getMetadata().getAnnotations().put(Labels.STOP_REQUESTED, "1");
        assertThat(map(job, List.of(pod("Running").build()), CREATED.plusSeconds(5)).status()).isEqualTo(JobStatus.STOPPING);
        JobState stopped = map(job, List.of(), CREATED.plusSeconds(6));
        assertThat(stopped.status()).isEqualTo(JobStatus.STOPPED);
        assertThat(stopped.endTime()).isEqualTo(CREATED.plusSeconds(6));
    }

    @Test
    void suspendedWithoutAStopRequestIsQueuedAndNeverTimesOut() {
        Job job = job().editSpec().withSuspend(true).endSpec().build();
        JobState state = map(job, List.of(), CREATED.plus(Duration.ofDays(1)));
        assertThat(state.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(state.mustStop()).isFalse();
    }

    @Test
    void theTimeoutCountsFromWhenAQueueingSystemResumedTheJob() {
        Job resumed = job().editStatus().withConditions(new JobConditionBuilder().withType("Suspended").withStatus("False")
                .withLastTransitionTime(CREATED.plus(Duration.ofHours(2)).toString()).build()).endStatus().build();
        Instant at = CREATED.plus(Duration.ofHours(2)).plusSeconds(100);
        assertThat(map(resumed, List.of(), at).status()).isEqualTo(JobStatus.QUEUED);
        assertThat(map(resumed, List.of(), at.plusSeconds(250)).status()).isEqualTo(JobStatus.FAILED);
    }

    @Test
    void timingOfTheDiagnosis() {
        Pod unschedulable = pod("Pending").editStatus().addNewCondition().withType("PodScheduled").withStatus("False")
                .withReason("Unschedulable").withMessage("0/1 nodes are available: 1 Insufficient cpu.").endCondition()
                .endStatus().build();
        Job job = job().build();
        assertThat(map(job, List.of(unschedulable), CREATED.plusSeconds(29)).message()).isNull();
        assertThat(map(job, List.of(unschedulable), CREATED.plusSeconds(30)).message()).startsWith("Waiting for cpu");
        JobState atTimeout = map(job, List.of(unschedulable), CREATED.plusSeconds(300));
        assertThat(atTimeout.status()).isEqualTo(JobStatus.FAILED);
        assertThat(atTimeout.mustStop()).isTrue();
        assertThat(map(job, List.of(unschedulable), CREATED.plusSeconds(299)).status()).isEqualTo(JobStatus.QUEUED);
    }

    @Test
    void aFailureWithoutATerminationMessageStillSaysSomething() {
        Pod failed = pod("Failed").editStatus().withContainerStatuses(new ContainerStatusBuilder().withName("executor")
                .withState(new ContainerStateBuilder().withNewTerminated().withExitCode(139).withReason("Error")
                        .endTerminated().build()).build()).endStatus().build();
        Job job = job().editStatus().withFailed(1).withConditions(new JobConditionBuilder().withType("Failed")
                .withStatus("True").withReason("BackoffLimitExceeded").build()).endStatus().build();
        assertThat(map(job, List.of(failed), CREATED.plusSeconds(60)).message())
                .isEqualTo("The executor exited with code 139 (Error) without saying why.");
    }

    @Test
    void preemptionAndDrainsAreExplained() {
        Pod disrupted = pod("Failed").editStatus().addNewCondition().withType("DisruptionTarget").withStatus("True")
                .withReason("PreemptionByScheduler").withMessage("default-scheduler: preempting to accommodate a higher priority pod")
                .endCondition().endStatus().build();
        Job job = job().editStatus().withFailed(1).withConditions(new JobConditionBuilder().withType("Failed")
                .withStatus("True").withReason("BackoffLimitExceeded").build()).endStatus().build();
        assertThat(map(job, List.of(disrupted), CREATED.plusSeconds(60)).message())
                .startsWith("The pod was stopped by Kubernetes (PreemptionByScheduler)");
    }

    @Test
    void aRetryCreatedInTheSameSecondAsTheFailedAttemptSpeaksForTheJob() {
        Pod failed = pod("Failed").build();
        Pod retry = pod("Running").editMetadata().withName("nb-job-x-fghij").endMetadata().build();
        Job job = job().editSpec().withBackoffLimit(1).endSpec().editStatus().withFailed(1).endStatus().build();
        assertThat(map(job, List.of(retry, failed), CREATED.plusSeconds(5)).status()).isEqualTo(JobStatus.IN_PROGRESS);
        assertThat(map(job, List.of(failed, retry), CREATED.plusSeconds(5)).status()).isEqualTo(JobStatus.IN_PROGRESS);
    }
}
