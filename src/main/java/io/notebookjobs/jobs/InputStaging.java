package io.notebookjobs.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import io.notebookjobs.api.ApiException;
import io.notebookjobs.config.NotebookJobsConfig;
import io.notebookjobs.notebook.NotebookInfo;
import io.notebookjobs.storage.ObjectStore;

/**
 * Checks a new input (an upload, or an object already in the bucket) before anything is written,
 * then writes it under a prefix all-or-nothing.
 */
@ApplicationScoped
public class InputStaging {

    private final NotebookJobsConfig config;
    private final ObjectStore store;

    public InputStaging(NotebookJobsConfig config, ObjectStore store) {
        this.config = config;
        this.store = store;
    }

    /** A checked input, ready to be written. */
    public interface StagedInput {
        String inputFilename();

        NotebookInfo notebook();

        /** Paths of the folder's other files, sorted. */
        List<String> packagedFiles();

        /** Writes everything under the key prefix; all of it, or nothing. */
        void stageUnder(String prefix);
    }

    /**
     * @param owner whose job it is: an input in the bucket must be in the owner's area
     * @param inputFilename the request's {@code input_filename}, if any
     * @param inputUri the request's {@code input_uri}, if any
     */
    public StagedInput check(String owner, String inputFilename, String inputUri, JobInput input, boolean packaged) {
        return input instanceof JobInput.Upload upload
                ? fromUpload(inputFilename, inputUri, upload, packaged)
                : fromBucket(owner, inputFilename, (JobInput.InBucket) input, packaged);
    }

    /**
     * Where the owner's notebooks in the bucket may be: {@code notebook-jobs.inputs.user-area}
     * under the service's prefix. Never another user's area, and never the service's own job and
     * definition prefixes (other jobs' inputs and outputs).
     */
    String userArea(String owner) {
        String area = config.inputs().userArea().replace("{user}", owner);
        if (!area.isEmpty() && !area.endsWith("/")) {
            area = area + "/";
        }
        return store.root() + area;
    }

    private void checkInArea(String owner, String uri, String key) {
        String area = userArea(owner);
        String root = store.root();
        boolean serviceOwned = key.startsWith(root + "jobs/") || key.startsWith(root + "definitions/");
        // To S3 "a/../b" is its own key, but stores backed by a file system resolve it (s3proxy
        // does): a key with "." or ".." segments could leave the area, so it is refused.
        boolean dotSegments = java.util.Arrays.stream(key.split("/", -1)).anyMatch(s -> s.equals(".") || s.equals(".."));
        if (!key.startsWith(area) || serviceOwned || dotSegments) {
            throw ApiException.badRequest("input_uri", "'" + uri + "' is outside your area: notebooks in the bucket must "
                    + "be under s3://" + store.bucket() + "/" + area);
        }
    }

    private StagedInput fromUpload(String requestedName, String inputUri, JobInput.Upload upload, boolean packaged) {
        if (upload.notebook() == null) {
            throw ApiException.badRequest("input", "the notebook part is missing");
        }
        String filename = RequestRules.notebookFilename("input_filename",
                firstNonBlank(requestedName, upload.filename(), basename(inputUri)));
        if (!packaged && !upload.files().isEmpty()) {
            throw ApiException.badRequest("files", "folder files are only accepted when package_input_folder is true");
        }
        if (upload.files().size() > config.limits().maxPackagedFiles()) {
            throw ApiException.badRequest("files", upload.files().size() + " files, more than the limit of "
                    + config.limits().maxPackagedFiles());
        }
        long total = size(upload.notebook());
        List<ObjectStore.LocalFile> files = new ArrayList<>();
        List<String> packagedFiles = new ArrayList<>();
        Set<String> seen = new HashSet<>(Set.of(filename));
        for (JobInput.UploadedFile file : upload.files()) {
            String path = RequestRules.relativePath("files", file.path());
            if (!seen.add(path)) {
                throw ApiException.badRequest("files", "'" + path + "' is given twice (or is the notebook itself)");
            }
            total += size(file.file());
            files.add(new ObjectStore.LocalFile(path, file.file()));
            packagedFiles.add(path);
        }
        long limit = config.limits().maxUploadSize().asLongValue();
        if (total > limit) {
            throw ApiException.tooLarge("The upload is " + total + " bytes, more than the limit of " + limit + " bytes");
        }
        NotebookInfo notebook = NotebookInfo.inspect("input", readAll(upload.notebook()));
        files.add(0, new ObjectStore.LocalFile(filename, upload.notebook()));
        return staged(filename, notebook, packagedFiles, prefix -> store.uploadAll(prefix, files));
    }

