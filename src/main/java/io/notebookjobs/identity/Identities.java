package io.notebookjobs.identity;

import java.time.Clock;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

import io.notebookjobs.config.NotebookJobsConfig;
import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.oidc.TenantIdentityProvider;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * Turns a request's {@code Authorization} header into a {@link Caller}, the way the configured
 * mode says: the one default owner ({@code none}), the JupyterHub user owning the token
 * ({@code jupyterhub}), or the subject of a JWT verified by quarkus-oidc ({@code oidc}).
 */
@ApplicationScoped
public class Identities {

    private static final Logger LOG = Logger.getLogger(Identities.class);

    private final AuthMode mode;
    private final Set<String> adminGroups;
    private final Caller defaultCaller;
    private final NotebookJobsConfig.Oidc oidcClaims;
    private final Instance<TenantIdentityProvider> oidc;
    private final JupyterHubAuthenticator hub;

    public Identities(NotebookJobsConfig config, Clock clock, Instance<TenantIdentityProvider> oidc) {
        NotebookJobsConfig.Auth auth = config.auth();
        this.mode = AuthMode.parse(auth.mode());
        this.adminGroups = Set.copyOf(auth.adminGroups().orElse(List.of()));
        Set<String> defaultGroups = Set.copyOf(auth.defaultGroups().orElse(List.of()));
        this.defaultCaller = new Caller(config.defaultOwner(), defaultGroups, isAdmin(defaultGroups));
        this.oidcClaims = auth.oidc();
        this.oidc = oidc;
        if (mode == AuthMode.JUPYTERHUB) {
            NotebookJobsConfig.JupyterHub settings = auth.jupyterhub();
            String url = settings.apiUrl().orElseThrow(() -> new IllegalArgumentException(
                    "auth mode jupyterhub needs NOTEBOOK_JOBS_AUTH_JUPYTERHUB_API_URL (e.g. http://hub:8081/hub/api)"));
            this.hub = new JupyterHubAuthenticator(url, settings.scope(), settings.cacheTtl(), settings.cacheSize(),
                    settings.timeout(), clock);
        } else {
            this.hub = null;
        }
    }

    void announce(@Observes StartupEvent started) {
        switch (mode) {
            case NONE -> LOG.warnf("Auth mode none: every request acts as '%s'%s. Not for shared use: set "
                    + "NOTEBOOK_JOBS_AUTH_MODE=jupyterhub or oidc.", defaultCaller.name(),
                    defaultCaller.groups().isEmpty() ? "" : " in groups " + defaultCaller.groups());
            case JUPYTERHUB -> LOG.infof("Auth mode jupyterhub: tokens are verified by the hub");
            case OIDC -> LOG.infof("Auth mode oidc: bearer JWTs are verified by quarkus-oidc (user claim %s, groups "
                    + "claim %s)", oidcClaims.usernameClaim(), oidcClaims.groupsClaim());
        }
    }

    public AuthMode mode() {
        return mode;
    }

