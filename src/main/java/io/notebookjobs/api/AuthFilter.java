package io.notebookjobs.api;

import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.notebookjobs.identity.Identities;
import io.notebookjobs.identity.IdentityException;
import io.smallrye.mutiny.Uni;

/**
 * Establishes the caller of every API request before the resource runs, without blocking the
 * event loop (the hub or the OIDC provider are asked asynchronously). A request without a
 * verifiable caller ends here with 401, or 503 when the identity provider cannot be asked.
 * Health, metrics and the OpenAPI document are not JAX-RS resources and stay open.
 */
public class AuthFilter {

    private final Identities identities;
    private final CurrentUser user;

    public AuthFilter(Identities identities, CurrentUser user) {
        this.identities = identities;
        this.user = user;
    }

    /** Before matching: an unauthenticated request learns nothing, not even a 404 or 415. */
    @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION)
    public Uni<Response> authenticate(ContainerRequestContext request) {
        return Uni.createFrom()
                .completionStage(() -> identities.authenticate(request.getHeaderString(HttpHeaders.AUTHORIZATION)))
                .onItem().transform(caller -> {
                    user.set(caller);
                    return (Response) null;
                })
                .onFailure().recoverWithItem(error -> {
                    IdentityException e = Identities.cause(error).orElse(null);
                    if (e == null) {
                        throw error instanceof RuntimeException r ? r : new IllegalStateException(error);
                    }
                    return ErrorMapper.identity(e);
                });
    }
}
