package io.notebookjobs.policy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonCreator;

import io.notebookjobs.model.PodProfile;

/**
 * The group policy as written in its YAML file (snake_case keys; an unknown key is an error, so a
 * typo never silently grants or withholds something). {@link GroupPolicy} checks and compiles it.
 * docs/configuration.md#group-policy describes every key; k8s/base/policy.yaml is an example.
 */
public record PolicyDocument(
        String defaultProfile,
        LinkedHashMap<String, ProfileSpec> profiles,
        LinkedHashMap<String, VolumeSpec> volumes,
        GrantSpec everyone,
        LinkedHashMap<String, GrantSpec> groups) {

    /** A named set of resources, images, placement and volumes users pick in the create form. */
    public record ProfileSpec(
            String displayName,
            String description,
            String cpu,
            String memory,
            Integer gpu,
            String image,
            List<String> images,
            List<String> environments,
            Boolean custom,
            List<String> overridable,
            Map<String, String> nodeSelector,
            List<PodProfile.Toleration> tolerations,
            List<VolumeGrant> volumes,
            String queue) {
    }

    /** A PersistentVolumeClaim that grants can mount; {@code sub_path} may contain {user}. */
    public record VolumeSpec(String claim, String mountPath, Boolean readOnly, String subPath) {
    }

    /** A volume a group or profile grants: by name, optionally with its own access. */
    public record VolumeGrant(String name, Boolean readOnly) {

        /** {@code - shared} in YAML: the volume's own access. */
        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        public static VolumeGrant named(String name) {
            return new VolumeGrant(name, null);
        }

        @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
        public VolumeGrant {
        }
    }

    /** What everyone, or the members of one group, may use. */
    public record GrantSpec(List<String> profiles, String defaultProfile, LimitsSpec limits, List<VolumeGrant> volumes,
            String queue) {
    }

    /** Bounds for values a request chooses itself (custom profiles and overridable fields). */
    public record LimitsSpec(String maxCpu, String maxMemory, Integer maxGpu, Boolean customImage, String imagePattern,
            List<String> allowedRegistries) {
    }
}
