package io.notebookjobs.kube;

import java.util.List;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;

/**
 * A Kubernetes Job with its Pods and the warning Events about either, as the cache holds them,
 * and its Kueue Workload when Kueue admits the Job.
 */
public record Observed(Job job, List<Pod> pods, List<Event> events, Optional<KueueWorkload> workload) {

    public Observed(Job job, List<Pod> pods, List<Event> events) {
        this(job, pods, events, Optional.empty());
    }

    List<Event> eventsAbout(String kind, String name) {
        return events.stream()
                .filter(e -> e.getInvolvedObject() != null && kind.equals(e.getInvolvedObject().getKind())
                        && name.equals(e.getInvolvedObject().getName()))
                .toList();
    }
}
