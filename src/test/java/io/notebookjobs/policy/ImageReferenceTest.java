package io.notebookjobs.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReferenceTest {

    @ParameterizedTest
    @CsvSource({ "nvcr.io/nvidia/pytorch:24.10-py3, nvcr.io", "quay.io/jupyter/scipy-notebook:latest, quay.io",
            "custom-registry.example.com/ml-notebook:v1.0, custom-registry.example.com", "python:3.11, docker.io",
            "library/python:3.11-slim, docker.io", "localhost/nb:1, localhost", "localhost:5000/nb:dev, localhost:5000",
            "registry.example.org/a/b/c@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef, registry.example.org" })
    void acceptsReferencesAndFindsTheirRegistry(String text, String registry) {
        assertThat(ImageReference.parse(text)).get().extracting(ImageReference::registry).isEqualTo(registry);
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "Python:3", "quay.io/Jupyter/x:1", "a b:1", "x:", ":tag", "x:-bad", "a//b:1",
            "a/:1", "x@sha256:12", "https://quay.io/x:1", "x:1;rm -rf /" })
    void refusesWhatIsNoReference(String text) {
        assertThat(ImageReference.parse(text)).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void refusesAbsurdLengths() {
        assertThat(ImageReference.parse("a".repeat(ImageReference.MAX_LENGTH + 1))).isEmpty();
    }
}
