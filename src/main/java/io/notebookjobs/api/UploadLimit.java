package io.notebookjobs.api;

import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.notebookjobs.config.NotebookJobsConfig;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Bounds what uploads can cost a replica before any byte is spooled: one that announces more
 * than the limit is a 413 with a message (one without a length is stopped by the HTTP layer at
 * the same size, with a bare 413), and at most {@code max-concurrent-uploads} are received at once, so the
 * spool volume (/tmp) never holds more than that many times the limit; more are a 503 to retry.
 */
@ApplicationScoped
public class UploadLimit {

    private final long limit;
    private final int maxConcurrent;
    private final AtomicInteger inFlight = new AtomicInteger();

    public UploadLimit(NotebookJobsConfig config) {
        this.limit = config.limits().maxUploadSize().asLongValue();
        this.maxConcurrent = config.limits().maxConcurrentUploads();
    }

    void install(@Observes Router router) {
        // A body without a length is counted by the HTTP layer as it arrives and cut off at the
        // same limit (quarkus.http.limits.max-body-size follows max-upload-size): a bare 413 and
        // a closed connection, sent by RESTEasy's input stream itself, so no handler here can
        // add a message to it. Clients that send a length (curl, the JupyterLab bridge) get one.
        router.route().order(-100).handler(this::admit);
    }

    private void admit(RoutingContext rc) {
        String length = rc.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && isTooLong(length)) {
            refuse(rc, 413, "The request is " + length + " bytes, more than the upload limit of " + limit
                    + " bytes (notebook-jobs.limits.max-upload-size)");
            return;
        }
        if (isUpload(rc)) {
            if (inFlight.incrementAndGet() > maxConcurrent) {
                inFlight.decrementAndGet();
                rc.response().putHeader("Retry-After", "5");
                refuse(rc, 503, "This replica is receiving " + maxConcurrent
                        + " uploads already (notebook-jobs.limits.max-concurrent-uploads); try again in a few seconds");
                return;
            }
            rc.addEndHandler(done -> inFlight.decrementAndGet());
        }
        rc.next();
    }

    /** Multipart creates and updates: the requests whose bodies are spooled to disk. */
    private static boolean isUpload(RoutingContext rc) {
        HttpMethod method = rc.request().method();
        String type = rc.request().getHeader(HttpHeaders.CONTENT_TYPE);
        return (method == HttpMethod.POST || method == HttpMethod.PATCH || method == HttpMethod.PUT)
                && type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/");
    }

    private static void refuse(RoutingContext rc, int status, String message) {
        rc.response().setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CONNECTION, "close")
                .end("{\"message\":\"" + message + "\",\"reason\":null}");
    }

    int inFlight() {
        return inFlight.get();
    }

    private boolean isTooLong(String length) {
        try {
            return Long.parseLong(length.trim()) > limit;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
