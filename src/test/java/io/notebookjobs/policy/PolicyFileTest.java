package io.notebookjobs.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.notebookjobs.testing.TestClock;
import io.notebookjobs.testing.TestConfig;

/** The policy file is read at start and again when it changes, as a mounted ConfigMap does. */
class PolicyFileTest {

    @TempDir
    Path dir;

    private final TestClock clock = new TestClock();

    private Path write(String yaml, int secondsLater) throws IOException {
        Path file = dir.resolve("policy.yaml");
        Files.writeString(file, yaml);
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(secondsLater)));
        return file;
    }

    private PolicyFile open(Path file) {
        return new PolicyFile(TestConfig.load(Map.of("notebook-jobs.policy.file", file.toString())), clock);
    }

    @Test
    void aChangedFileIsReadAgainAndABrokenChangeKeepsThePreviousPolicy() throws IOException {
        PolicyFile policy = open(write("profiles: {one: {cpu: '1'}}\neveryone: {profiles: [one]}", 0));
        assertThat(policy.current().profiles()).containsOnlyKeys("one");

        write("profiles: {one: {cpu: '1'}, two: {cpu: '2'}}\neveryone: {profiles: [one, two]}", 5);
        assertThat(policy.current().profiles()).as("not looked at before the check interval").containsOnlyKeys("one");
        clock.advance(PolicyFile.CHECK_INTERVAL.plus(Duration.ofSeconds(1)));
        assertThat(policy.current().profiles()).containsOnlyKeys("one", "two");

        write("profiles: {three: {cpu: 'many'}}", 10);
        clock.advance(PolicyFile.CHECK_INTERVAL.plus(Duration.ofSeconds(1)));
        assertThat(policy.current().profiles()).as("the last good policy stays").containsOnlyKeys("one", "two");

        Files.delete(dir.resolve("policy.yaml"));
        clock.advance(PolicyFile.CHECK_INTERVAL.plus(Duration.ofSeconds(1)));
        assertThat(policy.current().profiles()).containsOnlyKeys("one", "two");
    }

    @Test
    void anInvalidOrMissingFileStopsTheStart() throws IOException {
        Path bad = write("profiles: {p: {cpu: 'lots'}}", 0);
        assertThatThrownBy(() -> open(bad)).isInstanceOf(PolicyException.class)
                .hasMessageContaining("profiles.p.cpu: 'lots' is not a positive quantity");
        assertThatThrownBy(() -> open(dir.resolve("missing.yaml"))).isInstanceOf(PolicyException.class)
                .hasMessageContaining("cannot read the group policy");
    }

    @Test
    void withoutAFileNobodyGetsProfiles() {
        PolicyFile none = new PolicyFile(TestConfig.load(Map.of()), clock);
        assertThat(none.current().configured()).isFalse();
    }

    @Test
    void kueueQueuesNeedTheServicesKueueSupport() throws IOException {
        Path file = write("profiles: {q: {cpu: '1', queue: nb-small}}\ngroups: {ml: {profiles: [q], queue: nb-ml}}", 0);
        assertThatThrownBy(() -> open(file)).isInstanceOf(PolicyException.class)
                .hasMessageContaining("sends jobs to Kueue queues (profile q: nb-small, group ml: nb-ml) but "
                        + "notebook-jobs.kube.kueue.enabled is false");
        PolicyFile withKueue = new PolicyFile(TestConfig.load(Map.of("notebook-jobs.policy.file", file.toString(),
                "notebook-jobs.kube.kueue.enabled", "true")), clock);
        assertThat(withKueue.current().profiles().get("q").queue()).contains("nb-small");
    }
}
