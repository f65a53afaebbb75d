package io.notebookjobs.policy;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Which custom images a group's members may ask for: the reference must match the pattern and,
 * when registries are listed, come from one of them.
 */
public record ImageRule(String group, Pattern pattern, List<String> registries) {

    public boolean allows(ImageReference image) {
        return pattern.matcher(image.text()).matches()
                && (registries.isEmpty() || registries.contains(image.registry()));
    }

    public String describe() {
        return "match " + pattern.pattern() + (registries.isEmpty() ? "" : " from " + String.join(", ", registries));
    }
}
