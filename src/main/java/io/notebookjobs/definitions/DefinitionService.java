package io.notebookjobs.definitions;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.notebookjobs.api.ApiException;
import io.notebookjobs.api.DefinitionDtos.CreateJobDefinition;
import io.notebookjobs.api.DefinitionDtos.UpdateJobDefinition;
import io.notebookjobs.config.NotebookJobsConfig;
import io.notebookjobs.identity.Caller;
import io.notebookjobs.jobs.InputStaging;
import io.notebookjobs.jobs.JobFields;
import io.notebookjobs.jobs.JobInput;
import io.notebookjobs.jobs.JobService;
import io.notebookjobs.jobs.JobValidation;
import io.notebookjobs.jobs.RunSettings;
import io.notebookjobs.jobs.RuntimeParameters;
import io.notebookjobs.jobs.ValidatedJob;
import io.notebookjobs.kube.AnnotationJson;
import io.notebookjobs.kube.CreateMark;
import io.notebookjobs.kube.DefinitionManifests;
import io.notebookjobs.kube.JobCache;
import io.notebookjobs.kube.JobManifests;
import io.notebookjobs.kube.JobWriter;
import io.notebookjobs.storage.JobPaths;
import io.notebookjobs.storage.ObjectStore;

/**
 * Job definitions: each one is a CronJob whose Job template runs the definition's notebook, with
 * the input staged once under the definition's prefix. Every run, scheduled or started now, is an
 * ordinary job in the history. Scoped to the definition's owner like jobs.
 */
@ApplicationScoped
public class DefinitionService {

    private static final Logger LOG = Logger.getLogger(DefinitionService.class);
    private static final int UPDATE_ATTEMPTS = 3;

    private final NotebookJobsConfig config;
    private final JobValidation validation;
    private final InputStaging staging;
    private final JobCache cache;
    private final JobWriter writer;
    private final JobManifests jobManifests;
    private final DefinitionManifests manifests;
    private final JobService jobs;
    private final ObjectStore store;
    private final InputVersions inputs;
    private final Clock clock;

    public DefinitionService(NotebookJobsConfig config, JobValidation validation, InputStaging staging, JobCache cache,
            JobWriter writer, JobManifests jobManifests, DefinitionManifests manifests, JobService jobs,
            ObjectStore store, InputVersions inputs, Clock clock) {
        this.config = config;
        this.validation = validation;
        this.staging = staging;
        this.cache = cache;
        this.writer = writer;
        this.jobManifests = jobManifests;
        this.manifests = manifests;
        this.jobs = jobs;
        this.store = store;
        this.inputs = inputs;
        this.clock = clock;
    }

    // ---- reads

    /** The caller's definitions; an administrator's are everyone's, or one owner's with the filter. */
    public List<DefinitionView> list(Caller caller, Optional<String> owner) {
        owner.ifPresent(o -> JobService.checkOwnerFilter(caller, o));
        List<CronJob> cronJobs = owner.isPresent() ? cache.definitionsByOwner(owner.get())
                : caller.admin() ? cache.definitions() : cache.definitionsByOwner(caller.name());
        List<DefinitionView> views = new ArrayList<>();
        for (CronJob cronJob : cronJobs) {
            view(cronJob).filter(v -> caller.maySee(v.record().owner())).ifPresent(views::add);
        }
        return views;
    }

    /** The caller's definition (any for an administrator); another user's is a 404. */
    public DefinitionView get(Caller caller, String definitionId) {
        return cache.definitionById(definitionId)
                .flatMap(this::view)
                .filter(v -> caller.maySee(v.record().owner()))
                .orElseThrow(() -> ApiException.notFound("No job definition with id " + definitionId));
    }

    private Optional<DefinitionView> view(CronJob cronJob) {
        if (CreateMark.isCreating(cronJob)) {
            return Optional.empty(); // its create has not answered yet (or died half-way)
        }
        return cache.definitionRecord(cronJob)
                .map(record -> new DefinitionView(cronJob, record, !Boolean.TRUE.equals(cronJob.getSpec().getSuspend())));
    }

