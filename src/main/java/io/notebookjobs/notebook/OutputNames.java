package io.notebookjobs.notebook;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Output file names, {@code <input base>-<YYYY-MM-DD-hh-mm-ss-AM|PM>.<ext>}, computed from the
 * job's create time in UTC, exactly as the executor computes them (docs/executor-contract.md).
 */
public final class OutputNames {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd-hh-mm-ss-a", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private OutputNames() {
    }

    public static String outputFile(String inputFilename, Instant createTime, OutputFormat format,
            String scriptExtension) {
        return baseName(inputFilename) + "-" + stamp(createTime) + "." + format.extension(scriptExtension);
    }

    static String stamp(Instant createTime) {
        return STAMP.format(createTime).toUpperCase(Locale.ROOT);
    }

    /** The file name without its last extension: {@code report.ipynb} gives {@code report}. */
    public static String baseName(String filename) {
        int dot = filename.lastIndexOf('.');
        return dot > 0 ? filename.substring(0, dot) : filename;
    }
}