    /** The caller of a request with this {@code Authorization} header (null when absent). */
    public CompletionStage<Caller> authenticate(String authorization) {
        try {
            return switch (mode) {
                case NONE -> CompletableFuture.completedFuture(defaultCaller);
                case JUPYTERHUB -> hub.verify(credential(authorization, true))
                        .thenApply(user -> caller(user.name(), user.groups()));
                case OIDC -> verifyJwt(credential(authorization, false));
            };
        } catch (IdentityException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The {@link IdentityException} behind a failed {@link #authenticate}, if that is what failed. */
    public static Optional<IdentityException> cause(Throwable error) {
        Throwable e = error;
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e instanceof IdentityException identity ? Optional.of(identity) : Optional.empty();
    }

    private CompletionStage<Caller> verifyJwt(String token) {
        return oidc.get().authenticate(new AccessTokenCredential(token))
                .subscribeAsCompletionStage()
                .handle((identity, error) -> {
                    if (error != null) {
                        Throwable cause = error instanceof CompletionException && error.getCause() != null
                                ? error.getCause() : error;
                        if (cause instanceof AuthenticationFailedException) {
                            // Why (expired, wrong issuer or audience, bad signature) is for the operator's log.
                            LOG.debugf("A bearer token was refused: %s", cause.getCause() != null ? cause.getCause() : cause);
                            throw IdentityException.unauthenticated(
                                    "the bearer token was not accepted (expired, meant for another audience, or not issued by the configured issuer)");
                        }
                        LOG.warnf("The OIDC provider could not be used to verify a token: %s", cause.toString());
                        throw IdentityException.unavailable("the OIDC provider could not be reached to verify the token");
                    }
                    return fromJwt(identity);
                });
    }

    private Caller fromJwt(SecurityIdentity identity) {
        if (!(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            throw IdentityException.unauthenticated("the bearer token is not a JWT");
        }
        Object name = claim(jwt, oidcClaims.usernameClaim());
        if (!(name instanceof String text) || text.isBlank()) {
            throw IdentityException.unauthenticated("the token has no " + oidcClaims.usernameClaim() + " claim");
        }
        return caller(text, groups(claim(jwt, oidcClaims.groupsClaim())));
    }

    /** A claim by name, or by a path such as {@code realm_access/roles} into nested objects. */
    private static Object claim(JsonWebToken jwt, String nameOrPath) {
        Object direct = jwt.getClaim(nameOrPath);
        if (direct != null || !nameOrPath.contains("/")) {
            return plain(direct);
        }
        Object value = plain(jwt.getClaim(nameOrPath.substring(0, nameOrPath.indexOf('/'))));
        for (String step : nameOrPath.substring(nameOrPath.indexOf('/') + 1).split("/")) {
            value = value instanceof Map<?, ?> map ? plain(map.get(step)) : null;
        }
        return value;
    }

    /** JSON-P values as plain Java ones. */
    private static Object plain(Object value) {
        if (value instanceof jakarta.json.JsonString s) {
            return s.getString();
        }
        if (value instanceof jakarta.json.JsonArray array) {
            return array.stream().map(Identities::plain).toList();
        }
        if (value instanceof jakarta.json.JsonObject object) {
            Map<String, Object> map = new java.util.LinkedHashMap<>();
            object.forEach((k, v) -> map.put(k, plain(v)));
            return map;
        }
        return value;
    }

    /** Keycloak's group mapper writes full paths ("/team/hpc"); the policy names groups without the slash. */
    private static Set<String> groups(Object claim) {
        Set<String> groups = new LinkedHashSet<>();
        if (claim instanceof String one) {
            groups.add(one);
        } else if (claim instanceof Collection<?> many) {
            many.forEach(g -> groups.add(String.valueOf(g)));
        }
        Set<String> names = new LinkedHashSet<>();
        groups.forEach(g -> names.add(g.startsWith("/") ? g.substring(1) : g));
        return names;
    }

    private Caller caller(String name, Set<String> groups) {
        return new Caller(name, groups, isAdmin(groups));
    }

    private boolean isAdmin(Set<String> groups) {
        return groups.stream().anyMatch(adminGroups::contains);
    }

    /**
     * The token of an {@code Authorization} header. JupyterHub's own scheme is {@code token};
     * {@code Bearer} works in both modes.
     */
    static String credential(String authorization, boolean acceptTokenScheme) {
        String expected = acceptTokenScheme ? "Authorization: token <JupyterHub API token>" : "Authorization: Bearer <token>";
        if (authorization == null || authorization.isBlank()) {
            throw IdentityException.unauthenticated("sign in: send " + expected);
        }
        String header = authorization.trim();
        int space = header.indexOf(' ');
        String scheme = space < 0 ? header : header.substring(0, space).toLowerCase(Locale.ROOT);
        String token = space < 0 ? "" : header.substring(space + 1).trim();
        boolean schemeOk = scheme.equals("bearer") || (acceptTokenScheme && scheme.equals("token"));
        if (!schemeOk || token.isEmpty()) {
            throw IdentityException.unauthenticated("the Authorization header must be " + expected);
        }
        return token;
    }
}
