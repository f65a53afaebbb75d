package io.notebookjobs.kube;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

/**
 * What the service reads from a Kueue Workload (kueue.x-k8s.io/v1beta2), parsed once from the
 * untyped object the informer holds.
 *
 * @param active {@code spec.active}: false once someone (the service stopping the job, an
 *        administrator, Kueue's requeuing limit) deactivated it
 * @param clusterQueue the ClusterQueue that reserved quota, when one did
 * @param pendingChecks admission checks that are not Ready yet
 */
public record KueueWorkload(String name, boolean active, List<Condition> conditions, String clusterQueue,
        List<String> pendingChecks) {

    /** One entry of {@code status.conditions}. */
    public record Condition(String type, String status, String reason, String message) {
        boolean isTrue() {
            return "True".equals(status);
        }
    }

    public static KueueWorkload of(GenericKubernetesResource workload) {
        Map<String, Object> spec = map(workload.getAdditionalProperties().get("spec"));
        Map<String, Object> status = map(workload.getAdditionalProperties().get("status"));
        List<Condition> conditions = list(status.get("conditions")).stream().map(KueueWorkload::map)
                .map(c -> new Condition(text(c.get("type")), text(c.get("status")), text(c.get("reason")),
                        text(c.get("message"))))
                .toList();
        String clusterQueue = text(map(status.get("admission")).get("clusterQueue"));
        List<String> pendingChecks = list(status.get("admissionChecks")).stream().map(KueueWorkload::map)
                .filter(c -> !"Ready".equals(c.get("state")))
                .map(c -> text(c.get("name")) + " (" + text(c.get("state")) + ")")
                .toList();
        return new KueueWorkload(workload.getMetadata().getName(), !Boolean.FALSE.equals(spec.get("active")),
                conditions, clusterQueue, pendingChecks);
    }

    public Optional<Condition> condition(String type) {
        return conditions.stream().filter(c -> type.equals(c.type())).findFirst();
    }

    public boolean isTrue(String type) {
        return condition(type).filter(Condition::isTrue).isPresent();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static List<?> list(Object value) {
        return value instanceof List<?> l ? l : List.of();
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }
}
