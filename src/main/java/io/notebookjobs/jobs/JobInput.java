package io.notebookjobs.jobs;

import java.nio.file.Path;
import java.util.List;

/** Where a new job's notebook comes from. */
public sealed interface JobInput {

    /** Uploaded with the request: the notebook and, for a packaged folder, its other files. */
    record Upload(String filename, Path notebook, List<UploadedFile> files) implements JobInput {
    }

    /** A file of the notebook's folder; {@code path} is relative to the notebook's folder. */
    record UploadedFile(String path, Path file) {
    }

    /** An object already in the configured bucket, named {@code s3://bucket/key}. */
    record InBucket(String uri) implements JobInput {
    }
}
