package io.notebookjobs.kube;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.notebookjobs.config.NotebookJobsConfig;

/**
 * A waiting job's place in its Kueue LocalQueue, from Kueue's visibility API
 * ({@code localqueues/<queue>/pendingworkloads}), for the description of one job only (never per
 * history row). One read per queue serves every job of it for a few seconds; where the API is not
 * served (an older Kueue, its visibility server off, no RBAC) the job's description simply has no
 * position, and the service asks again only after a while.
 */
@ApplicationScoped
public class KueuePositions {

    private static final Logger LOG = Logger.getLogger(KueuePositions.class);
    static final Duration MAX_AGE = Duration.ofSeconds(5);
    static final Duration RETRY_AFTER_FAILURE = Duration.ofMinutes(1);
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Positions(Instant readAt, Map<String, Integer> byWorkload, boolean failed) {
    }

    private final KubernetesClient client;
    private final JobCache cache;
    private final Clock clock;
    private final String namespace;
    private final boolean enabled;
    private final Map<String, Positions> byQueue = new ConcurrentHashMap<>();

    public KueuePositions(KubernetesClient client, JobCache cache, Clock clock, NotebookJobsConfig config) {
        this.client = client;
        this.cache = cache;
        this.clock = clock;
        this.namespace = config.kube().namespace();
        this.enabled = config.kube().kueue().enabled();
    }

    /** 1 for the next to be admitted; empty when the job is not waiting in a queue or nobody can say. */
    public Optional<Integer> position(Job job) {
        Optional<String> queue = KueueJobs.queueName(job);
        if (!enabled || queue.isEmpty() || !Boolean.TRUE.equals(job.getSpec().getSuspend())) {
            return Optional.empty();
        }
        Optional<KueueWorkload> workload = cache.workloadOf(job);
        if (workload.isEmpty() || !workload.get().active() || workload.get().isTrue("QuotaReserved")) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Positions known = byQueue.get(queue.get());
        if (known == null || known.readAt().plus(known.failed() ? RETRY_AFTER_FAILURE : MAX_AGE).isBefore(now)) {
            known = read(queue.get(), now);
            byQueue.put(queue.get(), known);
        }
        return Optional.ofNullable(known.byWorkload().get(workload.get().name()));
    }

    private Positions read(String queue, Instant now) {
        String url = client.getMasterUrl().toString().replaceAll("/+$", "")
                + "/apis/visibility.kueue.x-k8s.io/v1beta2/namespaces/" + namespace + "/localqueues/" + queue
                + "/pendingworkloads";
        try {
            String body = client.raw(url);
            if (body == null) {
                LOG.debugf("Kueue's visibility API does not know queue %s (or is not served)", queue);
                return new Positions(now, Map.of(), true);
            }
            Map<String, Integer> positions = new HashMap<>();
            for (JsonNode item : List.copyOf(toList(JSON.readTree(body).path("items")))) {
                // positionInLocalQueue counts from 0 for the head of the queue.
                if (item.path("positionInLocalQueue").isInt()) {
                    positions.put(item.path("metadata").path("name").asText(),
                            item.path("positionInLocalQueue").asInt() + 1);
                }
            }
            return new Positions(now, positions, false);
        } catch (KubernetesClientException | java.io.IOException e) {
            LOG.debugf("Kueue's visibility API did not answer for queue %s: %s", queue, e.getMessage());
            return new Positions(now, Map.of(), true);
        }
    }

    private static List<JsonNode> toList(JsonNode array) {
        List<JsonNode> items = new java.util.ArrayList<>();
        array.forEach(items::add);
        return items;
    }
}
