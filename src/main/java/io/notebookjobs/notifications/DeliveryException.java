package io.notebookjobs.notifications;

/** A notification could not be delivered this time; the message says why, without secrets. */
public class DeliveryException extends Exception {

    public DeliveryException(String message) {
        super(message);
    }
}
