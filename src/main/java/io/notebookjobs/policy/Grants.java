package io.notebookjobs.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.notebookjobs.model.PodProfile;

/**
 * What one caller may use: the union of the profiles of everyone and of the caller's groups, the
 * default profile, the largest limits, and the volumes their grants mount into every job.
 *
 * @param volumes the volumes granted to every job of the caller (profile volumes come on top)
 */
public record Grants(List<Profile> profiles, Optional<String> defaultProfile, Limits limits,
        List<PodProfile.Volume> volumes, boolean policyConfigured, Optional<String> queue) {

    /** Without a group policy: no profiles, no limits beyond the service's maxima, no volumes. */
    public static final Grants OPEN = new Grants(List.of(), Optional.empty(), Limits.NONE, List.of(), false,
            Optional.empty());

    /** The Kueue LocalQueue a job of this profile goes to: the profile's, else the caller's groups'. */
    public Optional<String> queueFor(Profile profile) {
        return profile.queue().or(() -> queue);
    }

    public Optional<Profile> profile(String name) {
        return profiles.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** The job's volumes: the caller's grants plus the profile's, read-write when any grant says so. */
    public List<PodProfile.Volume> volumesWith(List<PodProfile.Volume> profileVolumes) {
        Map<String, PodProfile.Volume> byName = new LinkedHashMap<>();
        List<PodProfile.Volume> all = new ArrayList<>(volumes);
        all.addAll(profileVolumes);
        for (PodProfile.Volume v : all) {
            byName.merge(v.name(), v, (a, b) -> a.readOnly() && !b.readOnly() ? b : a);
        }
        return List.copyOf(byName.values());
    }
}
