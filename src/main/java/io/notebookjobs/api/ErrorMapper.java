package io.notebookjobs.api;

import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.notebookjobs.api.Responses.ErrorResponse;
import io.notebookjobs.identity.IdentityException;
import io.notebookjobs.storage.StorageException;

/**
 * The one mapping from exceptions to HTTP answers. Bodies are the contract's
 * {@code {"message": ..., "reason": null}}; what went wrong inside (stack traces, API server
 * responses, S3 errors) goes to the log with a reference the message repeats.
 */
public class ErrorMapper {

    private static final Logger LOG = Logger.getLogger(ErrorMapper.class);

    @ServerExceptionMapper
    public Response api(ApiException e) {
        return respond(e.status(), e.getMessage());
    }

    /** 401 tells the client to sign in (the header names the scheme); 503 is the identity provider being away. */
    static Response identity(IdentityException e) {
        if (e.kind() == IdentityException.Kind.UNAVAILABLE) {
            return respond(503, e.getMessage());
        }
        return Response.fromResponse(respond(401, e.getMessage())).header("WWW-Authenticate", "Bearer").build();
    }

    @ServerExceptionMapper
    public Response identityFailed(IdentityException e) {
        return identity(e);
    }

    @ServerExceptionMapper
    public Response invalid(ConstraintViolationException e) {
        String message = e.getConstraintViolations().stream()
                .map(v -> v.getPropertyPath() + ": " + v.getMessage())
                .sorted()
                .reduce((a, b) -> a + "; " + b)
                .orElse("invalid request");
        return respond(400, message);
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e) {
        return respond(400, "body: " + JsonErrors.describe(e));
    }

    /** Quarkus has its own answer for this one; ours names the field in the contract's format. */
    @ServerExceptionMapper
    public Response wrongType(MismatchedInputException e) {
        return respond(400, "body: " + JsonErrors.describe(e));
    }

    @ServerExceptionMapper
    public Response kubernetes(KubernetesClientException e) {
        if (e.getCode() == 422 && e.getStatus() != null) {
            return respond(400, "Kubernetes rejected the job: " + e.getStatus().getMessage());
        }
        String ref = reference();
        LOG.errorf(e, "[%s] Kubernetes API call failed", ref);
        return respond(503, "The Kubernetes API did not accept the request (HTTP " + e.getCode() + "); reference " + ref);
    }

    @ServerExceptionMapper
    public Response storage(StorageException e) {
        String ref = reference();
        LOG.errorf(e, "[%s] %s", ref, e.getMessage());
        return respond(503, "The object store failed: " + e.getMessage() + "; reference " + ref);
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        String message;
        if (e instanceof NotFoundException) {
            message = "No such resource";
        } else if (e instanceof NotAllowedException) {
            message = "Method not allowed";
        } else if (e instanceof NotSupportedException) {
            message = "Unsupported content type: send application/json or multipart/form-data";
        } else if (e.getCause() instanceof JsonProcessingException json) {
            return respond(400, "body: " + JsonErrors.describe(json));
        } else if (status == 413) {
            message = "The request body is too large";
        } else {
            message = e.getResponse().getStatusInfo().getReasonPhrase();
        }
        return respond(status, message);
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        String ref = reference();
        LOG.errorf(e, "[%s] Unexpected error", ref);
        return respond(500, "Internal error; reference " + ref);
    }

    private static Response respond(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(ErrorResponse.of(message)).build();
    }

    private static String reference() {
        return java.util.UUID.randomUUID().toString().substring(0, 8);
    }
}
