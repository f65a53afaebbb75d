package io.notebookjobs.notifications;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.notebookjobs.jobs.JobView;
import io.notebookjobs.jobs.Notify;
import io.notebookjobs.kube.AnnotationJson;

/**
 * What a notification says about a job, in each form it is sent: mail subject and text, our JSON
 * payload, a Slack-compatible one. Pure: built from the job as the API shows it.
 */
public record NotificationMessage(Notify.Event event, String jobId, String name, String status, String statusMessage,
        String jobDefinitionId, Long createTime, Long startTime, Long endTime, String url) {

    /**
     * @param jobUrl a link template with {@code {job_id}}; empty: the service's API path of the job
     */
    public static NotificationMessage of(Notify.Event event, JobView job, Optional<String> jobUrl) {
        String url = jobUrl.map(t -> t.replace("{job_id}", job.jobId())).orElse("/scheduler/jobs/" + job.jobId());
        return new NotificationMessage(event, job.jobId(), job.name(), job.status().name(),
                job.state().message(), job.record().jobDefinitionId(), job.createTime(), job.startTime(),
                job.endTime(), url);
    }

    public String subject() {
        return "Notebook job \"" + name + "\" " + event.verb();
    }

    public String text() {
        StringBuilder text = new StringBuilder();
        text.append("The notebook job \"").append(name).append("\" ").append(event.verb()).append(".\n\n");
        line(text, "Status", status);
        line(text, "Message", statusMessage);
        line(text, "Job id", jobId);
        line(text, "Job definition", jobDefinitionId);
        line(text, "Created", time(createTime));
        line(text, "Started", time(startTime));
        line(text, "Ended", time(endTime));
        line(text, "Link", url);
        return text.toString();
    }

    /** Our payload: what the API says about the job, with the event; times in milliseconds like the API. */
    public String json() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("event", event.eventName());
        body.put("job_id", jobId);
        body.put("name", name);
        body.put("status", status);
        body.put("status_message", statusMessage);
        body.put("job_definition_id", jobDefinitionId);
        body.put("create_time", createTime);
        body.put("start_time", startTime);
        body.put("end_time", endTime);
        body.put("url", url);
        return AnnotationJson.write(body);
    }

    /** Slack's incoming-webhook body (also what Mattermost and Rocket.Chat take). */
    public String slack() {
        String text = "Notebook job *" + slackEscape(name) + "* " + event.verb() + " (" + status + ")"
                + (statusMessage == null || statusMessage.isBlank() ? "" : ": " + slackEscape(statusMessage))
                + "\n<" + url + "|" + jobId + ">";
        return AnnotationJson.write(Map.of("text", text));
    }

    private static void line(StringBuilder text, String label, String value) {
        if (value != null && !value.isBlank()) {
            text.append(label).append(": ").append(value).append('\n');
        }
    }

    private static String time(Long millis) {
        return millis == null ? null : Instant.ofEpochMilli(millis).toString();
    }

    /** Slack reads &, < and > as markup. */
    private static String slackEscape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
