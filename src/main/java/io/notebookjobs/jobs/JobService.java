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

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.notebookjobs.api.ApiException;
import io.notebookjobs.api.CreateJob;
import io.notebookjobs.config.NotebookJobsConfig;
import io.notebookjobs.identity.Caller;
import io.notebookjobs.kube.AnnotationJson;
import io.notebookjobs.kube.CreateMark;
import io.notebookjobs.kube.JobCache;
import io.notebookjobs.kube.JobManifests;
import io.notebookjobs.kube.JobReconciler;
import io.notebookjobs.kube.JobState;
import io.notebookjobs.kube.JobWriter;
import io.notebookjobs.kube.KueueJobs;
import io.notebookjobs.kube.Labels;
import io.notebookjobs.kube.ScheduledRunRelease;
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
    private final JobDeleter deleter;
    private final ScheduledRunRelease release;
    private final Set<String> tokensInFlight = ConcurrentHashMap.newKeySet();

    public JobService(NotebookJobsConfig config, JobValidation validation, InputStaging staging, JobCache cache,
            JobWriter writer, JobManifests manifests, JobReconciler reconciler, ObjectStore store, Clock clock,
            JobDeleter deleter, ScheduledRunRelease release) {
        this.deleter = deleter;
        this.config = config;
        this.validation = validation;
        this.staging = staging;
        this.cache = cache;
        this.writer = writer;
        this.manifests = manifests;
        this.reconciler = reconciler;
        this.store = store;
        this.clock = clock;
        this.release = release;
    }

    // ---- reads

    /**
     * The jobs the caller may see: its own; an administrator's are everyone's, or one owner's
     * with the {@code owner} filter (only administrators may use it for others).
     */
    public List<JobView> list(Caller caller, Optional<String> owner) {
        Instant now = clock.instant();
        List<JobView> views = new ArrayList<>();
        for (Job job : jobsOf(caller, owner)) {
            view(job, now).filter(v -> caller.maySee(v.record().owner())).ifPresent(views::add);
        }
        return views;
    }

    private List<Job> jobsOf(Caller caller, Optional<String> owner) {
        if (owner.isPresent()) {
            checkOwnerFilter(caller, owner.get());
            return cache.byOwner(owner.get());
        }
        return caller.admin() ? cache.all() : cache.byOwner(caller.name());
    }

    /** Only administrators may look at other users' things; asking is a 403 that reveals nothing else. */
    public static void checkOwnerFilter(Caller caller, String owner) {
        if (!caller.maySee(owner)) {
            throw ApiException.forbidden("owner: only administrators may list other users' jobs and definitions");
        }
    }

    /** The caller's job (any job for an administrator); another user's job is a 404, as if it did not exist. */
    public JobView get(Caller caller, String jobId) {
        return cache.byJobId(jobId)
                .flatMap(job -> view(job, clock.instant()))
                .filter(v -> caller.maySee(v.record().owner()))
                .orElseThrow(() -> ApiException.notFound("No job with id " + jobId));
    }

    /** The job as the API shows it, for the service's own work (notifications): no caller, no owner check. */
    public Optional<JobView> view(Job job) {
        return view(job, clock.instant());
    }

    private Optional<JobView> view(Job job, Instant now) {
        // Being deleted: gone for the API. Being created (CreateMark): not there yet, the create
        // has not answered; a create that died half-way never answers and its Job goes.
        if (JobDeleter.isDeleteRequested(job) || CreateMark.isCreating(job)) {
            return Optional.empty();
        }
        return cache.record(job).map(record -> {
            JobEdits edits = AnnotationJson.read(job, Labels.JOB_EDITS, JobEdits.class).orElse(null);
            JobState state = reconciler.mapper().map(job, cache::observe, now).reported();
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

    public String create(Caller caller, CreateJob request, JobInput input) {
        String owner = caller.name();
        ValidatedJob job = validation.validate(request, caller, owner);
        String token = RequestRules.idempotencyToken(request.idempotencyToken());
        String definitionId = request.jobDefinitionId() == null || request.jobDefinitionId().isBlank() ? null
                : request.jobDefinitionId();
        if (definitionId != null && cache.definitionById(definitionId)
                .flatMap(cache::definitionRecord).filter(d -> owner.equals(d.owner())).isEmpty()) {
            throw ApiException.badRequest("job_definition_id", "no job definition " + definitionId);
        }
        InputStaging.StagedInput staged = staging.check(owner, request.inputFilename(), request.inputUri(), input,
                job.packageInputFolder());

        String tokenKey = token == null ? null : JobCache.idempotencyKey(owner, token);
        if (tokenKey != null && !tokensInFlight.add(tokenKey)) {
            throw duplicateToken(token, null);
        }
        try {
            if (token != null) {
                Optional<Job> existing = cache.byIdempotencyToken(owner, token);
                if (existing.isPresent()) {
                    throw earlierCreate(token, existing.get());
                }
            }
            // With a token the id, and so the Job's name, follows from owner and token: two
            // replicas given the same token race for one name, and the API server picks the winner.
            String jobId = token == null ? UUID.randomUUID().toString() : idFromToken(owner, token);
            // Each attempt stages under its own prefix, so a losing attempt removes only its own files.
            String inputPrefix = token == null ? null
                    : "jobs/" + jobId + "/input-" + UUID.randomUUID().toString().substring(0, 8) + "/";
            JobRecord record = new JobRecord(jobId, job.name(), owner, staged.inputFilename(), job.environment(),
                    job.settings().echo(), job.outputFormats(), job.parameters(), job.tags(), job.computeType(), token,
                    definitionId, null, job.packageInputFolder(), staged.packagedFiles(), clock.millis(),
                    job.settings().timeout().toSeconds(), job.settings().maxRetries(),
                    staged.notebook().scriptExtension(), inputPrefix, job.settings().pod().stored(), job.notifications());
            checkRecordSize(record);
            JobPaths paths = JobPaths.forJob(store.root(), jobId, inputPrefix);
            String staging = token == null ? paths.jobPrefix() : paths.inputPrefix();
            staged.stageUnder(paths.inputPrefix());
            String secretName = Labels.envSecretName(Labels.jobName(jobId));
            try {
                createInCluster(record, job.settings(), paths, job.image(), secretName, job.settings().env(), staging);
            } catch (JobWriter.NameTakenException e) {
                throw earlierCreate(token, e.existing());
            }
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
     * The definition's Secret provides the environment values. The run belongs to the
     * definition's owner, also when an administrator starts it.
     */
    public String runNow(Caller startedBy, JobRecord template, RunSettings settings, String image, String envSecret,
            Map<String, Object> parameters) {
        String jobId = UUID.randomUUID().toString();
        JobRecord record = new JobRecord(jobId, template.name(), template.owner(), template.inputFilename(),
                template.runtimeEnvironmentName(), template.runtimeEnvironmentParameters(), template.outputFormats(),
                parameters == null ? template.parameters() : RequestRules.parameters(parameters), template.tags(),
                template.computeType(), null, template.jobDefinitionId(), null, template.packageInputFolder(),
                template.packagedFiles(), clock.millis(), template.timeoutSeconds(), template.maxRetries(),
                template.scriptExtension(), null, template.pod(), template.notifications());
        checkRecordSize(record);
        JobPaths paths = JobPaths.forJob(store.root(), jobId);
        staging.copy(store.root() + template.inputPrefix(), paths.inputPrefix());
        createInCluster(record, settings, paths, image, envSecret, Map.of(), paths.jobPrefix());
        LOG.infof("Job %s started now from job definition %s by %s", jobId, template.jobDefinitionId(), startedBy.name());
        return jobId;
    }

    /**
     * Creates the Job (and the Secret of its environment values). Either all of it happens,
     * including the upload before it, or nothing of this attempt is left: {@code staging} is the
     * prefix this attempt wrote, removed when the Job could not be created (never once it exists:
     * a slow cache afterwards is not a failed create).
     */
    private void createInCluster(JobRecord record, RunSettings settings, JobPaths paths, String image,
            String secretName, Map<String, String> env, String staging) {
        Job created;
        try {
            Secret secret = env.isEmpty() ? null : manifests.envSecret(secretName, record, env);
            Job manifest = manifests.job(record, settings, paths, image, secretName);
            created = record.idempotencyToken() == null ? writer.createWithSecret(manifest, secret)
                    : writer.createOnce(manifest, secret);
        } catch (RuntimeException e) {
            store.deletePrefixQuietly(staging);
            throw e;
        }
        cache.await(created.getMetadata().getName(), JobCache.hasVersion(created.getMetadata().getResourceVersion()));
    }

    /** The job id a token stands for: one per owner and token, the same on every replica. */
    static String idFromToken(String owner, String token) {
        byte[] key = ("notebook-jobs idempotency\0" + owner + "\0" + token).getBytes(StandardCharsets.UTF_8);
        return UUID.nameUUIDFromBytes(key).toString();
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

    /**
     * A Job with this token exists: the answer is a 409 naming it (docs/api.md), also when it is
     * still marked as being created, which is most often another replica's create a moment from
     * done. Only a mark older than {@code abandoned-create-after} is a create that died half-way:
     * then 503, until the leader has deleted it and this token creates anew.
     */
    private ApiException earlierCreate(String token, Job existing) {
        if (CreateMark.isAbandoned(existing, clock.instant(), config.kube().abandonedCreateAfter())) {
            return ApiException.unavailable("idempotency_token: an earlier create with token '" + token
                    + "' did not finish; it is being removed, so retry in a minute");
        }
        if (CreateMark.isCreating(existing)) {
            // Wait as for our own writes, so that a read of the id right after this answer finds it.
            cache.await(existing.getMetadata().getName(), job -> job.isEmpty() || !CreateMark.isCreating(job.get()));
        }
        return duplicateToken(token, JobCache.jobId(existing));
    }

    private static ApiException duplicateToken(String token, String existingId) {
        return ApiException.conflict("idempotency_token: a job with token '" + token + "' already exists"
                + (existingId == null ? "" : " (" + existingId + ")"));
    }

    // ---- changes

    /**
     * Stops a queued or running job: suspends its Job, so nothing restarts it, and deletes its pods;
     * a job that Kueue admits is stopped through its Workload instead ({@link KueueJobs}).
     */
    public void stop(Caller caller, String jobId) {
        JobView view = get(caller, jobId);
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
        Job patched = writer.requestStop(view.job(), clock.instant());
        // A scheduled run must not hold its definition's next run back (ScheduledRunRelease).
        ScheduledRunRelease.cronJobController(view.job())
                .ifPresent(cronJob -> release.release(cronJob.getName(), view.job().getMetadata().getUid()));
        if (KueueJobs.isQueued(view.job())) {
            // Kueue suspends it once its Workload is inactive, and the Job controller then stops
            // the pods with their grace period; deleting them here would only make the Job
            // controller start new ones first. A Workload not made yet: the leader sees to it.
            writer.deactivateWorkloadIfEnded(patched, cache.workloadOf(view.job()));
        } else {
            // Pods get their normal grace period, so the executor can upload what it has.
            writer.deletePods(cache.activePods(name), 30);
        }
        cache.await(name, JobCache.hasVersion(patched.getMetadata().getResourceVersion()));
        reconciler.enqueue(name);
    }

    public void rename(Caller caller, String jobId, String newName, String computeType) {
        JobView view = get(caller, jobId);
        String name = newName == null ? view.name() : RequestRules.name("name", newName);
        String compute = computeType == null ? view.computeType() : computeType;
        String jobName = view.job().getMetadata().getName();
        Job patched = writer.writeEdits(jobName, new JobEdits(name, compute, clock.millis()));
        cache.await(jobName, JobCache.hasVersion(patched.getMetadata().getResourceVersion()));
    }

    /**
     * Deletes a job without holding the request: one write marks its Job (suspended, stamped with
     * the delete request; a job Kueue admits is left to Kueue to suspend once the leader has
     * deactivated its Workload), after which the job is gone for the API on every replica; the leader's
     * {@link JobDeleter} then stops its pods (an executor stopped by SIGTERM uploads what it has),
     * removes its files and deletes the Job, resuming after a restart.
     */
    public void delete(Caller caller, String jobId) {
        JobView view = get(caller, jobId);
        String name = view.job().getMetadata().getName();
        Job marked = writer.requestDelete(view.job(), clock.instant(), !view.status().isTerminal());
        cache.await(name, JobCache.hasVersion(marked.getMetadata().getResourceVersion()));
        deleter.request(name);
        LOG.infof("Job %s deleted by %s (its pods, files and Job follow)", jobId, caller.name());
    }

    /** Deletes a job unless there is no such job (any more); says whether it deleted one. */
    public boolean deleteIfPresent(Caller caller, String jobId) {
        try {
            delete(caller, jobId);
            return true;
        } catch (ApiException e) {
            if (e.status() != 404) {
                throw e;
            }
            return false;
        }
    }

    /** Longest a delete waits for the job's pods to stop before it removes the files anyway. */
}
