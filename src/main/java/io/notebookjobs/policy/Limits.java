package io.notebookjobs.policy;

import java.util.List;
import java.util.Optional;

import io.notebookjobs.model.Quantity;

/**
 * The bounds of what a caller may choose: the largest of each limit over the caller's groups
 * (empty: no group says, so only the service's own maxima apply), and the image rules of every
 * group that allows custom images (none: custom images are not allowed).
 */
public record Limits(Optional<Quantity> maxCpu, Optional<Quantity> maxMemory, Optional<Integer> maxGpu,
        List<ImageRule> imageRules) {

    public static final Limits NONE = new Limits(Optional.empty(), Optional.empty(), Optional.empty(), List.of());

    public boolean customImages() {
        return !imageRules.isEmpty();
    }

    /** Whether some group of the caller allows this custom image. */
    public boolean allowsImage(ImageReference image) {
        return imageRules.stream().anyMatch(rule -> rule.allows(image));
    }
}
