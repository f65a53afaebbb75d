package io.notebookjobs.jobs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.notebookjobs.api.ApiException;
import io.notebookjobs.api.CreateJob;
import io.notebookjobs.config.NotebookJobsConfig;
import io.notebookjobs.kube.AnnotationJson;
import io.notebookjobs.kube.JobCache;
import io.notebookjobs.kube.JobManifests;
import io.notebookjobs.kube.JobReconciler;
import io.notebookjobs.kube.JobState;
import io.notebookjobs.kube.JobWriter;
import io.notebookjobs.kube.Labels;
import io.notebookjobs.notebook.NotebookInfo;
import io.notebookjobs.storage.JobPaths;
import io.notebookjobs.storage.ObjectStore;

/**
 * The job lifecycle: create (validate, stage to S3, create the Kubernetes Job), read from the
 * informer cache, stop, rename and delete. Every operation is scoped to the job's owner.
 */
@ApplicationScoped
public class JobService {

    private static final Logger LOG = Logger.getLogger(JobService.class);

    private final NotebookJobsConfig config;
    private final ResourcePolicy policy;
    private final JobCache cache;
    private final JobWriter writer;
    private final JobManifests manifests;
    private final JobReconciler reconciler;
    private final ObjectStore store;
    private final Clock clock;
    private final Set<String> tokensInFlight = ConcurrentHashMap.newKeySet();

    public JobService(NotebookJobsConfig config, JobCache cache, JobWriter writer, JobManifests manifests,
            JobReconciler reconciler, ObjectStore store, Clock clock) {
        this.config = config;
        this.policy = ResourcePolicy.from(config);
        this.cache = cache;
        this.writer = writer;
        this.manifests = manifests;
        this.reconciler = reconciler;
        this.store = store;
        this.clock = clock;
    }

    // ---- reads

    public List<JobView> list(String owner) {
        Instant now = clock.instant();
        List<JobView> views = new ArrayList<>();
        for (Job job : cache.byOwner(owner)) {
            view(job, now).ifPresent(views::add);
        }
        return views;
    }

    public JobView get(String owner, String jobId) {
        return cache.byJobId(jobId)
                .flatMap(job -> view(job, clock.instant()))
                .filter(v -> owner.equals(v.record().owner()))
                .orElseThrow(() -> ApiException.notFound("No job with id " + jobId));
    }

    private Optional<JobView> view(Job job, Instant now) {
        return cache.record(job).map(record -> {
            JobEdits edits = AnnotationJson.read(job, Labels.JOB_EDITS, JobEdits.class).orElse(null);
            JobState state = reconciler.mapper().map(cache.observe(job), now);
            long created = record.createTime() != null ? record.createTime()
                    : Instant.parse(job.getMetadata().getCreationTimestamp()).toEpochMilli();
            return new JobView(JobCache.jobId(job), job, record, edits, state, created);
        });
    }

    public JobPaths paths(JobView view) {
        return JobPaths.forJob(store.root(), view.jobId());
    }

    // ---- create

    public String create(String owner, CreateJob request, JobInput input) {
        String name = RequestRules.name("name", request.name());
        Environment environment = environment(request.runtimeEnvironmentName());
        RunSettings settings = RuntimeParameters.parse(request.runtimeEnvironmentParameters(),
                request.timeoutSeconds(), request.maxRetries(), policy);
        List<String> formats = RequestRules.outputFormats(request.outputFormats());
        List<String> tags = RequestRules.tags(request.tags());
        Map<String, Object> parameters = RequestRules.parameters(request.parameters());
        String token = RequestRules.idempotencyToken(request.idempotencyToken());
        boolean packaged = Boolean.TRUE.equals(request.packageInputFolder());
        if (request.jobDefinitionId() != null && !request.jobDefinitionId().isBlank()) {
            throw ApiException.badRequest("job_definition_id", "no job definition " + request.jobDefinitionId());
        }
        if (request.outputFilenameTemplate() != null && !request.outputFilenameTemplate().isBlank()) {
            throw ApiException.badRequest("output_filename_template",
                    "not supported: outputs are named <input>-<YYYY-MM-DD-hh-mm-ss-AM|PM>.<format>");
        }
        Staging staging = input instanceof JobInput.Upload upload
                ? uploadStaging(request, upload, packaged)
                : bucketStaging(request, (JobInput.InBucket) input, packaged);

        String tokenKey = token == null ? null : owner + "\n" + token;
        if (tokenKey != null && !tokensInFlight.add(tokenKey)) {
            throw duplicateToken(token, null);
        }
        try {
            if (token != null) {
                Optional<Job> existing = cache.byIdempotencyToken(owner, token);
                if (existing.isPresent()) {
                    throw duplicateToken(token, JobCache.jobId(existing.get()));
                }
            }
            String jobId = UUID.randomUUID().toString();
            JobRecord record = new JobRecord(jobId, name, owner, staging.inputFilename(), environment.name(),
                    settings.echo(), formats, parameters, tags, request.computeType(), token, null, null, packaged,
                    staging.packagedFiles().stream().sorted().toList(), clock.millis(), settings.timeout().toSeconds(), settings.maxRetries(),
                    staging.notebook().scriptExtension());
            checkRecordSize(record);
            JobPaths paths = JobPaths.forJob(store.root(), jobId);
            staging.stage(paths);
            try {
                createInCluster(record, settings, paths, environment.image());
            } catch (RuntimeException e) {
                store.deletePrefix(paths.jobPrefix());
                throw e;
            }
            LOG.infof("Job %s created for %s: %s (%s)", jobId, owner, name, staging.inputFilename());
            return jobId;
        } finally {
            if (tokenKey != null) {
                tokensInFlight.remove(tokenKey);
            }
        }
    }

