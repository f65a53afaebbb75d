package io.notebookjobs.jobs;

import java.util.List;
import java.util.Map;

/**
 * The fields a job and a job definition are both made of, as the API receives them. CreateJob
 * and CreateJobDefinition implement it with their record accessors.
 */
public interface JobFields {

    String inputUri();

    String inputFilename();

    String runtimeEnvironmentName();

    Map<String, Object> runtimeEnvironmentParameters();

    List<String> outputFormats();

    Map<String, Object> parameters();

    List<String> tags();

    String name();

    String outputFilenameTemplate();

    String computeType();

    Boolean packageInputFolder();

    Integer timeoutSeconds();

    Integer maxRetries();

    /** The contract's email_notifications; absent where a body type has no such field. */
    default Notify.EmailNotifications emailNotifications() {
        return null;
    }

    /** Ours: configured webhook endpoints by name, per event. */
    default Notify.WebhookNotifications webhookNotifications() {
        return null;
    }
}
