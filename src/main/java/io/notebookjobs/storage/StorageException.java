package io.notebookjobs.storage;

/** S3 did not do what was asked; the message names the bucket and key, never credentials. */
public class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
