package io.notebookjobs.kube;

import java.util.List;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;

/** A Kubernetes Job with its Pods and the warning Events about either, as the cache holds them. */
public record Observed(Job job, List<Pod> pods, List<Event> events) {

    List<Event> eventsAbout(String kind, String name) {
        return events.stream()
                .filter(e -> e.getInvolvedObject() != null && kind.equals(e.getInvolvedObject().getKind())
                        && name.equals(e.getInvolvedObject().getName()))
                .toList();
    }
}
