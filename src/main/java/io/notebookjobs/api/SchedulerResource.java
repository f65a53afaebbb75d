package io.notebookjobs.api;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.notebookjobs.api.Responses.OutputFormatOption;
import io.notebookjobs.api.Responses.RuntimeEnvironment;
import io.notebookjobs.api.Responses.SchedulerConfig;
import io.notebookjobs.identity.Caller;
import io.notebookjobs.jobs.JobValidation;
import io.notebookjobs.jobs.ResourcePolicy;
import io.notebookjobs.model.Quantity;
import io.notebookjobs.policy.Grants;
import io.notebookjobs.policy.Limits;
import io.notebookjobs.policy.Profile;
import io.notebookjobs.notebook.OutputFormat;

/** What the UI asks at start-up: which features work and which environments exist. */
@Path("/scheduler")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "scheduler")
public class SchedulerResource {

    /**
     * The truth about this service, feature by feature: the UI hides what is false. Output file
     * names are fixed, so no template; retries are counted, not timed. email_notifications is
     * true only when a sender address is configured (config()).
     */
    static final Map<String, Boolean> SUPPORTED_FEATURES;

    static {
        Map<String, Boolean> features = new LinkedHashMap<>();
        features.put("job_name", true);
        features.put("parameters", true);
        features.put("output_formats", true);
        features.put("job_definition", true);
        features.put("idempotency_token", true);
        features.put("tags", true);
        features.put("email_notifications", false);
        features.put("timeout_seconds", true);
        features.put("retry_on_timeout", false);
        features.put("max_retries", true);
        features.put("min_retry_interval_millis", false);
        features.put("output_filename_template", false);
        features.put("stop_job", true);
        features.put("delete_job", true);
        SUPPORTED_FEATURES = java.util.Collections.unmodifiableMap(features);
    }

    private final JobValidation validation;
    private final CurrentUser user;
    private final Map<String, Boolean> features;
    private final NotificationOptions notificationOptions;

    public SchedulerResource(JobValidation validation, CurrentUser user, io.notebookjobs.config.NotebookJobsConfig config) {
        this.validation = validation;
        this.user = user;
        Map<String, Boolean> features = new LinkedHashMap<>(SUPPORTED_FEATURES);
        features.put("email_notifications", config.notifications().mailFrom().isPresent());
        this.features = java.util.Collections.unmodifiableMap(features);
        this.notificationOptions = new NotificationOptions(config.notifications().mailFrom().isPresent(),
                config.notifications().webhooks().keySet().stream().sorted().toList());
    }

    @GET
    @Path("/config")
    @Operation(summary = "Features this service supports")
    public SchedulerConfig config() {
        return new SchedulerConfig(features, "");
    }

    @GET
    @Path("/runtime_environments")
    @Operation(summary = "Environments the caller's profiles can run: each is an executor image")
    public List<RuntimeEnvironment> runtimeEnvironments() {
        List<OutputFormatOption> formats = Arrays.stream(OutputFormat.values())
                .map(f -> new OutputFormatOption(f.id(), f.label()))
                .toList();
        return validation.environments(user.caller()).stream()
                .map(e -> new RuntimeEnvironment(e.name(), e.name(), e.description(), List.of("ipynb"), formats,
                        e.metadata(), List.of(), null, false))
                .toList();
    }

    @GET
    @Path("/profiles")
    @Operation(summary = "The caller's profiles, default profile and limits, as the create form shows them",
            description = "No profiles without a group policy: then CPU, memory and GPU are free within `limits`.")
    public ProfilesResponse profiles() {
        Caller caller = user.caller();
        Grants grants = validation.grants(caller);
        ResourcePolicy service = validation.policy();
        Limits limits = grants.limits();
        List<ProfileOption> profiles = grants.profiles().stream().map(p -> new ProfileOption(p.name(), p.displayName(),
                p.description(), p.cpu().map(Quantity::text).orElse(null), p.memory().map(Quantity::text).orElse(null),
                p.gpu().orElse(null), p.images(), p.environments(), p.custom(),
                p.overridable().stream().map(Profile.Field::key).toList(), grants.queueFor(p).orElse(null))).toList();
        List<String> registries = limits.imageRules().stream().flatMap(r -> r.registries().stream()).distinct().toList();
        ProfileLimits effective = new ProfileLimits(
                smaller(limits.maxCpu(), service.maxCpu()).text(),
                smaller(limits.maxMemory(), service.maxMemory()).text(),
                Math.min(limits.maxGpu().orElse(service.maxGpu()), service.maxGpu()),
                limits.customImages(),
                limits.imageRules().stream().findFirst().map(r -> r.pattern().pattern()).orElse(null),
                registries,
                service.maxTimeout().toSeconds(),
                service.maxRetries());
        return new ProfilesResponse(profiles, grants.defaultProfile().orElse(null), effective,
                new ProfileUser(caller.name(), caller.admin(), caller.groups().stream().sorted().toList()),
                notificationOptions);
    }

    private static Quantity smaller(java.util.Optional<Quantity> group, Quantity service) {
        return group.filter(g -> g.compareTo(service) < 0).orElse(service);
    }

    public record ProfilesResponse(List<ProfileOption> profiles, String defaultProfile, ProfileLimits limits,
            ProfileUser user, NotificationOptions notifications) {
    }

    /** What the create form may offer: mail when a sender is configured, the webhook endpoints by name. */
    public record NotificationOptions(boolean email, List<String> webhooks) {
    }

    /** @param queue the Kueue LocalQueue that admits this profile's jobs; null when they start at once */
    public record ProfileOption(String name, String displayName, String description, String cpu, String memory,
            Integer gpu, List<String> images, List<String> environments, boolean custom, List<String> overridable,
            String queue) {
    }

    /** The largest values a request may choose itself; {@code image_pattern} is the first rule's. */
    public record ProfileLimits(String maxCpu, String maxMemory, int maxGpu, boolean customImage, String imagePattern,
            List<String> allowedRegistries, long maxTimeoutSeconds, int maxRetries) {
    }

    public record ProfileUser(String name, boolean admin, List<String> groups) {
    }
}
