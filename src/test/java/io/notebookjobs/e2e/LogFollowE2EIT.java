package io.notebookjobs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * A running job's log followed through the API against the real kubelet stand-in (the process
 * node serves container logs as a kubelet does): the stream carries what the notebook prints
 * after the follow began, ends by itself when the job's container ends, and matches the copy the
 * executor saved; meanwhile the job's description says which cell runs.
 */
@SimClusterTest
class LogFollowE2EIT extends ServiceE2ETest {

    @Test
    void followingARunningJobsLogStreamsItUntilTheJobEnds() throws Exception {
        Path gate = cluster.newGate("log-follow");
        String id = service.create(E2EService.job("e2e log follow " + UUID.randomUUID().toString().substring(0, 8),
                List.of("ipynb"), Map.of("gate", SimCluster.gateParameter(gate), "label", "'followed'")), "gated.ipynb");
        service.await("the notebook to run", Duration.ofSeconds(90), () -> SimCluster.started(gate), Boolean::booleanValue);
        Map<String, Object> running = service.awaitStatus(id, Set.of("IN_PROGRESS"), Duration.ofSeconds(60));
        Map<String, Object> progress = service.await("the running job's progress", Duration.ofSeconds(30),
                () -> service.describe(id), j -> j.get("status_message") != null
                        && ((String) j.get("status_message")).startsWith("Running cell "));
        E2EService.log("progress while it runs: %s (status %s)", progress.get("status_message"), running.get("status"));

        List<String> lines = new CopyOnWriteArrayList<>();
        long t0 = System.nanoTime();
        CompletableFuture<Integer> followed = service.follow("/jobs/" + id + "/logs?follow=true", lines::add);
        service.await("the followed log to show the waiting cell", Duration.ofSeconds(30), () -> List.copyOf(lines),
                l -> l.stream().anyMatch(s -> s.contains("Running cell")));
        assertThat(lines).noneMatch(s -> s.contains("followed: released after"));

        long opened = System.nanoTime();
        SimCluster.open(gate);
        int status = followed.get(120, TimeUnit.SECONDS);
        double ended = E2EService.seconds(opened);
        assertThat(status).isEqualTo(200);
        assertThat(lines).as("what the notebook printed after the follow began")
                .anyMatch(s -> s.contains("] followed: released after"));
        E2EService.log("follow: %d lines in %.1f s; the stream ended %.1f s after the gate opened", lines.size(),
                E2EService.seconds(t0), ended);

        service.awaitStatus(id, Set.of("COMPLETED"), Duration.ofSeconds(60));
        String saved = service.get("/jobs/" + id + "/logs").body();
        List<String> savedLines = saved.lines().filter(s -> !s.isBlank()).toList();
        assertThat(lines).as("the followed log carries the saved log's lines up to the container's end")
                .contains(savedLines.stream().filter(s -> s.contains("released after")).findFirst().orElseThrow());
    }
}
