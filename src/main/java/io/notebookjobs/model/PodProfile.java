package io.notebookjobs.model;

import java.util.List;
import java.util.Map;

/**
 * What the caller's group policy decided about a job's pod beyond its resources: the profile it
 * runs with, a custom image, where it may be scheduled, and which shared volumes it mounts.
 * Stored in the job's (and definition's) record, so every run, and "run now" long after the
 * create, gets exactly what was allowed when it was made.
 *
 * @param profile the profile's name, or null without a group policy
 * @param resources the CPU, memory and GPUs the profile and the request resolved to (null without a policy)
 * @param image a custom image chosen in the request, or null for the runtime environment's image
 * @param queue the Kueue LocalQueue that admits the job, or null when the job starts at once
 */
public record PodProfile(
        String profile,
        Resources resources,
        String image,
        Map<String, String> nodeSelector,
        List<Toleration> tolerations,
        List<Volume> volumes,
        String queue) {

    public static final PodProfile NONE = new PodProfile(null, null, null, Map.of(), List.of(), List.of(), null);

    /** As stored in a record: nothing when the policy decided nothing, so records without a policy stay as they were. */
    public PodProfile stored() {
        return equals(NONE) ? null : this;
    }

    public PodProfile {
        nodeSelector = nodeSelector == null ? Map.of() : Map.copyOf(nodeSelector);
        tolerations = tolerations == null ? List.of() : List.copyOf(tolerations);
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
    }

    /** Resources as Kubernetes quantities; null where the job asks for none. */
    public record Resources(String cpu, String memory, int gpu) {
    }

    /** A pod toleration as Kubernetes spells it. */
    public record Toleration(String key, String operator, String value, String effect, Long tolerationSeconds) {
    }

    /**
     * A PersistentVolumeClaim mounted into the executor container.
     *
     * @param subPath the folder of the claim to mount (already filled in for the owner), or null for all of it
     */
    public record Volume(String name, String claim, String mountPath, boolean readOnly, String subPath) {
    }
}