    /** When the definition runs next, if it is active. */
    public Optional<Long> nextRunTime(DefinitionView view) {
        if (!view.active()) {
            return Optional.empty();
        }
        return Schedule.parse(view.record().schedule(), view.record().timezone()).nextRun(clock.instant())
                .map(java.time.Instant::toEpochMilli);
    }

    // ---- create

    public String create(Caller caller, CreateJobDefinition request, JobInput input) {
        String owner = caller.name();
        ValidatedJob job = validation.validate(request, caller, owner);
        Schedule schedule = Schedule.parse(request.schedule(), request.timezone());
        InputStaging.StagedInput staged = staging.check(owner, request.inputFilename(), request.inputUri(), input,
                job.packageInputFolder());
        String id = UUID.randomUUID().toString();
        long now = clock.millis();
        DefinitionRecord record = new DefinitionRecord(id, job.name(), owner, staged.inputFilename(), job.environment(),
                job.settings().echo(), job.outputFormats(), job.parameters(), job.tags(), job.computeType(),
                schedule.expression(), schedule.zone().getId(), job.packageInputFolder(), staged.packagedFiles(), now, now,
                job.settings().timeout().toSeconds(), job.settings().maxRetries(), staged.notebook().scriptExtension(),
                inputVersionPrefix(id, now), job.settings().pod().stored(), job.notifications());
        checkRecordSize(record);
        boolean active = request.active() == null || request.active();
        try {
            staged.stageUnder(store.root() + record.inputPrefix());
            createInCluster(record, active, job);
        } catch (RuntimeException e) {
            store.deletePrefixQuietly(store.root() + JobPaths.definitionPrefix(id));
            throw e;
        }
        LOG.infof("Job definition %s created for %s: %s, '%s' in %s", id, owner, job.name(), record.schedule(),
                record.timezone());
        return id;
    }

    private void createInCluster(DefinitionRecord record, boolean active, ValidatedJob job) {
        Map<String, String> env = job.settings().env();
        CronJob created = writer.createWithSecret(manifests.cronJob(record, active, job.settings(), job.image()),
                env.isEmpty() ? null
                        : jobManifests.envSecret(DefinitionManifests.envSecretName(record), record.runTemplate(), env));
        cache.awaitDefinition(created.getMetadata().getName(), JobCache.hasVersion(created.getMetadata().getResourceVersion()));
    }

    // ---- update

