package io.notebookjobs.jobs;

import io.notebookjobs.model.Quantity;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import io.notebookjobs.api.ApiException;

/**
 * Reads {@code runtime_environment_parameters}, the only free-form channel the jupyter-scheduler
 * create form has: resources ({@code cpu}, {@code memory}, {@code gpu}, or the prototype's
 * {@code k8s_cpu}, {@code k8s_memory}, {@code k8s_gpu}), environment variables as
 * {@code env.NAME}, and {@code timeout_seconds} / {@code max_retries}. Other keys are kept and
 * echoed back but have no effect. An empty value means "the default".
 */
public final class RuntimeParameters {

    public static final String FIELD = "runtime_environment_parameters";
    public static final String ENV_PREFIX = "env.";
    /** How environment values are shown back: they may be secrets. */
    public static final String MASK = "********";

    private static final Pattern ENV_NAME = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]*$");
    private static final List<String> PROTECTED_PREFIXES = List.of("NBJ_", "AWS_", "JUPYTER_", "KUBERNETES_");
    private static final List<String> PROTECTED_NAMES = List.of("HOME", "PATH", "IPYTHONDIR", "PYTHONHOME", "PYTHONPATH");

    private RuntimeParameters() {
    }

    /**
     * What a request asked for, checked against the service's own maxima, without defaults: the
     * group policy decides what an absent value means ({@link ProfileRules}).
     *
     * @param profile {@code profile}: the group policy's profile the job runs with
     * @param image {@code image}: a custom image, where the caller's profile allows one
     */
    public record Requested(Optional<Quantity> cpu, Optional<Quantity> memory, Optional<Integer> gpu,
            Optional<String> profile, Optional<String> image, Map<String, String> env, Duration timeout, int maxRetries,
            Map<String, Object> echo) {

        /** The service's defaults for what was not asked for, and no group policy. */
        public RunSettings withDefaults(ResourcePolicy policy, io.notebookjobs.model.PodProfile pod) {
            return new RunSettings(cpu.or(policy::defaultCpu), memory.or(policy::defaultMemory), gpu.orElse(0), env,
                    timeout, maxRetries, echo, pod);
        }
    }

    public static Requested read(Map<String, Object> parameters, Integer timeoutSeconds, Integer maxRetries,
            ResourcePolicy policy) {
        Map<String, Object> params = parameters == null ? Map.of() : parameters;
        Optional<Quantity> cpu = quantity(params, "cpu", "k8s_cpu").map(q -> checkCpu(q, policy));
        Optional<Quantity> memory = quantity(params, "memory", "k8s_memory").map(q -> checkMemory(q, policy));
        Optional<Integer> gpu = quantity(params, "gpu", "k8s_gpu").map(q -> checkGpu(q, policy));
        Optional<String> profile = scalar(FIELD + ".profile", params.get("profile")).map(String::trim)
                .filter(s -> !s.isEmpty());
        Optional<String> image = scalar(FIELD + ".image", params.get("image")).map(String::trim)
                .filter(s -> !s.isEmpty());
        Duration timeout = timeout(firstOf(timeoutSeconds, params, "timeout_seconds"), policy);
        int retries = retries(firstOf(maxRetries, params, "max_retries"), policy);

        Map<String, String> env = new LinkedHashMap<>();
        Map<String, Object> echo = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : params.entrySet()) {
            String key = e.getKey();
            Object value = e.getValue();
            if (key.startsWith(ENV_PREFIX)) {
                String name = key.substring(ENV_PREFIX.length());
                checkEnvName(key, name);
                env.put(name, scalar(key, value).orElse(""));
                echo.put(key, MASK);
            } else {
                echo.put(key, value);
            }
        }
        return new Requested(cpu, memory, gpu, profile, image, env, timeout, retries, echo);
    }

    /**
     * A job's settings read back from its record (run now), with the pod profile it was allowed:
     * the resources the policy resolved then, not today's defaults.
     */
    public static RunSettings parse(Map<String, Object> parameters, Integer timeoutSeconds, Integer maxRetries,
            ResourcePolicy policy, io.notebookjobs.model.PodProfile pod) {
        RunSettings asked = read(parameters, timeoutSeconds, maxRetries, policy).withDefaults(policy,
                pod == null ? io.notebookjobs.model.PodProfile.NONE : pod);
        if (pod == null || pod.resources() == null) {
            return asked;
        }
        io.notebookjobs.model.PodProfile.Resources r = pod.resources();
        return new RunSettings(Optional.ofNullable(r.cpu()).flatMap(Quantity::parse),
                Optional.ofNullable(r.memory()).flatMap(Quantity::parse), r.gpu(), asked.env(), asked.timeout(),
                asked.maxRetries(), asked.echo(), pod);
    }

    public static RunSettings parse(Map<String, Object> parameters, Integer timeoutSeconds, Integer maxRetries,
            ResourcePolicy policy) {
        return parse(parameters, timeoutSeconds, maxRetries, policy, null);
    }

    /** Names a user variable may not take, because the executor or the platform relies on them. */
    public static boolean isProtected(String name) {
        return PROTECTED_NAMES.contains(name) || PROTECTED_PREFIXES.stream().anyMatch(name::startsWith);
    }

    private static void checkEnvName(String key, String name) {
        if (!ENV_NAME.matcher(name).matches()) {
            throw ApiException.badRequest(FIELD + "." + key,
                    "environment variable names must match " + ENV_NAME.pattern());
        }
        if (isProtected(name)) {
            throw ApiException.badRequest(FIELD + "." + key, name + " is reserved for the executor and cannot be set");
        }
    }

    private static Optional<Quantity> quantity(Map<String, Object> params, String key, String legacyKey) {
        Optional<String> plain = scalar(FIELD + "." + key, params.get(key)).filter(s -> !s.isBlank());
        Optional<String> legacy = scalar(FIELD + "." + legacyKey, params.get(legacyKey)).filter(s -> !s.isBlank());
        if (plain.isPresent() && legacy.isPresent() && !plain.get().trim().equals(legacy.get().trim())) {
            throw ApiException.badRequest(FIELD + "." + key,
                    "given twice with different values (" + key + "=" + shorten(plain.get()) + ", " + legacyKey + "="
                            + shorten(legacy.get()) + ")");
        }
        String field = FIELD + "." + (plain.isPresent() ? key : legacyKey);
        return plain.or(() -> legacy).map(text -> Quantity.parse(text)
                .orElseThrow(() -> ApiException.badRequest(field, "'" + shorten(text)
                        + "' is not a Kubernetes quantity of a sensible size (examples: 2, 500m, 4Gi)")));
    }

    private static Quantity checkCpu(Quantity q, ResourcePolicy policy) {
        String field = FIELD + ".cpu";
        if (!q.isPositive()) {
            throw ApiException.badRequest(field, "must be more than 0 (examples: 2, 500m)");
        }
        if (q.compareTo(ResourcePolicy.MIN_CPU) < 0) {
            throw ApiException.badRequest(field, q + " is less than the smallest CPU request, 1m");
        }
        if (q.compareTo(policy.maxCpu()) > 0) {
            throw ApiException.badRequest(field, q + " exceeds the maximum of " + policy.maxCpu());
        }
        return q;
    }

    private static Quantity checkMemory(Quantity q, ResourcePolicy policy) {
        String field = FIELD + ".memory";
        if (!q.isPositive()) {
            throw ApiException.badRequest(field, "must be more than 0 (examples: 512Mi, 4Gi)");
        }
        if (q.compareTo(ResourcePolicy.MIN_MEMORY) < 0) {
            throw ApiException.badRequest(field, q + " is " + q.value().toPlainString()
                    + " bytes, less than 16Mi; did you mean " + q + "Mi or " + q + "Gi?");
        }
        if (q.compareTo(policy.maxMemory()) > 0) {
            throw ApiException.badRequest(field, q + " exceeds the maximum of " + policy.maxMemory());
        }
        return q;
    }

    private static int checkGpu(Quantity q, ResourcePolicy policy) {
        String field = FIELD + ".gpu";
        if (q.value().signum() < 0 || !q.isWholeNumber()) {
            throw ApiException.badRequest(field, "GPUs are counted in whole numbers (0, 1, 2, ...), got " + q);
        }
        if (q.value().compareTo(BigDecimal.valueOf(policy.maxGpu())) > 0) {
            throw ApiException.badRequest(field, q + " exceeds the maximum of " + policy.maxGpu());
        }
        return q.value().intValueExact();
    }

    private static Duration timeout(Optional<String> value, ResourcePolicy policy) {
        String field = "timeout_seconds";
        if (value.isEmpty()) {
            return policy.defaultTimeout();
        }
        long seconds = wholeNumber(field, value.get());
        if (seconds <= 0) {
            throw ApiException.badRequest(field, "must be a positive number of seconds");
        }
        if (seconds > policy.maxTimeout().toSeconds()) {
            throw ApiException.badRequest(field, seconds + " exceeds the maximum of " + policy.maxTimeout().toSeconds());
        }
        return Duration.ofSeconds(seconds);
    }

    private static int retries(Optional<String> value, ResourcePolicy policy) {
        String field = "max_retries";
        if (value.isEmpty()) {
            return 0;
        }
        long retries = wholeNumber(field, value.get());
        if (retries < 0 || retries > policy.maxRetries()) {
            throw ApiException.badRequest(field, "must be between 0 and " + policy.maxRetries());
        }
        return (int) retries;
    }

    private static long wholeNumber(String field, String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(field, "'" + shorten(text) + "' is not a whole number");
        }
    }

    private static Optional<String> firstOf(Integer topLevel, Map<String, Object> params, String key) {
        if (topLevel != null) {
            return Optional.of(topLevel.toString());
        }
        return scalar(FIELD + "." + key, params.get(key)).filter(s -> !s.isBlank());
    }

    /** Requests can be long; messages quote only so much of them. */
    static String shorten(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "...";
    }

    /** The form sends strings, numbers and booleans; anything nested is a mistake. */
    private static Optional<String> scalar(String field, Object value) {
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof String || value instanceof Number || value instanceof Boolean) {
            return Optional.of(value.toString());
        }
        throw ApiException.badRequest(field, "must be a string, number or boolean");
    }
}
