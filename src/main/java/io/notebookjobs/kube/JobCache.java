package io.notebookjobs.kube;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.notebookjobs.config.NotebookJobsConfig;
import io.notebookjobs.definitions.DefinitionRecord;
import io.notebookjobs.jobs.JobRecord;
import io.quarkus.runtime.ShutdownEvent;

/**
 * The service's view of the cluster: one label-selected shared informer each for managed Jobs,
 * their Pods and job definitions' CronJobs, and one for the namespace's Events, started at boot.
 * Every read of the API (history, definitions, get, count) is served from here through indexes;
 * nothing lists the API server per request.
 */
@ApplicationScoped
public class JobCache {

    private static final Logger LOG = Logger.getLogger(JobCache.class);

    static final String BY_JOB_ID = "job-id";
    static final String BY_OWNER = "owner";
    static final String BY_IDEMPOTENCY = "idempotency";
    static final String BY_DEFINITION = "definition";
    static final String PODS_BY_JOB = "job-name";
    static final String EVENTS_BY_OBJECT = "involved-object";
    static final String DEFINITIONS_BY_ID = "definition-id";
    static final String DEFINITIONS_BY_OWNER = "definition-owner";
    static final String WORKLOADS_BY_JOB_UID = "workload-job-uid";

    private final KubernetesClient client;
    private final NotebookJobsConfig config;
    private final Map<String, ParsedRecord> recordsByUid = new ConcurrentHashMap<>();
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Duration>> catchUpListeners = new CopyOnWriteArrayList<>();
    private final List<Waiter> waiters = new CopyOnWriteArrayList<>();

    private volatile SharedIndexInformer<Job> jobs;
    private volatile SharedIndexInformer<Pod> pods;
    private volatile SharedIndexInformer<Event> events;
    private volatile SharedIndexInformer<CronJob> cronJobs;
    /** Kueue's Workloads in the namespace, when Kueue is on: few, as the namespace is the service's. */
    private volatile SharedIndexInformer<GenericKubernetesResource> workloads;

    public JobCache(KubernetesClient client, NotebookJobsConfig config) {
        this.client = client;
        this.config = config;
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    /** Starts the informers; their first lists arrive in the background. */
    public synchronized void start() {
        if (jobs != null) {
            return;
        }
        String namespace = config.kube().namespace();
        jobs = client.batch().v1().jobs().inNamespace(namespace)
                .withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)
                .runnableInformer(0);
        jobs.itemStore(SlimStore.forJobs());
        jobs.addIndexers(Map.of(
                BY_JOB_ID, job -> List.of(jobId(job)),
                BY_OWNER, job -> record(job).map(r -> List.of(r.owner())).orElse(List.of()),
                BY_IDEMPOTENCY, job -> record(job)
                        .filter(r -> r.idempotencyToken() != null)
                        .map(r -> List.of(idempotencyKey(r.owner(), r.idempotencyToken())))
                        .orElse(List.of()),
                BY_DEFINITION, job -> record(job)
                        .filter(r -> r.jobDefinitionId() != null)
                        .map(r -> List.of(r.jobDefinitionId()))
                        .orElse(List.of())));
        jobs.addEventHandler(handler(Job.class, job -> job.getMetadata().getName(), this::forget));

        pods = client.pods().inNamespace(namespace)
                .withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)
                .runnableInformer(0);
        pods.itemStore(SlimStore.withoutManagedFields());
        pods.addIndexers(Map.of(PODS_BY_JOB, pod -> ownerJobName(pod).map(List::of).orElse(List.of())));
        pods.addEventHandler(handler(Pod.class, pod -> ownerJobName(pod).orElse(null), pod -> {
        }));

        // Events cannot be label-selected; the namespace is the service's own, so their number is small.
        events = client.v1().events().inNamespace(namespace).runnableInformer(0);
        events.itemStore(SlimStore.withoutManagedFields());
        events.addIndexers(Map.of(EVENTS_BY_OBJECT, e -> e.getInvolvedObject() == null ? List.of()
                : List.of(e.getInvolvedObject().getKind() + "/" + e.getInvolvedObject().getName())));
        events.addEventHandler(handler(Event.class, this::jobNameOfEvent, e -> {
        }));

