package io.notebookjobs.e2e;

/**
 * Assertions about service bugs these tests found and that are not fixed yet. By default a
 * failing check is reported loudly ("KNOWN BUG still present") but does not fail the test, so the
 * suite stays usable; with {@code E2E_KNOWN_BUGS=1} it fails like any assertion. A check that
 * passes says so, as a hint to make it a plain assertion.
 */
final class KnownBugs {

    static final String VARIABLE = "E2E_KNOWN_BUGS";

    private static final java.util.Set<String> FIXED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private KnownBugs() {
    }

    static void check(String bug, Runnable assertion) {
        try {
            assertion.run();
            if (FIXED.add(bug)) {
                E2EService.log("known bug not seen this time: %s", bug);
            }
        } catch (AssertionError e) {
            if ("1".equals(System.getenv(VARIABLE))) {
                throw new AssertionError("known bug: " + bug + ": " + e.getMessage(), e);
            }
            E2EService.log("KNOWN BUG still present: %s: %s", bug,
                    E2EService.abbreviate(e.getMessage().strip().replaceAll("\\s+", " "), 400));
        }
    }
}