    /**
     * Creates the user's Secret, the Job, then hands the Secret to the Job, so the garbage
     * collector deletes them together. Either all three happen or nothing is left.
     */
    private void createInCluster(JobRecord record, RunSettings settings, JobPaths paths, String image) {
        Job job = manifests.job(record, settings, paths, image);
        Secret secret = settings.env().isEmpty() ? null : writer.create(manifests.envSecret(record, settings.env()));
        Job created = null;
        try {
            created = writer.create(job);
            if (secret != null) {
                writer.adopt(secret, created);
            }
        } catch (RuntimeException e) {
            if (created != null) {
                deleteQuietly(() -> writer.deleteJob(job.getMetadata().getName()));
            }
            if (secret != null) {
                deleteQuietly(() -> writer.deleteSecret(secret.getMetadata().getName()));
            }
            throw e;
        }
        cache.await(created.getMetadata().getName(), JobCache.hasVersion(created.getMetadata().getResourceVersion()));
    }

    private static void deleteQuietly(Runnable delete) {
        try {
            delete.run();
        } catch (RuntimeException e) {
            LOG.warnf("Cleanup after a failed create failed too: %s", e.getMessage());
        }
    }

    private void checkRecordSize(JobRecord record) {
        int size = AnnotationJson.write(record).getBytes(StandardCharsets.UTF_8).length;
        long limit = config.limits().maxRecordSize().asLongValue();
        if (size > limit) {
            String field = record.packagedFiles().isEmpty() ? "job" : "packaged_files";
            throw ApiException.badRequest(field, "the job's record would be " + size + " bytes, more than the limit of "
                    + limit + " (" + record.packagedFiles().size() + " packaged files); package a smaller folder");
        }
    }

    private static ApiException duplicateToken(String token, String existingId) {
        return ApiException.conflict("idempotency_token: a job with token '" + token + "' already exists"
                + (existingId == null ? "" : " (" + existingId + ")"));
    }

    private record Environment(String name, String image) {
    }

    private Environment environment(String requested) {
        Map<String, NotebookJobsConfig.Environment> environments = config.environments();
        String name = requested == null || requested.isBlank() ? defaultEnvironment() : requested;
        NotebookJobsConfig.Environment environment = environments.get(name);
        if (environment == null) {
            throw ApiException.badRequest("runtime_environment_name", "unknown environment '" + name + "' (available: "
                    + String.join(", ", environments.keySet().stream().sorted().toList()) + ")");
        }
        return new Environment(name, environment.image());
    }

    private String defaultEnvironment() {
        return config.environments().containsKey("default") ? "default"
                : config.environments().keySet().stream().sorted().findFirst().orElse("default");
    }

    // ---- staging

    /** A validated input, ready to be written under a job's prefix. */
    private interface Staging {
        String inputFilename();

        NotebookInfo notebook();

        List<String> packagedFiles();

        void stage(JobPaths paths);
    }

