package io.notebookjobs.jobs;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.notebookjobs.api.ApiException;
import io.notebookjobs.config.NotebookJobsConfig;
import io.notebookjobs.identity.Caller;
import io.notebookjobs.policy.GroupPolicy;
import io.notebookjobs.policy.Grants;
import io.notebookjobs.policy.PolicyFile;

/**
 * Checks the fields jobs and job definitions share, with the configured defaults and maxima and
 * what the caller's groups allow.
 */
@ApplicationScoped
public class JobValidation {

    private final ResourcePolicy policy;
    private final PolicyFile groupPolicy;
    private final Environments environments;
    private final NotifyRules.Available notifications;

    public JobValidation(NotebookJobsConfig config, PolicyFile groupPolicy, Environments environments) {
        this.policy = ResourcePolicy.from(config);
        this.notifications = new NotifyRules.Available(config.notifications().mailFrom().isPresent(),
                config.notifications().webhooks().keySet(), config.notifications().maxRecipients());
        this.groupPolicy = groupPolicy;
        this.environments = environments;
    }

    /**
     * @param owner whose job it is (the caller, or the owner of a definition an administrator edits):
     *        per-user volume folders are the owner's
     */
    public ValidatedJob validate(JobFields fields, Caller caller, String owner) {
        String name = RequestRules.name("name", fields.name());
        RuntimeParameters.Requested requested = RuntimeParameters.read(fields.runtimeEnvironmentParameters(),
                fields.timeoutSeconds(), fields.maxRetries(), policy);
        if (fields.outputFilenameTemplate() != null && !fields.outputFilenameTemplate().isBlank()) {
            throw ApiException.badRequest("output_filename_template",
                    "not supported: outputs are named <input>-<YYYY-MM-DD-hh-mm-ss-AM|PM>.<format>");
        }
        Environment environment = environments.get(fields.runtimeEnvironmentName());
        GroupPolicy current = groupPolicy.current();
        Grants grants = grants(current, caller, owner);
        RunSettings settings = ProfileRules.apply(requested, grants, environment, policy,
                profile -> current.profileVolumes(profile, owner));
        String image = settings.pod().image() != null ? settings.pod().image() : environment.image();
        return new ValidatedJob(name, environment.name(), image, settings,
                RequestRules.outputFormats(fields.outputFormats()), RequestRules.tags(fields.tags()),
                RequestRules.parameters(fields.parameters()), fields.computeType(),
                Boolean.TRUE.equals(fields.packageInputFolder()),
                notify(fields.emailNotifications(), fields.webhookNotifications(), fields.runtimeEnvironmentParameters()));
    }

    /**
     * The top-level fields when given, else the {@code notify.*} keys of the runtime parameters
     * (what the stock UI can send); both at once would leave it unclear which counts.
     */
    private Notify notify(Notify.EmailNotifications email, Notify.WebhookNotifications webhooks,
            java.util.Map<String, Object> parameters) {
        Notify fromParameters = NotifyRules.fromRuntimeParameters(parameters, notifications);
        if (email == null && webhooks == null) {
            return fromParameters;
        }
        if (fromParameters != null) {
            throw ApiException.badRequest("runtime_environment_parameters",
                    "notify.* keys and email_notifications / webhook_notifications at once; give one of them");
        }
        return NotifyRules.read(email, webhooks, notifications);
    }

    /**
     * An update's: what it gives replaces that part of the current notifications; {@code notify.*}
     * keys in the runtime parameters it sends replace them all.
     */
    public Notify notify(Notify current, Notify.EmailNotifications email, Notify.WebhookNotifications webhooks,
            java.util.Map<String, Object> parameters) {
        if (email == null && webhooks == null && parameters != null
                && parameters.keySet().stream().anyMatch(NotifyRules::isNotificationParameter)) {
            return NotifyRules.fromRuntimeParameters(parameters, notifications);
        }
        return NotifyRules.merge(current, email, webhooks, notifications);
    }

    /** What the caller may use, for the create form and the runtime environments list. */
    public Grants grants(Caller caller) {
        return grants(groupPolicy.current(), caller, caller.name());
    }

    private static Grants grants(GroupPolicy policy, Caller caller, String owner) {
        try {
            return policy.grantsFor(caller, owner);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("owner", e.getMessage() + "; the policy mounts per-user folders");
        }
    }

    /** The environments the caller may run: those some of its profiles allow. */
    public List<Environment> environments(Caller caller) {
        Grants grants = grants(caller);
        List<Environment> all = environments.all();
        if (!grants.policyConfigured()) {
            return all;
        }
        return all.stream().filter(e -> grants.profiles().stream()
                .anyMatch(p -> p.allowsEnvironment(e.name(), e.image()))).toList();
    }

    public ResourcePolicy policy() {
        return policy;
    }

    /** The image a job runs: its custom image, or its environment's (a 400 naming those that exist). */
    public String image(String environment, io.notebookjobs.model.PodProfile pod) {
        return pod != null && pod.image() != null ? pod.image() : environments.get(environment).image();
    }
}
