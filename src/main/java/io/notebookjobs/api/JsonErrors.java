package io.notebookjobs.api;

import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonMappingException;

/** Describes a JSON parsing failure by the field it happened in, without parser internals. */
final class JsonErrors {

    private JsonErrors() {
    }

    static String describe(Throwable e) {
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            String field = mapping.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
            return "field " + field + " has the wrong type";
        }
        return "malformed JSON";
    }
}
