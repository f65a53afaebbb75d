package io.notebookjobs.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.notebookjobs.config.NotebookJobsConfig;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;

/**
 * Answers an upload that announces more than the limit with a 413 and a message before reading
 * it. Uploads without a length are stopped by the HTTP layer's own limit (same value).
 */
@ApplicationScoped
public class UploadLimit {

    private final long limit;

    public UploadLimit(NotebookJobsConfig config) {
        this.limit = config.limits().maxUploadSize().asLongValue();
    }

    void install(@Observes Router router) {
        router.route().order(-100).handler(rc -> {
            String length = rc.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            if (length != null && isTooLong(length)) {
                rc.response().setStatusCode(413)
                        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                        .putHeader(HttpHeaders.CONNECTION, "close")
                        .end("{\"message\":\"The request is " + length + " bytes, more than the upload limit of " + limit
                                + " bytes (notebook-jobs.limits.max-upload-size)\",\"reason\":null}");
                return;
            }
            rc.next();
        });
    }

    private boolean isTooLong(String length) {
        try {
            return Long.parseLong(length.trim()) > limit;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
