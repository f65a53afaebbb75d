package io.notebookjobs.jobs;

import java.util.Map;

/**
 * A runtime environment users pick in the create form: an executor image with a description.
 *
 * @param gpuRequired the image needs a GPU (from the image catalogue); jobs without one are refused
 * @param metadata shown to users as is (the image, and the catalogue's hints)
 */
public record Environment(String name, String image, String description, boolean gpuRequired,
        Map<String, String> metadata) {
}
