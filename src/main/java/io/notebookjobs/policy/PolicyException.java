package io.notebookjobs.policy;

/** The policy file is unreadable or breaks a rule; the message names the key and the rule. */
public class PolicyException extends RuntimeException {

    public PolicyException(String message) {
        super(message);
    }

    public PolicyException(String message, Throwable cause) {
        super(message, cause);
    }
}
