package io.notebookjobs.storage;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.notebookjobs.config.NotebookJobsConfig;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.transfer.s3.S3TransferManager;

/**
 * The bucket, as the service uses it: staging uploads all-or-nothing, listing and streaming a
 * job's files, deleting a job's prefix. Uploads and copies go through the transfer manager, so
 * large files travel in parts and many files travel at once.
 */
@ApplicationScoped
public class ObjectStore {

    private static final Logger LOG = Logger.getLogger(ObjectStore.class);
    private static final int DELETE_BATCH = 1000;

    /** A local file to upload, under a path relative to the destination prefix. */
    public record LocalFile(String relativePath, Path path) {
    }

    /** An object in the bucket. */
    public record StoredObject(String key, long size, Instant lastModified) {
    }

    /** A server-side copy inside the bucket. */
    public record Copy(String sourceKey, String targetKey) {
    }

    private final S3Client s3;
    private final S3TransferManager transfers;
    private final S3Presigner presigner;
    private final String bucket;
    private final String root;

    public ObjectStore(S3Client s3, S3TransferManager transfers, S3Presigner presigner, NotebookJobsConfig config) {
        this.s3 = s3;
        this.transfers = transfers;
        this.presigner = presigner;
        this.bucket = config.s3().bucket();
        this.root = JobPaths.root(config.s3().prefix().orElse(""));
    }

    public String bucket() {
        return bucket;
    }

    /** Key prefix every object of this deployment lives under ("" or ending in "/"). */
    public String root() {
        return root;
    }

    /**
     * Uploads every file under {@code prefix}. Either all arrive, or none is left behind: on any
     * failure the prefix is emptied again before the error is thrown.
     */
    public void uploadAll(String prefix, List<LocalFile> files) {
        List<CompletableFuture<?>> uploads = new ArrayList<>();
        for (LocalFile file : files) {
            uploads.add(started(() -> transfers.uploadFile(u -> u
                    .source(file.path())
                    .putObjectRequest(p -> p.bucket(bucket).key(prefix + file.relativePath())
                            .contentType(contentTypeOf(file.relativePath()))))
                    .completionFuture()));
        }
        allOrNothing(prefix, uploads);
    }

    /** Server-side copies, all-or-nothing under {@code targetPrefix} like {@link #uploadAll}. */
    public void copyAll(String targetPrefix, List<Copy> copies) {
        List<CompletableFuture<?>> futures = new ArrayList<>();
        for (Copy copy : copies) {
            futures.add(started(() -> transfers.copy(c -> c.copyObjectRequest(r -> r
                    .sourceBucket(bucket).sourceKey(copy.sourceKey())
                    .destinationBucket(bucket).destinationKey(copy.targetKey())))
                    .completionFuture()));
        }
        allOrNothing(targetPrefix, futures);
    }

