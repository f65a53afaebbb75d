package io.notebookjobs.e2e;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An end-to-end test against the sim-cluster (local-dev/sim-cluster): a real Kubernetes control
 * plane, the process node that runs the real executor, and S3. Runs only when
 * {@code local-dev/sim-cluster/run-e2e.sh} (or a developer) exported {@code SIM_KUBECONFIG};
 * anywhere else the class is skipped, so a plain {@code ./mvnw verify} passes without a cluster.
 * On a failure, {@link Diagnostics} prints the service's log and {@code kubectl describe} output.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("e2e")
@EnabledIfEnvironmentVariable(named = SimCluster.KUBECONFIG_VARIABLE, matches = ".+",
        disabledReason = "no sim-cluster: run local-dev/sim-cluster/run-e2e.sh")
@ExtendWith(Diagnostics.class)
public @interface SimClusterTest {
}
