package io.notebookjobs.jobs;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

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
    private final JobValidation validation;
    private final InputStaging staging;
    private final JobCache cache;
    private final JobWriter writer;
    private final JobManifests manifests;
    private final JobReconciler reconciler;
    private final ObjectStore store;
    private final Clock clock;
    private final Set<String> tokensInFlight = ConcurrentHashMap.newKeySet();

    public JobService(NotebookJobsConfig config, JobValidation validation, InputStaging staging, JobCache cache,
            JobWriter writer, JobManifests manifests, JobReconciler reconciler, ObjectStore store, Clock clock) {
        this.config = config;
        this.validation = validation;
        this.staging = staging;
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
            JobState state = reconciler.mapper().map(job, cache::observe, now);
            return new JobView(JobCache.jobId(job), job, record, edits, state, createTime(job, record));
        });
    }

    /**
     * A one-off job's create time is in its record; a run spawned by a CronJob was created at its
     * scheduled minute, which the CronJob controller writes into the Job's name. The executor
     * names the outputs by the same rule (docs/executor-contract.md).
     */
    static long createTime(Job job, JobRecord record) {
        if (record.createTime() != null) {
            return record.createTime();
        }
        java.util.regex.Matcher scheduled = SCHEDULED_RUN.matcher(job.getMetadata().getName());
        if (scheduled.matches()) {
            return Long.parseLong(scheduled.group(1)) * 60_000L;
        }
        return Instant.parse(job.getMetadata().getCreationTimestamp()).toEpochMilli();
    }

    private static final java.util.regex.Pattern SCHEDULED_RUN = java.util.regex.Pattern
            .compile("^" + Labels.CRON_JOB_NAME_PREFIX + ".*-(\\d{1,12})$");

    public JobPaths paths(JobView view) {
        return JobPaths.forJob(store.root(), view.jobId(), view.record().inputPrefix());
    }

    // ---- create

    public String create(String owner, CreateJob request, JobInput input) {
        ValidatedJob job = validation.validate(request);
        String token = RequestRules.idempotencyToken(request.idempotencyToken());
        String definitionId = request.jobDefinitionId() == null || request.jobDefinitionId().isBlank() ? null
                : request.jobDefinitionId();
        if (definitionId != null && cache.definitionById(definitionId)
                .flatMap(cache::definitionRecord).filter(d -> owner.equals(d.owner())).isEmpty()) {
            throw ApiException.badRequest("job_definition_id", "no job definition " + definitionId);
        }
        InputStaging.StagedInput staged = staging.check(request.inputFilename(), request.inputUri(), input,
                job.packageInputFolder());

        String tokenKey = token == null ? null : JobCache.idempotencyKey(owner, token);
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
            JobRecord record = new JobRecord(jobId, job.name(), owner, staged.inputFilename(), job.environment(),
                    job.settings().echo(), job.outputFormats(), job.parameters(), job.tags(), job.computeType(), token,
                    definitionId, null, job.packageInputFolder(), staged.packagedFiles(), clock.millis(),
                    job.settings().timeout().toSeconds(), job.settings().maxRetries(),
                    staged.notebook().scriptExtension(), null);
            checkRecordSize(record);
            JobPaths paths = JobPaths.forJob(store.root(), jobId);
            staged.stageUnder(paths.inputPrefix());
            String secretName = Labels.envSecretName(Labels.jobName(jobId));
            createInCluster(record, job.settings(), paths, job.image(), secretName, job.settings().env());
            LOG.infof("Job %s created for %s: %s (%s)", jobId, owner, job.name(), staged.inputFilename());
            return jobId;
        } finally {
            if (tokenKey != null) {
                tokensInFlight.remove(tokenKey);
            }
        }
    }

    /**
     * Starts a run of a job definition now: a one-off job made from the definition's current
     * template, with its own copy of the definition's input and, when given, other parameters.
     * The definition's Secret provides the environment values.
     */
    public String runNow(String owner, JobRecord template, RunSettings settings, String image, String envSecret,
            Map<String, Object> parameters) {
        String jobId = UUID.randomUUID().toString();
        JobRecord record = new JobRecord(jobId, template.name(), owner, template.inputFilename(),
                template.runtimeEnvironmentName(), template.runtimeEnvironmentParameters(), template.outputFormats(),
                parameters == null ? template.parameters() : RequestRules.parameters(parameters), template.tags(),
                template.computeType(), null, template.jobDefinitionId(), null, template.packageInputFolder(),
                template.packagedFiles(), clock.millis(), template.timeoutSeconds(), template.maxRetries(),
                template.scriptExtension(), null);
        checkRecordSize(record);
        JobPaths paths = JobPaths.forJob(store.root(), jobId);
        staging.copy(store.root() + template.inputPrefix(), paths.inputPrefix());
        createInCluster(record, settings, paths, image, envSecret, Map.of());
        LOG.infof("Job %s started now from job definition %s by %s", jobId, template.jobDefinitionId(), owner);
        return jobId;
    }

    /**
     * Creates the Job (and the Secret of its environment values). Either all of it happens,
     * including the upload before it, or nothing is left.
     */
    private void createInCluster(JobRecord record, RunSettings settings, JobPaths paths, String image,
            String secretName, Map<String, String> env) {
        try {
            Job created = writer.createWithSecret(manifests.job(record, settings, paths, image, secretName),
                    env.isEmpty() ? null : manifests.envSecret(secretName, record, env));
            cache.await(created.getMetadata().getName(), JobCache.hasVersion(created.getMetadata().getResourceVersion()));
        } catch (RuntimeException e) {
            store.deletePrefixQuietly(paths.jobPrefix());
            throw e;
        }
    }

    void checkRecordSize(JobRecord record) {
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
        writer.deletePods(cache.activePods(name), 30);
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
     * Deletes a job: stops it and waits for its pods to be gone (an executor stopped by SIGTERM
     * uploads what it has), removes its files from S3, then its Kubernetes Job (the garbage
     * collector removes the pods' remains and the Secret). When S3 fails the Job stays, so the
     * delete can be retried.
     */
    public void delete(String owner, String jobId) {
        JobView view = get(owner, jobId);
        String name = view.job().getMetadata().getName();
        if (!view.status().isTerminal()) {
            writer.requestStop(name, clock.instant());
            // The shortest grace that is not a force delete: a force delete removes the pod from
            // the API at once while its process still runs (and uploads); this one keeps the pod
            // until the kubelet has stopped it, which is what the wait below waits for.
            writer.deletePods(cache.activePods(name), 1);
        }
        cache.awaitPodsGone(name, POD_STOP_WAIT);
        store.deletePrefix(paths(view).jobPrefix());
        writer.deleteJob(name);
        cache.await(name, JobCache.isGone());
        LOG.infof("Job %s deleted by %s", jobId, owner);
    }

    /** Deletes a job unless there is no such job (any more); says whether it deleted one. */
    public boolean deleteIfPresent(String owner, String jobId) {
        try {
            delete(owner, jobId);
            return true;
        } catch (ApiException e) {
            if (e.status() != 404) {
                throw e;
            }
            return false;
        }
    }

    /** Longest a delete waits for the job's pods to stop before it removes the files anyway. */
    private static final java.time.Duration POD_STOP_WAIT = java.time.Duration.ofSeconds(60);
}
