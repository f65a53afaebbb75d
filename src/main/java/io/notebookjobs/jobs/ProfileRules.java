package io.notebookjobs.jobs;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.notebookjobs.api.ApiException;
import io.notebookjobs.model.PodProfile;
import io.notebookjobs.model.Quantity;
import io.notebookjobs.policy.Grants;
import io.notebookjobs.policy.ImageReference;
import io.notebookjobs.policy.Limits;
import io.notebookjobs.policy.Profile;

/**
 * Applies a caller's grants to what a request asked for: which profile, which resources, which
 * image, where the pod may run and which volumes it mounts. Every refusal is a 400 that names the
 * field, the value and the rule or limit. Pure, unit-tested without the service.
 */
final class ProfileRules {

    private static final String FIELD = RuntimeParameters.FIELD;

    private ProfileRules() {
    }

    /**
     * @param profileVolumes the chosen profile's own volumes for the job's owner
     */
    static RunSettings apply(RuntimeParameters.Requested req, Grants grants, Environment environment,
            ResourcePolicy service, java.util.function.Function<Profile, List<PodProfile.Volume>> profileVolumes) {
        if (!grants.policyConfigured()) {
            req.profile().ifPresent(p -> {
                throw ApiException.badRequest(FIELD + ".profile", "'" + p + "': this service has no profiles");
            });
            req.image().ifPresent(i -> {
                throw ApiException.badRequest(FIELD + ".image", "'" + shorten(i) + "': custom images are not allowed here "
                        + "(no group policy allows them); pick a runtime environment");
            });
            RunSettings settings = req.withDefaults(service, PodProfile.NONE);
            checkGpuNeed(environment, settings.gpu());
            return settings;
        }
        Profile profile = profile(req, grants);
        Limits limits = grants.limits();
        Optional<Quantity> cpu = quantity(Profile.Field.CPU, req.cpu(), profile.cpu(), limits.maxCpu(), profile)
                .or(service::defaultCpu);
        Optional<Quantity> memory = quantity(Profile.Field.MEMORY, req.memory(), profile.memory(), limits.maxMemory(),
                profile).or(service::defaultMemory);
        int gpu = gpu(req.gpu(), profile, limits);
        String customImage = image(req.image(), profile, limits, environment);
        checkGpuNeed(environment, gpu);

        // The echo is what was asked, plus the profile it ran with: re-checking a definition's
        // stored parameters after the profile changed must not turn old defaults into requests.
        Map<String, Object> echo = new LinkedHashMap<>(req.echo());
        echo.put("profile", profile.name());
        PodProfile pod = new PodProfile(profile.name(), new PodProfile.Resources(cpu.map(Quantity::text).orElse(null),
                memory.map(Quantity::text).orElse(null), gpu), customImage, profile.nodeSelector(), profile.tolerations(),
                grants.volumesWith(profileVolumes.apply(profile)), grants.queueFor(profile).orElse(null));
        return new RunSettings(cpu, memory, gpu, req.env(), req.timeout(), req.maxRetries(), echo, pod);
    }

    private static Profile profile(RuntimeParameters.Requested req, Grants grants) {
        List<String> names = grants.profiles().stream().map(Profile::name).toList();
        if (req.profile().isPresent()) {
            String name = req.profile().get();
            return grants.profile(name).orElseThrow(() -> ApiException.badRequest(FIELD + ".profile", "'" + shorten(name)
                    + "' is not one of your profiles" + (names.isEmpty() ? " (you have none)" : " (yours: "
                            + String.join(", ", names) + ")")));
        }
        return grants.defaultProfile().flatMap(grants::profile).orElseThrow(() -> ApiException.badRequest(
                FIELD + ".profile", "your groups grant no profile, so you cannot run jobs here; ask an administrator"));
    }

    /** A fixed value must not change; an open one must stay within the caller's limit. */
    private static Optional<Quantity> quantity(Profile.Field field, Optional<Quantity> asked, Optional<Quantity> fixed,
            Optional<Quantity> limit, Profile profile) {
        if (asked.isEmpty()) {
            return fixed;
        }
        Quantity q = asked.get();
        if (fixed.isPresent() && !profile.leavesOpen(field)) {
            if (q.compareTo(fixed.get()) != 0) {
                throw ApiException.badRequest(FIELD + "." + field.key(), "profile '" + profile.name() + "' sets "
                        + field.key() + " to " + fixed.get() + " and does not let it change (asked for " + q + ")");
            }
            return fixed;
        }
        if (limit.isPresent() && q.compareTo(limit.get()) > 0) {
            throw ApiException.badRequest(FIELD + "." + field.key(), q + " is more than your limit of " + limit.get());
        }
        return asked;
    }

    private static int gpu(Optional<Integer> asked, Profile profile, Limits limits) {
        Optional<Quantity> wanted = asked.map(n -> new Quantity(Integer.toString(n), BigDecimal.valueOf(n)));
        Optional<Quantity> fixed = profile.gpu().map(n -> new Quantity(Integer.toString(n), BigDecimal.valueOf(n)));
        Optional<Quantity> limit = limits.maxGpu().map(n -> new Quantity(Integer.toString(n), BigDecimal.valueOf(n)));
        return quantity(Profile.Field.GPU, wanted, fixed, limit, profile).map(q -> q.value().intValue()).orElse(0);
    }

    /** The custom image of the job, or null for the environment's; either must be allowed. */
    private static String image(Optional<String> asked, Profile profile, Limits limits, Environment environment) {
        if (asked.isEmpty()) {
            if (!profile.allowsEnvironment(environment.name(), environment.image())) {
                throw ApiException.badRequest("runtime_environment_name", "environment '" + environment.name()
                        + "' (" + environment.image() + ") cannot run with profile '" + profile.name()
                        + "', which allows " + profile.allowedEnvironments());
            }
            return null;
        }
        String text = asked.get();
        String field = FIELD + ".image";
        ImageReference image = ImageReference.parse(text).orElseThrow(() -> ApiException.badRequest(field,
                "'" + shorten(text) + "' is not an image reference (registry/name:tag, e.g. quay.io/jupyter/scipy-notebook:2025-11-06)"));
        if (profile.images().contains(text)) {
            return text;
        }
        if (!profile.leavesOpen(Profile.Field.IMAGE)) {
            throw ApiException.badRequest(field, "'" + text + "' cannot run with profile '" + profile.name() + "'"
                    + (profile.images().isEmpty() ? ", which runs the runtime environment's image"
                            : ", which allows " + String.join(", ", profile.images())));
        }
        if (!limits.customImages()) {
            throw ApiException.badRequest(field, "'" + text + "': your groups do not allow custom images");
        }
        if (!limits.allowsImage(image)) {
            throw ApiException.badRequest(field, "'" + text + "' (registry " + image.registry() + ") is not allowed: "
                    + "custom images must " + String.join(" or ", limits.imageRules().stream()
                            .map(io.notebookjobs.policy.ImageRule::describe).toList()));
        }
        return text;
    }

    private static void checkGpuNeed(Environment environment, int gpu) {
        if (environment.gpuRequired() && gpu == 0) {
            throw ApiException.badRequest("runtime_environment_name", "environment '" + environment.name()
                    + "' needs a GPU; pick a profile with one, or ask for gpu");
        }
    }

    /** Requests can be long; messages quote only so much of them. */
    private static String shorten(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "...";
    }
}
