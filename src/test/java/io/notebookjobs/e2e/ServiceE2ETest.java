package io.notebookjobs.e2e;

import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The usual life of an end-to-end test class: one packaged service against the sim-cluster for
 * the whole class, the jobs it created deleted and the service stopped afterwards.
 */
abstract class ServiceE2ETest {

    static SimCluster cluster;
    static E2EService service;

    @BeforeAll
    static void startService() {
        cluster = SimCluster.fromEnvironment();
        service = E2EService.start(cluster, Map.of());
        Diagnostics.watch(service, cluster);
    }

    @AfterAll
    static void stopService() {
        if (service != null) {
            service.deleteCreatedJobs();
            service.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }
}
