package io.notebookjobs.kube;

import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * JSON stored in annotations. Its own mapper, so that the stored format does not change when the
 * HTTP API's JSON settings do; unknown fields are ignored so that older services read newer records.
 */
public final class AnnotationJson {

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private AnnotationJson() {
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    /** Empty when the annotation is missing or unreadable: a hand-edited Job must not break history. */
    public static <T> Optional<T> read(HasMetadata object, String key, Class<T> type) {
        String json = object.getMetadata().getAnnotations() == null ? null
                : object.getMetadata().getAnnotations().get(key);
        if (json == null || json.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(MAPPER.readValue(json, type));
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }
}