    /**
     * Applies a partial update to the definition and its CronJob (schedule, time zone, pause,
     * and the Job template the next run is made from). A new input is staged first under a new
     * version; the old one stays as long as a run in the history references it ({@link InputVersions}).
     *
     * @param newInput a new notebook (and folder), or null to keep the current one
     */
    public void update(Caller caller, String definitionId, UpdateJobDefinition update, JobInput newInput) {
        DefinitionView current = get(caller, definitionId);
        String owner = current.record().owner();
        InputStaging.StagedInput staged = null;
        String newInputPrefix = null;
        if (newInput != null) {
            boolean packaged = update.packageInputFolder() != null ? update.packageInputFolder()
                    : current.record().packageInputFolder();
            staged = staging.check(owner, null, update.inputUri(), newInput, packaged);
            newInputPrefix = inputVersionPrefix(definitionId, clock.millis());
        }
        boolean stagedNow = false;
        try {
            for (int attempt = 1;; attempt++) {
                Changed changed = changes(caller, current, update, staged, newInputPrefix);
                checkRecordSize(changed.record());
                if (staged != null && !stagedNow) {
                    staged.stageUnder(store.root() + newInputPrefix);
                    stagedNow = true;
                }
                try {
                    apply(current, changed);
                    break;
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 409 || attempt == UPDATE_ATTEMPTS) {
                        throw e;
                    }
                    // Someone else changed the CronJob: merge the update into what is there now.
                    CronJob fresh = writer.readCronJob(current.cronJob().getMetadata().getName());
                    current = view(fresh).filter(v -> caller.maySee(v.record().owner()))
                            .orElseThrow(() -> ApiException.notFound("No job definition with id " + definitionId));
                }
            }
        } catch (RuntimeException e) {
            if (stagedNow) {
                String prefix = store.root() + newInputPrefix;
                store.deletePrefixQuietly(prefix);
            }
            throw e;
        }
        if (staged != null) {
            inputs.pruneUnused(definitionId, newInputPrefix);
        }
        LOG.infof("Job definition %s updated by %s", definitionId, caller.name());
    }

    /** The definition after an update, and what changes in its Secret. */
    private record Changed(DefinitionRecord record, boolean active, ValidatedJob job, Map<String, String> setEnv,
            Set<String> removeEnv) {
    }

    /**
     * The update is checked with the updater's grants (an administrator's for someone else's
     * definition), per-user volume folders staying the owner's.
     */
    private Changed changes(Caller caller, DefinitionView current, UpdateJobDefinition u,
            InputStaging.StagedInput staged, String newInputPrefix) {
        DefinitionRecord old = current.record();
        Map<String, Object> parameters = u.runtimeEnvironmentParameters() != null ? u.runtimeEnvironmentParameters()
                : old.runtimeEnvironmentParameters();
        JobFields merged = new Merged(
                first(u.runtimeEnvironmentName(), old.runtimeEnvironmentName()),
                parameters,
                first(u.outputFormats(), old.outputFormats()),
                first(u.parameters(), old.parameters()),
                first(u.tags(), old.tags()),
                first(u.name(), old.name()),
                first(u.computeType(), old.computeType()),
                staged != null ? first(u.packageInputFolder(), old.packageInputFolder()) : old.packageInputFolder(),
                u.timeoutSeconds() != null ? u.timeoutSeconds() : (int) old.timeoutSeconds(),
                u.maxRetries() != null ? u.maxRetries() : old.maxRetries());
        ValidatedJob job = validation.validate(merged, caller, old.owner());
        Schedule schedule = Schedule.parse(first(u.schedule(), old.schedule()), first(u.timezone(), old.timezone()));

        // Environment values are shown masked; a masked value sent back means "keep it".
        Set<String> oldNames = envNames(old.runtimeEnvironmentParameters());
        Map<String, String> set = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : job.settings().env().entrySet()) {
            if (RuntimeParameters.MASK.equals(e.getValue())) {
                if (!oldNames.contains(e.getKey())) {
                    throw ApiException.badRequest("runtime_environment_parameters." + RuntimeParameters.ENV_PREFIX
                            + e.getKey(), "give its value: " + RuntimeParameters.MASK + " only keeps a value set before");
                }
            } else {
                set.put(e.getKey(), e.getValue());
            }
        }
        Set<String> remove = new HashSet<>(oldNames);
        remove.removeAll(job.settings().env().keySet());

        DefinitionRecord record = new DefinitionRecord(old.jobDefinitionId(), job.name(), old.owner(),
                staged != null ? staged.inputFilename() : old.inputFilename(), job.environment(),
                job.settings().echo(), job.outputFormats(), job.parameters(), job.tags(), job.computeType(),
                schedule.expression(), schedule.zone().getId(), job.packageInputFolder(),
                staged != null ? staged.packagedFiles() : old.packagedFiles(), old.createTime(), clock.millis(),
                job.settings().timeout().toSeconds(), job.settings().maxRetries(),
                staged != null ? staged.notebook().scriptExtension() : old.scriptExtension(),
                staged != null ? newInputPrefix : old.inputPrefix(), job.settings().pod().stored(),
                validation.notify(old.notifications(), u.emailNotifications(), u.webhookNotifications(),
                        u.runtimeEnvironmentParameters()));
        boolean active = u.active() != null ? u.active() : current.active();
        return new Changed(record, active, job, set, remove);
    }

    private void apply(DefinitionView current, Changed changed) {
        DefinitionRecord record = changed.record();
        String secretName = DefinitionManifests.envSecretName(record);
        boolean hadSecret = !envNames(current.record().runtimeEnvironmentParameters()).isEmpty();
        // Values first: the new template may reference them as soon as it is written.
        if (hadSecret) {
            writer.updateSecretValues(secretName, changed.setEnv(), changed.removeEnv());
        } else if (!changed.setEnv().isEmpty()) {
            // An earlier attempt (before a CronJob conflict) may have created it already.
            // Owned by the CronJob from its first moment, so no crash leaves values nobody owns.
            Secret secret = jobManifests.envSecret(secretName, record.runTemplate(), changed.setEnv());
            writer.createOrReplaceValues(new SecretBuilder(secret)
                    .withMetadata(JobManifests.ownedBy(secret.getMetadata(), current.cronJob())).build());
        }
        CronJob replaced = writer.replace(manifests.cronJob(record, changed.active(), changed.job().settings(),
                changed.job().image()), current.cronJob().getMetadata().getResourceVersion());
        cache.awaitDefinition(replaced.getMetadata().getName(),
                JobCache.hasVersion(replaced.getMetadata().getResourceVersion()));
    }

    // ---- run now, delete

    public String runNow(Caller caller, String definitionId, Map<String, Object> parameters) {
        DefinitionRecord record = get(caller, definitionId).record();
        return jobs.runNow(caller, record.runTemplate(), settings(record),
                validation.image(record.runtimeEnvironmentName(), record.pod()), DefinitionManifests.envSecretName(record),
                parameters);
    }

    /**
     * Deletes the definition with every run it made (their Jobs, pods and files), its staged
     * input and its CronJob. The CronJob is paused first so that no run starts meanwhile. The
     * runs are only marked here, one write each, and the leader finishes them (JobDeleter).
     */
    public void delete(Caller caller, String definitionId) {
        DefinitionView view = get(caller, definitionId);
        String name = view.cronJob().getMetadata().getName();
        writer.suspendCronJob(name);
        for (Job run : cache.byDefinition(definitionId)) {
            jobs.deleteIfPresent(caller, JobCache.jobId(run));
        }
        store.deletePrefix(store.root() + JobPaths.definitionPrefix(definitionId));
        writer.deleteCronJob(name);
        cache.awaitDefinition(name, JobCache.isGone());
        LOG.infof("Job definition %s deleted by %s", definitionId, caller.name());
    }

    // ---- helpers

    /** What the definition's runs get, read back from its record (environment values stay in the Secret). */
    private RunSettings settings(DefinitionRecord record) {
        return RuntimeParameters.parse(record.runtimeEnvironmentParameters(), (int) record.timeoutSeconds(),
                record.maxRetries(), validation.policy(), record.pod());
    }

    private void checkRecordSize(DefinitionRecord record) {
        long limit = config.limits().maxRecordSize().asLongValue();
        int size = Math.max(AnnotationJson.write(record).getBytes(StandardCharsets.UTF_8).length,
                AnnotationJson.write(record.runTemplate()).getBytes(StandardCharsets.UTF_8).length);
        if (size > limit) {
            throw ApiException.badRequest(record.packagedFiles().isEmpty() ? "job_definition" : "packaged_files",
                    "the definition's record would be " + size + " bytes, more than the limit of " + limit + " ("
                            + record.packagedFiles().size() + " packaged files); package a smaller folder");
        }
    }

    private static String inputVersionPrefix(String definitionId, long version) {
        return JobPaths.definitionPrefix(definitionId) + "inputs/" + version + "/";
    }

    private static Set<String> envNames(Map<String, Object> parameters) {
        Set<String> names = new HashSet<>();
        parameters.keySet().stream().filter(k -> k.startsWith(RuntimeParameters.ENV_PREFIX))
                .forEach(k -> names.add(k.substring(RuntimeParameters.ENV_PREFIX.length())));
        return names;
    }

    private static <T> T first(T value, T fallback) {
        return value != null ? value : fallback;
    }

    /** The fields of a definition after an update, for the same checks as at create. */
    private record Merged(String runtimeEnvironmentName, Map<String, Object> runtimeEnvironmentParameters,
            List<String> outputFormats, Map<String, Object> parameters, List<String> tags, String name,
            String computeType, Boolean packageInputFolder, Integer timeoutSeconds, Integer maxRetries)
            implements JobFields {

        @Override
        public String inputUri() {
            return null;
        }

        @Override
        public String inputFilename() {
            return null;
        }

        @Override
        public String outputFilenameTemplate() {
            return null;
        }
    }
}