        cronJobs = client.batch().v1().cronjobs().inNamespace(namespace)
                .withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)
                .runnableInformer(0);
        cronJobs.itemStore(SlimStore.withoutManagedFields());
        cronJobs.addIndexers(Map.of(
                DEFINITIONS_BY_ID, c -> Optional.ofNullable(c.getMetadata().getLabels().get(Labels.JOB_DEFINITION_ID))
                        .map(List::of).orElse(List.of()),
                DEFINITIONS_BY_OWNER, c -> definitionRecord(c).map(d -> List.of(d.owner())).orElse(List.of())));
        cronJobs.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(CronJob obj) {
                notifyWaiters("CronJob/" + obj.getMetadata().getName());
            }

            @Override
            public void onUpdate(CronJob oldObj, CronJob newObj) {
                notifyWaiters("CronJob/" + newObj.getMetadata().getName());
            }

            @Override
            public void onDelete(CronJob obj, boolean deletedFinalStateUnknown) {
                notifyWaiters("CronJob/" + obj.getMetadata().getName());
            }
        });

        List<SharedIndexInformer<?>> informers = new java.util.ArrayList<>(List.of(jobs, pods, events, cronJobs));
        if (config.kube().kueue().enabled()) {
            workloads = client.genericKubernetesResources(workloadContext(config)).inNamespace(namespace)
                    .runnableInformer(0);
            workloads.addIndexers(Map.of(WORKLOADS_BY_JOB_UID, w -> Optional.ofNullable(w.getMetadata().getLabels())
                    .map(l -> l.get(Labels.KUEUE_JOB_UID)).map(List::of).orElse(List.of())));
            workloads.addEventHandler(handler(GenericKubernetesResource.class, JobCache::jobNameOfWorkload, w -> {
            }));
            informers.add(workloads);
        }
        for (SharedIndexInformer<?> informer : informers) {
            String what = informer == workloads ? "Kueue Workloads (are Kueue's CRDs installed?)"
                    : informer.getApiTypeClass().getSimpleName();
            informer.exceptionHandler((started, error) -> {
                LOG.warnf("Watch of %s failed (%s); retrying", what, error.getMessage());
                return true;
            });
        }
        CompletableFuture<?> all = CompletableFuture.allOf(informers.stream()
                .map(i -> i.start().toCompletableFuture()).toArray(CompletableFuture[]::new));
        // Boot does not wait: probes must answer while the API server is slow. Readiness stays
        // down until the first lists arrive, and a missed deadline is reported loudly.
        Duration timeout = config.kube().informerSyncTimeout();
        all.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((ok, error) -> {
            if (error == null) {
                LOG.infof("Watching Jobs, Pods, CronJobs, Events%s in namespace %s",
                        workloads == null ? "" : " and Kueue Workloads", namespace);
            } else if (error instanceof TimeoutException) {
                LOG.errorf("The Kubernetes API did not answer within %s s; the service stays unready until it does",
                        timeout.toSeconds());
            } else {
                LOG.errorf("Cannot watch namespace %s: %s; the service stays unready until it can", namespace,
                        error.getMessage());
            }
        });
    }

    public synchronized void stop() {
        for (SharedIndexInformer<?> informer : new SharedIndexInformer<?>[] { jobs, pods, events, cronJobs, workloads }) {
            if (informer != null) {
                informer.stop();
            }
        }
        jobs = null;
        pods = null;
        events = null;
        cronJobs = null;
        workloads = null;
        recordsByUid.clear();
    }

    /** True once every informer has listed its objects at least once. */
    public boolean hasSynced() {
        SharedIndexInformer<Job> j = jobs;
        SharedIndexInformer<Pod> p = pods;
        SharedIndexInformer<Event> e = events;
        SharedIndexInformer<CronJob> c = cronJobs;
        SharedIndexInformer<GenericKubernetesResource> w = workloads;
        boolean workloadsSynced = !config.kube().kueue().enabled() || (w != null && w.hasSynced());
        return j != null && p != null && e != null && c != null && j.hasSynced() && p.hasSynced() && e.hasSynced()
                && c.hasSynced() && workloadsSynced;
    }

    /**
     * Called with how long each awaited write took to show in the cache (the configured wait when
     * it did not): the lag of the watches, measured on the service's own writes.
     */
    public void addCatchUpListener(Consumer<Duration> listener) {
        catchUpListeners.add(listener);
    }

    /** Called with the name of a Job whenever it, one of its Pods or an Event about them changes. */
    public void addListener(Consumer<String> listener) {
        listeners.add(listener);
    }

    public Optional<Job> byJobId(String jobId) {
        return informer().getIndexer().byIndex(BY_JOB_ID, jobId).stream().findFirst();
    }

    public Optional<Job> byName(String jobName) {
        return Optional.ofNullable(informer().getStore().getByKey(config.kube().namespace() + "/" + jobName));
    }

    public List<Job> byOwner(String owner) {
        return informer().getIndexer().byIndex(BY_OWNER, owner);
    }

    public Optional<Job> byIdempotencyToken(String owner, String token) {
        return informer().getIndexer().byIndex(BY_IDEMPOTENCY, idempotencyKey(owner, token)).stream().findFirst();
    }

    public List<Job> byDefinition(String definitionId) {
        return informer().getIndexer().byIndex(BY_DEFINITION, definitionId);
    }

    public List<Job> all() {
        return informer().getStore().list();
    }

    public Optional<CronJob> definitionById(String definitionId) {
        return synced(cronJobs).getIndexer().byIndex(DEFINITIONS_BY_ID, definitionId).stream().findFirst();
    }

    public List<CronJob> definitions() {
        return synced(cronJobs).getStore().list();
    }

    public List<CronJob> definitionsByOwner(String owner) {
        return synced(cronJobs).getIndexer().byIndex(DEFINITIONS_BY_OWNER, owner);
    }

    /** A definition's record; read on each use, because updates rewrite it. */
    public Optional<DefinitionRecord> definitionRecord(CronJob cronJob) {
        return AnnotationJson.read(cronJob, Labels.JOB_DEFINITION_DATA, DefinitionRecord.class);
    }

    /** The Job with its Pods and the Events about them. */
    public Observed observe(Job job) {
        String name = job.getMetadata().getName();
        List<Pod> jobPods = pods.getIndexer().byIndex(PODS_BY_JOB, name);
        List<Event> related = new java.util.ArrayList<>(events.getIndexer().byIndex(EVENTS_BY_OBJECT, "Job/" + name));
        for (Pod pod : jobPods) {
            related.addAll(events.getIndexer().byIndex(EVENTS_BY_OBJECT, "Pod/" + pod.getMetadata().getName()));
        }
        return new Observed(job, jobPods, related, workloadOf(job));
    }

    /** The Kueue Workload of a Job that Kueue admits, once Kueue has created it. */
    public Optional<KueueWorkload> workloadOf(Job job) {
        SharedIndexInformer<GenericKubernetesResource> w = workloads;
        if (w == null || !KueueJobs.isQueued(job) || job.getMetadata().getUid() == null) {
            return Optional.empty();
        }
        return w.getIndexer().byIndex(WORKLOADS_BY_JOB_UID, job.getMetadata().getUid()).stream().findFirst()
                .map(KueueWorkload::of);
    }

    /** Where the Workloads are: named explicitly, so that no discovery call is needed. */
    public static ResourceDefinitionContext workloadContext(NotebookJobsConfig config) {
        String apiVersion = config.kube().kueue().workloadApiVersion();
        int slash = apiVersion.indexOf('/');
        return new ResourceDefinitionContext.Builder().withGroup(apiVersion.substring(0, slash))
                .withVersion(apiVersion.substring(slash + 1)).withKind("Workload").withPlural("workloads")
                .withNamespaced(true).build();
    }

    /** Kueue makes the Job the Workload's controller owner. */
    private static String jobNameOfWorkload(GenericKubernetesResource workload) {
        List<OwnerReference> owners = workload.getMetadata().getOwnerReferences();
        return owners == null ? null : owners.stream().filter(o -> "Job".equals(o.getKind()))
                .map(OwnerReference::getName).findFirst().orElse(null);
    }

    /**
     * Like {@link #observe}, but the Job and its Pods as the API server has them now: a
     * destructive decision (failing a job that seems not to have started) must not rest on a
     * cache that may lag behind a pod that did start. Empty when the Job is gone.
     */
    public Optional<Observed> observeFresh(Job cached) {
        String name = cached.getMetadata().getName();
        Job job = client.batch().v1().jobs().inNamespace(cached.getMetadata().getNamespace()).withName(name).get();
        if (job == null) {
            return Optional.empty();
        }
        List<Pod> fresh = client.pods().inNamespace(cached.getMetadata().getNamespace())
                .withLabel(Labels.K8S_JOB_NAME, name).list().getItems();
        Observed observed = observe(cached);
        return Optional.of(new Observed(job, fresh, observed.events(), observed.workload()));
    }

    /**
     * The Job's record, parsed once per Job and version of its annotation: the service writes it
     * once, but an operator may hand a job to another owner (k8s/tools/hand-over).
     */
    public Optional<JobRecord> record(Job job) {
        String uid = job.getMetadata().getUid();
        String text = job.getMetadata().getAnnotations() == null ? null
                : job.getMetadata().getAnnotations().get(Labels.JOB_DATA);
        ParsedRecord cached = uid == null ? null : recordsByUid.get(uid);
        if (cached != null && java.util.Objects.equals(cached.text(), text)) {
            return Optional.of(cached.record());
        }
        Optional<JobRecord> parsed = AnnotationJson.read(job, Labels.JOB_DATA, JobRecord.class);
        if (uid != null) {
            parsed.ifPresent(r -> recordsByUid.put(uid, new ParsedRecord(text, r)));
        }
        return parsed;
    }

    private record ParsedRecord(String text, JobRecord record) {
    }

    /** A one-off job's id is its label; a run spawned by a CronJob is identified by its Job name. */
    public static String jobId(Job job) {
        Map<String, String> labels = job.getMetadata().getLabels();
        String id = labels == null ? null : labels.get(Labels.JOB_ID);
        return id != null ? id : job.getMetadata().getName();
    }

    /**
     * Waits until the cache shows the Job named {@code jobName} in a state the predicate accepts
     * (an empty Optional: the Job is gone), so that a read right after a write sees the write.
     * Gives up after the configured wait; the write has happened either way.
     */
    public void await(String jobName, Predicate<Optional<Job>> condition) {
        awaitCondition("Job/" + jobName, () -> condition.test(Optional.ofNullable(jobs == null ? null
                : jobs.getStore().getByKey(config.kube().namespace() + "/" + jobName))), config.kube().cacheWaitTimeout());
    }

    /**
     * Waits until no pod of the Job runs any more, so nothing can still write the job's files.
     */
    public void awaitPodsGone(String jobName, Duration atMost) {
        awaitCondition("Job/" + jobName, () -> pods == null || activePods(jobName).isEmpty(), atMost);
    }

    /** The Job's pods that have not finished: what a stop or a delete has to end. */
    public List<Pod> activePods(String jobName) {
        return pods.getIndexer().byIndex(PODS_BY_JOB, jobName).stream().filter(p -> !PodFacts.isFinished(p)).toList();
    }

    /** Like {@link #await}, for a job definition's CronJob. */
    public void awaitDefinition(String cronJobName, Predicate<Optional<CronJob>> condition) {
        awaitCondition("CronJob/" + cronJobName, () -> condition.test(Optional.ofNullable(cronJobs == null ? null
                : cronJobs.getStore().getByKey(config.kube().namespace() + "/" + cronJobName))),
                config.kube().cacheWaitTimeout());
    }

    /** Waits until the condition holds, checked again on each change of the object behind {@code key}. */
    private void awaitCondition(String key, BooleanSupplier satisfied, Duration atMost) {
        Waiter waiter = new Waiter(key, satisfied, new CompletableFuture<>());
        waiters.add(waiter);
        long start = System.nanoTime();
        try {
            waiter.check();
            waiter.done().get(atMost.toMillis(), TimeUnit.MILLISECONDS);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            catchUpListeners.forEach(l -> l.accept(took));
        } catch (TimeoutException e) {
            catchUpListeners.forEach(l -> l.accept(atMost));
            LOG.warnf("%s: the watch has not shown the awaited change after %s s", key, atMost.toSeconds());
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            waiters.remove(waiter);
        }
    }

    /**
     * The cache holds the written version or a later one. Another writer (the Job controller
     * updating status) may change the object again before the watch delivers the write, so the
     * cache can skip the exact version; resource versions are etcd revisions, which only grow.
     */
    public static <T extends HasMetadata> Predicate<Optional<T>> hasVersion(String resourceVersion) {
        return object -> object.map(o -> atLeast(o.getMetadata().getResourceVersion(), resourceVersion)).orElse(false);
    }

    static boolean atLeast(String cached, String written) {
        if (written.equals(cached)) {
            return true;
        }
        try {
            return cached != null && Long.parseLong(cached) > Long.parseLong(written);
        } catch (NumberFormatException opaque) {
            return false;
        }
    }

    public static <T> Predicate<Optional<T>> isGone() {
        return Optional::isEmpty;
    }

    private SharedIndexInformer<Job> informer() {
        return synced(jobs);
    }

    /**
     * Reads wait for every informer: a Job seen before its Pods would look as if it had none
     * (no start time, no failure message).
     */
    private <T> SharedIndexInformer<T> synced(SharedIndexInformer<T> informer) {
        if (informer == null || !hasSynced()) {
            throw io.notebookjobs.api.ApiException
                    .unavailable("The service has not finished reading the cluster's jobs yet; try again shortly.");
        }
        return informer;
    }

    private <T extends HasMetadata> ResourceEventHandler<T> handler(Class<T> type, Function<T, String> jobNameOf,
            Consumer<T> onDelete) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                changed(jobNameOf.apply(obj));
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                changed(jobNameOf.apply(newObj));
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                onDelete.accept(obj);
                changed(jobNameOf.apply(obj));
            }
        };
    }

    private void notifyWaiters(String key) {
        for (Waiter waiter : waiters) {
            if (waiter.key().equals(key)) {
                waiter.check();
            }
        }
    }

    private void changed(String jobName) {
        if (jobName == null) {
            return;
        }
        notifyWaiters("Job/" + jobName);
        for (Consumer<String> listener : listeners) {
            try {
                listener.accept(jobName);
            } catch (RuntimeException e) {
                LOG.errorf(e, "Listener failed for job %s", jobName);
            }
        }
    }

    private void forget(Job job) {
        if (job.getMetadata().getUid() != null) {
            recordsByUid.remove(job.getMetadata().getUid());
        }
    }

    private String jobNameOfEvent(Event event) {
        if (event.getInvolvedObject() == null || !"Warning".equals(event.getType())) {
            return null;
        }
        String kind = event.getInvolvedObject().getKind();
        String name = event.getInvolvedObject().getName();
        if ("Job".equals(kind)) {
            return name;
        }
        if ("Pod".equals(kind) && pods != null) {
            Pod pod = pods.getStore().getByKey(config.kube().namespace() + "/" + name);
            return pod == null ? null : ownerJobName(pod).orElse(null);
        }
        return null;
    }

    static Optional<String> ownerJobName(Pod pod) {
        List<OwnerReference> owners = pod.getMetadata().getOwnerReferences();
        if (owners != null) {
            for (OwnerReference owner : owners) {
                if ("Job".equals(owner.getKind())) {
                    return Optional.of(owner.getName());
                }
            }
        }
        Map<String, String> labels = pod.getMetadata().getLabels();
        return Optional.ofNullable(labels == null ? null : labels.get(Labels.K8S_JOB_NAME));
    }

    /** How the idempotency index keys a token: tokens are unique per owner. */
    public static String idempotencyKey(String owner, String token) {
        return owner + "\n" + token;
    }

    private record Waiter(String key, BooleanSupplier satisfied, CompletableFuture<Void> done) {
        void check() {
            if (satisfied.getAsBoolean()) {
                done.complete(null);
            }
        }
    }
}