    /** A transfer that fails to start (a file gone missing) fails like one that fails later. */
    private static CompletableFuture<?> started(java.util.function.Supplier<CompletableFuture<?>> transfer) {
        try {
            return transfer.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void allOrNothing(String prefix, List<? extends CompletableFuture<?>> futures) {
        Throwable failure = null;
        // Wait for every transfer to settle, failed or not: cleaning up while one still runs would
        // let it re-create an object afterwards.
        for (CompletableFuture<?> f : futures) {
            try {
                f.join();
            } catch (CompletionException | java.util.concurrent.CancellationException e) {
                if (failure == null) {
                    failure = e.getCause() != null ? e.getCause() : e;
                }
            }
        }
        if (failure != null) {
            deletePrefixQuietly(prefix);
            throw new StorageException("upload to s3://" + bucket + "/" + prefix + " failed", failure);
        }
    }

    public List<StoredObject> list(String prefix) {
        return list(prefix, Integer.MAX_VALUE);
    }

    /**
     * At most {@code limit} objects under the prefix (in key order): a caller that must refuse a
     * folder with more than N files lists N + 1, never the whole folder.
     */
    public List<StoredObject> list(String prefix, int limit) {
        List<StoredObject> objects = new ArrayList<>();
        try {
            int page = Math.min(1000, Math.max(1, limit));
            for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix).maxKeys(page)).contents()) {
                if (objects.size() >= limit) {
                    break;
                }
                objects.add(new StoredObject(o.key(), o.size(), o.lastModified()));
            }
        } catch (SdkException e) {
            throw new StorageException("cannot list s3://" + bucket + "/" + prefix, e);
        }
        return objects;
    }

    /**
     * The "folders" directly under a prefix (keys up to the next slash, with it), in key order:
     * {@code jobs/} gives one entry per job without listing the jobs' files.
     */
    public List<String> folders(String prefix) {
        List<String> folders = new ArrayList<>();
        try {
            s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix).delimiter("/"))
                    .commonPrefixes().forEach(p -> folders.add(p.prefix()));
        } catch (SdkException e) {
            throw new StorageException("cannot list s3://" + bucket + "/" + prefix, e);
        }
        return folders;
    }

    public Optional<StoredObject> head(String key) {
        try {
            HeadObjectResponse head = s3.headObject(r -> r.bucket(bucket).key(key));
            return Optional.of(new StoredObject(key, head.contentLength(), head.lastModified()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw new StorageException("cannot read s3://" + bucket + "/" + key, e);
        } catch (SdkException e) {
            throw new StorageException("cannot read s3://" + bucket + "/" + key, e);
        }
    }

    public ResponseInputStream<GetObjectResponse> open(String key) {
        try {
            return s3.getObject(r -> r.bucket(bucket).key(key));
        } catch (SdkException e) {
            throw new StorageException("cannot read s3://" + bucket + "/" + key, e);
        }
    }

    /** Reads an object that is known to be small (a notebook checked before it is accepted). */
    public byte[] read(String key) {
        try (InputStream in = open(key)) {
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new StorageException("cannot read s3://" + bucket + "/" + key, e);
        }
    }

    /** Deletes every object under the prefix; the prefix must be a job's own, never the root. */
    public void deletePrefix(String prefix) {
        if (prefix.isEmpty() || prefix.equals(root) || !prefix.endsWith("/")) {
            throw new IllegalArgumentException("refusing to delete under '" + prefix + "'");
        }
        List<StoredObject> objects = list(prefix);
        try {
            for (int i = 0; i < objects.size(); i += DELETE_BATCH) {
                List<ObjectIdentifier> batch = objects.subList(i, Math.min(i + DELETE_BATCH, objects.size())).stream()
                        .map(o -> ObjectIdentifier.builder().key(o.key()).build())
                        .toList();
                var response = s3.deleteObjects(r -> r.bucket(bucket).delete(Delete.builder().objects(batch).quiet(true).build()));
                if (response.hasErrors() && !response.errors().isEmpty()) {
                    throw new StorageException("cannot delete " + response.errors().size() + " objects under s3://"
                            + bucket + "/" + prefix + ": " + response.errors().get(0).message(), null);
                }
            }
        } catch (SdkException e) {
            throw new StorageException("cannot delete under s3://" + bucket + "/" + prefix, e);
        }
    }

    /**
     * A cleanup after another failure: removes what is under the prefix, and only logs when that
     * fails too, so the first failure is the one the caller reports.
     */
    public void deletePrefixQuietly(String prefix) {
        try {
            deletePrefix(prefix);
        } catch (RuntimeException e) {
            LOG.errorf("Could not clean up under s3://%s/%s: %s", bucket, prefix, e.getMessage());
        }
    }

    /** A URL that lets whoever holds it download the object for {@code ttl}. */
    public URI presign(String key, Duration ttl, String downloadName) {
        return URI.create(presigner.presignGetObject(p -> p.signatureDuration(ttl)
                .getObjectRequest(g -> g.bucket(bucket).key(key)
                        .responseContentDisposition(ContentDisposition.attachment(downloadName))))
                .url().toString());
    }

    /** True when the bucket answers; used by the readiness check. */
    public boolean bucketReachable() {
        try {
            s3.headBucket(r -> r.bucket(bucket));
            return true;
        } catch (SdkException e) {
            LOG.debugf("Bucket %s not reachable: %s", bucket, e.getMessage());
            return false;
        }
    }

    public static String contentTypeOf(String path) {
        String lower = path.toLowerCase(java.util.Locale.ROOT);
        if (lower.endsWith(".ipynb") || lower.endsWith(".json")) {
            return "application/json";
        }
        if (lower.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (lower.endsWith(".md") || lower.endsWith(".py") || lower.endsWith(".tex") || lower.endsWith(".txt")
                || lower.endsWith(".csv") || lower.endsWith(".r") || lower.endsWith(".jl")) {
            return "text/plain; charset=utf-8";
        }
        if (lower.endsWith(".pdf")) {
            return "application/pdf";
        }
        return "application/octet-stream";
    }
}