    private StagedInput fromBucket(String owner, String requestedName, JobInput.InBucket input, boolean packaged) {
        String uri = input.uri();
        String bucketPrefix = "s3://" + store.bucket() + "/";
        if (uri == null || !uri.startsWith(bucketPrefix) || uri.length() == bucketPrefix.length()) {
            throw ApiException.badRequest("input_uri", "must name an object in the configured bucket (" + bucketPrefix
                    + "<key>), or upload the notebook as multipart/form-data");
        }
        String key = uri.substring(bucketPrefix.length());
        checkInArea(owner, uri, key);
        String filename = RequestRules.notebookFilename("input_uri", basename(key));
        if (requestedName != null && !requestedName.equals(filename)) {
            throw ApiException.badRequest("input_filename", "must match the file name of input_uri (" + filename + ")");
        }
        ObjectStore.StoredObject object = store.head(key)
                .orElseThrow(() -> ApiException.badRequest("input_uri", "there is no object " + uri));
        long limit = config.limits().maxUploadSize().asLongValue();
        if (object.size() > limit) {
            throw ApiException.tooLarge("The notebook is " + object.size() + " bytes, more than the limit of " + limit);
        }
        NotebookInfo notebook = NotebookInfo.inspect("input_uri", store.read(key));
        String folder = key.substring(0, key.length() - filename.length());
        List<String> packagedFiles = new ArrayList<>();
        List<String> sourceKeys = new ArrayList<>(List.of(key));
        if (packaged) {
            // Bounded before it lists: a folder with more files than allowed is refused after N + 2 keys.
            for (ObjectStore.StoredObject o : store.list(folder, config.limits().maxPackagedFiles() + 2)) {
                if (!o.key().equals(key) && !o.key().endsWith("/")) {
                    packagedFiles.add(RequestRules.relativePath("input_uri", o.key().substring(folder.length())));
                    sourceKeys.add(o.key());
                }
            }
            if (packagedFiles.size() > config.limits().maxPackagedFiles()) {
                throw ApiException.badRequest("input_uri", "its folder has more than "
                        + config.limits().maxPackagedFiles() + " files, the limit for package_input_folder");
            }
        }
        return staged(filename, notebook, packagedFiles, prefix -> store.copyAll(prefix, sourceKeys.stream()
                .map(k -> new ObjectStore.Copy(k, prefix + k.substring(folder.length())))
                .toList()));
    }

    /** Copies an input already staged under one prefix (a job definition's) to another (a run's). */
    public void copy(String fromPrefix, String toPrefix) {
        store.copyAll(toPrefix, store.list(fromPrefix).stream()
                .map(o -> new ObjectStore.Copy(o.key(), toPrefix + o.key().substring(fromPrefix.length())))
                .toList());
    }

    private static StagedInput staged(String filename, NotebookInfo notebook, List<String> packagedFiles,
            java.util.function.Consumer<String> write) {
        List<String> sorted = packagedFiles.stream().sorted().toList();
        return new StagedInput() {
            public String inputFilename() {
                return filename;
            }

            public NotebookInfo notebook() {
                return notebook;
            }

            public List<String> packagedFiles() {
                return sorted;
            }

            public void stageUnder(String prefix) {
                write.accept(prefix);
            }
        };
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    static String basename(String path) {
        if (path == null) {
            return null;
        }
        int slash = path.lastIndexOf('/');
        return slash >= 0 ? path.substring(slash + 1) : path;
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read an uploaded file", e);
        }
    }

    private static byte[] readAll(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read an uploaded file", e);
        }
    }
}
