package io.notebookjobs.api;

import java.util.List;

import org.jboss.resteasy.reactive.multipart.FileUpload;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.notebookjobs.jobs.JobInput;

/** The parts of a multipart create or update: {@code job} (JSON), {@code input}, {@code files}. */
final class Multipart {

    private Multipart() {
    }

    static <T> T json(ObjectMapper json, String part, Class<T> type, String typeName) {
        if (part == null || part.isBlank()) {
            throw ApiException.badRequest("job", "the " + typeName + " part is missing");
        }
        try {
            return json.readValue(part, type);
        } catch (Exception e) {
            throw ApiException.badRequest("job", "not a valid " + typeName + " JSON object (" + JsonErrors.describe(e) + ")");
        }
    }

    static JobInput.Upload upload(FileUpload input, List<FileUpload> files) {
        List<JobInput.UploadedFile> folder = files == null ? List.of()
                : files.stream().map(f -> new JobInput.UploadedFile(f.fileName(), f.uploadedFile())).toList();
        return new JobInput.Upload(input == null ? null : input.fileName(), input == null ? null : input.uploadedFile(),
                folder);
    }
}
