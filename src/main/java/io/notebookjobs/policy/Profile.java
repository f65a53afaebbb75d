package io.notebookjobs.policy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.notebookjobs.model.PodProfile;
import io.notebookjobs.model.Quantity;

/**
 * A checked profile. A fixed profile sets the job's resources (a request may change only the
 * fields in {@code overridable}, within the caller's limits); a custom one takes them from the
 * request, with the profile's values as defaults.
 *
 * @param images the images jobs of this profile may run (as environments or as a chosen image)
 * @param environments the runtime environments it may run, by name; with {@code images} empty
 *        too, any environment
 * @param queue the Kueue LocalQueue its jobs are submitted to, if any (before the group's)
 */
public record Profile(
        String name,
        String displayName,
        String description,
        Optional<Quantity> cpu,
        Optional<Quantity> memory,
        Optional<Integer> gpu,
        List<String> images,
        List<String> environments,
        boolean custom,
        Set<Field> overridable,
        Map<String, String> nodeSelector,
        List<PodProfile.Toleration> tolerations,
        List<PolicyDocument.VolumeGrant> volumes,
        Optional<String> queue) {

    /** The request fields a profile can leave open. */
    public enum Field {
        CPU, MEMORY, GPU, IMAGE;

        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Whether jobs of this profile may run in the environment (its name or its image is listed, or nothing is). */
    public boolean allowsEnvironment(String name, String image) {
        return (images.isEmpty() && environments.isEmpty()) || environments.contains(name) || images.contains(image);
    }

    /** What {@link #allowsEnvironment} accepts, for messages. */
    public String allowedEnvironments() {
        List<String> allowed = new java.util.ArrayList<>(environments);
        allowed.addAll(images);
        return String.join(", ", allowed);
    }

    /** Whether a request may choose this field itself. */
    public boolean leavesOpen(Field field) {
        return custom || overridable.contains(field);
    }
}
