package io.notebookjobs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue item 7: the manifests in k8s/ as the real API server sees them. Each rendering goes
 * through a server-side dry run (admission and validation included, nothing stored).
 * local-dev/check-deploy.sh checks the returned objects in more detail.
 */
@SimClusterTest
class ManifestsDryRunE2EIT {

    /** The base has no namespace of its own: it is tried in a scratch one. */
    static final String SCRATCH = "e2e-manifests";

    static SimCluster cluster;

    @BeforeAll
    static void start() {
        cluster = SimCluster.fromEnvironment();
        cluster.kubectlExit("create", "namespace", SCRATCH);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.kubectlExit("delete", "namespace", SCRATCH, "--wait=false");
            cluster.close();
        }
    }

    @ParameterizedTest
    @CsvSource({ "k8s/base, e2e-manifests", "k8s/overlays/local, notebook-jobs", "k8s/overlays/production, notebook-jobs" })
    void theApiServerAcceptsEveryRendering(String kustomization, String namespace) throws Exception {
        SimCluster.Result rendered = cluster.kubectlExit("kustomize", kustomization);
        assertThat(rendered.exitCode()).as("kubectl kustomize %s: %s", kustomization, rendered.output()).isZero();
        Path file = Files.createTempFile("rendered-", ".yaml");
        try {
            Files.writeString(file, rendered.output());
            SimCluster.Result dryRun = cluster.kubectlExit("apply", "--dry-run=server", "-n", namespace, "-f",
                    file.toString(), "-o", "name");
            assertThat(dryRun.exitCode()).as("server-side dry run of %s:%n%s", kustomization, dryRun.output()).isZero();
            List<String> objects = dryRun.output().lines().filter(l -> !l.isBlank()).toList();
            assertThat(objects).contains("serviceaccount/notebook-jobs", "role.rbac.authorization.k8s.io/notebook-jobs",
                    "rolebinding.rbac.authorization.k8s.io/notebook-jobs", "deployment.apps/notebook-jobs",
                    "service/notebook-jobs", "networkpolicy.networking.k8s.io/notebook-jobs",
                    "poddisruptionbudget.policy/notebook-jobs");
            assertThat(objects).noneMatch(o -> o.startsWith("clusterrole"));
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