    private Staging uploadStaging(CreateJob request, JobInput.Upload upload, boolean packaged) {
        if (upload.notebook() == null) {
            throw ApiException.badRequest("input", "the notebook part is missing");
        }
        String filename = RequestRules.notebookFilename("input_filename",
                firstNonBlank(request.inputFilename(), upload.filename(), basename(request.inputUri())));
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
        return new Staging() {
            public String inputFilename() {
                return filename;
            }

            public NotebookInfo notebook() {
                return notebook;
            }

            public List<String> packagedFiles() {
                return packagedFiles;
            }

            public void stage(JobPaths paths) {
                store.uploadAll(paths.inputPrefix(), files);
            }
        };
    }

    private Staging bucketStaging(CreateJob request, JobInput.InBucket input, boolean packaged) {
        String uri = input.uri();
        String prefix = "s3://" + store.bucket() + "/";
        if (uri == null || !uri.startsWith(prefix) || uri.length() == prefix.length()) {
            throw ApiException.badRequest("input_uri", "must name an object in the configured bucket (" + prefix
                    + "<key>), or upload the notebook as multipart/form-data");
        }
        String key = uri.substring(prefix.length());
        String filename = RequestRules.notebookFilename("input_uri", basename(key));
        if (request.inputFilename() != null && !request.inputFilename().equals(filename)) {
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
            for (ObjectStore.StoredObject o : store.list(folder)) {
                if (!o.key().equals(key) && !o.key().endsWith("/")) {
                    packagedFiles.add(RequestRules.relativePath("input_uri", o.key().substring(folder.length())));
                    sourceKeys.add(o.key());
                }
            }
            if (packagedFiles.size() > config.limits().maxPackagedFiles()) {
                throw ApiException.badRequest("input_uri", "its folder has " + packagedFiles.size()
                        + " files, more than the limit of " + config.limits().maxPackagedFiles());
            }
        }
        return new Staging() {
            public String inputFilename() {
                return filename;
            }

            public NotebookInfo notebook() {
                return notebook;
            }

            public List<String> packagedFiles() {
                return packagedFiles;
            }

            public void stage(JobPaths paths) {
                store.copyAll(paths.inputPrefix(), sourceKeys.stream()
                        .map(k -> new ObjectStore.Copy(k, paths.inputPrefix() + k.substring(folder.length())))
                        .toList());
            }
        };
    }

    // ---- changes

    /** Stops a queued or running job: suspends its Job, so nothing restarts it, and deletes its pods. */
    public void stop(String owner, String jobId) {
        JobView view = get(owner, jobId);
        switch (view.status()) {
            case STOPPED, STOPPING -> {
                return;
            }
            case COMPLETED, FAILED -> throw ApiException.conflict(
                    "Job " + jobId + " is already " + view.status() + "; only queued or running jobs can be stopped");
            default -> {
            }
        }
        String name = view.job().getMetadata().getName();
        Job patched = writer.requestStop(name, clock.instant());
        // Pods get their normal grace period, so the executor can upload what it has.
        writer.deletePods(activePods(view.job()), 30);
        cache.await(name, JobCache.hasVersion(patched.getMetadata().getResourceVersion()));
        reconciler.enqueue(name);
    }

    public void rename(String owner, String jobId, String newName, String computeType) {
        JobView view = get(owner, jobId);
        String name = newName == null ? view.name() : RequestRules.name("name", newName);
        String compute = computeType == null ? view.computeType() : computeType;
        String jobName = view.job().getMetadata().getName();
        Job patched = writer.writeEdits(jobName, new JobEdits(name, compute, clock.millis()));
        cache.await(jobName, JobCache.hasVersion(patched.getMetadata().getResourceVersion()));
    }

    /**
     * Deletes a job: stops it, removes its files from S3, then its Kubernetes Job (the garbage
     * collector removes pods and Secret). When S3 fails the Job stays, so the delete can be retried.
     */
    public void delete(String owner, String jobId) {
        JobView view = get(owner, jobId);
        String name = view.job().getMetadata().getName();
        if (!view.status().isTerminal()) {
            writer.requestStop(name, clock.instant());
            // No grace: an executor uploading now would write into a prefix about to be emptied.
            writer.deletePods(activePods(view.job()), 0);
        }
        store.deletePrefix(paths(view).jobPrefix());
        writer.deleteJob(name);
        cache.await(name, JobCache.isGone());
        LOG.infof("Job %s deleted by %s", jobId, owner);
    }

    private List<Pod> activePods(Job job) {
        return cache.observe(job).pods().stream()
                .filter(p -> p.getStatus() == null || !"Succeeded".equals(p.getStatus().getPhase())
                        && !"Failed".equals(p.getStatus().getPhase()))
                .toList();
    }

    // ---- helpers

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    private static String basename(String path) {
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
