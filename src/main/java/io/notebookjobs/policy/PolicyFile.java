package io.notebookjobs.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.notebookjobs.config.NotebookJobsConfig;

/**
 * The group policy of {@code NOTEBOOK_JOBS_POLICY_FILE}, read at start (an invalid file stops
 * the service with the reason) and again when the file changes, as a mounted ConfigMap does: a
 * change that breaks a rule is logged and the last good policy stays in force.
 */
@ApplicationScoped
public class PolicyFile {

    private static final Logger LOG = Logger.getLogger(PolicyFile.class);
    /** How often the file's modification time is looked at, at most. */
    static final Duration CHECK_INTERVAL = Duration.ofSeconds(10);

    private final Path file;
    private final Clock clock;
    private final boolean kueueEnabled;
    private volatile GroupPolicy policy;
    private volatile FileTime modified;
    private volatile Instant nextCheck;

    public PolicyFile(NotebookJobsConfig config, Clock clock) {
        this.clock = clock;
        this.kueueEnabled = config.kube().kueue().enabled();
        this.file = config.policy().file().filter(f -> !f.isBlank()).map(Path::of).orElse(null);
        if (file == null) {
            policy = GroupPolicy.OPEN;
            LOG.info("No group policy (NOTEBOOK_JOBS_POLICY_FILE): no profiles, the resource maxima for everyone");
        } else {
            modified = modifiedTime();
            policy = checked(GroupPolicy.read(file));
            LOG.infof("Group policy %s: %d profiles", file, policy.profiles().size());
        }
        nextCheck = clock.instant().plus(CHECK_INTERVAL);
    }

    public GroupPolicy current() {
        if (file != null && !clock.instant().isBefore(nextCheck)) {
            reloadIfChanged();
        }
        return policy;
    }

    private synchronized void reloadIfChanged() {
        if (clock.instant().isBefore(nextCheck)) {
            return;
        }
        nextCheck = clock.instant().plus(CHECK_INTERVAL);
        FileTime now = modifiedTime();
        if (now == null || now.equals(modified)) {
            return;
        }
        try {
            policy = checked(GroupPolicy.read(file));
            modified = now;
            LOG.infof("Group policy %s changed: %d profiles now", file, policy.profiles().size());
        } catch (PolicyException e) {
            modified = now;
            LOG.errorf("Group policy %s changed but is not valid, the previous one stays in force: %s", file,
                    e.getMessage());
        }
    }

    /** Jobs sent to a Kueue queue that no Kueue admits would wait for ever: refuse the policy instead. */
    private GroupPolicy checked(GroupPolicy read) {
        List<String> queues = read.queuesNamed();
        if (!kueueEnabled && !queues.isEmpty()) {
            throw new PolicyException("the group policy " + file + " sends jobs to Kueue queues (" + String.join(", ", queues)
                    + ") but notebook-jobs.kube.kueue.enabled is false");
        }
        return read;
    }

    private FileTime modifiedTime() {
        try {
            // A ConfigMap volume swaps a symlink: follow it to see the new file's time.
            return Files.getLastModifiedTime(file.toRealPath());
        } catch (IOException e) {
            if (policy == null) {
                throw new PolicyException("cannot read the group policy " + file + ": " + e.getMessage(), e);
            }
            LOG.warnf("Group policy %s cannot be read (%s); the previous one stays in force", file, e.getMessage());
            return null;
        }
    }
}
