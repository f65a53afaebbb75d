package io.notebookjobs.definitions;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;

import io.notebookjobs.api.ApiException;

/**
 * A job definition's schedule: a 5-field UNIX cron expression (names like {@code MON-FRI}
 * allowed, day of week 0-6 with 0 = Sunday, day of month and day of week matched with OR), or one
 * of the nicknames Kubernetes accepts, in an IANA time zone. Checked with UNIX semantics before
 * Kubernetes sees it, so a schedule the CronJob controller would reject or never fire is a 400.
 */
public record Schedule(String expression, ZoneId zone, Cron cron) {

    private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final Map<String, String> NICKNAMES = Map.of(
            "@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *", "@monthly", "0 0 1 * *", "@weekly", "0 0 * * 0",
            "@daily", "0 0 * * *", "@midnight", "0 0 * * *", "@hourly", "0 * * * *");
    /** Kubernetes' parser knows day-of-week 0-6 only; 7 for Sunday is UNIX folklore it rejects. */
    private static final Pattern SEVEN = Pattern.compile("(^|[^0-9])7([^0-9]|$)");

    /** The JDK copies this set on every call. */
    private static final Set<String> ZONES = ZoneId.getAvailableZoneIds();

    public static final String DEFAULT_TIME_ZONE = "UTC";

    public static Schedule parse(String schedule, String timezone) {
        if (schedule == null || schedule.isBlank()) {
            throw ApiException.badRequest("schedule", "is required: a 5-field cron expression such as '0 9 * * MON-FRI'");
        }
        String expression = schedule.strip();
        if (expression.startsWith("TZ=") || expression.startsWith("CRON_TZ=")) {
            throw ApiException.badRequest("schedule", "must not name a time zone; use the timezone field");
        }
        ZoneId zone = zone(timezone);
        String fields = NICKNAMES.getOrDefault(expression.toLowerCase(java.util.Locale.ROOT), expression);
        if (fields.startsWith("@")) {
            throw ApiException.badRequest("schedule", "unknown nickname '" + expression + "' (known: "
                    + String.join(", ", NICKNAMES.keySet().stream().sorted().toList()) + ")");
        }
        String[] parts = fields.split("\\s+");
        if (parts.length != 5) {
            throw ApiException.badRequest("schedule", "'" + expression + "' has " + parts.length
                    + " fields; a cron expression has 5: minute hour day-of-month month day-of-week");
        }
        if (SEVEN.matcher(parts[4]).find()) {
            throw ApiException.badRequest("schedule", "day of week is 0-6 (0 = Sunday) or SUN-SAT; 7 is not accepted");
        }
        Cron cron;
        try {
            cron = UNIX.parse(fields).validate();
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("schedule", "'" + expression + "' is not a valid cron expression ("
                    + e.getMessage().replace("Failed to parse cron expression. ", "") + ")");
        }
        Schedule parsed = new Schedule(expression, zone, cron);
        if (parsed.nextRun(Instant.now()).isEmpty()) {
            throw ApiException.badRequest("schedule", "'" + expression + "' never fires (no such date)");
        }
        return parsed;
    }

    /** The next run after {@code after}, if the schedule ever fires. */
    public Optional<Instant> nextRun(Instant after) {
        return ExecutionTime.forCron(cron).nextExecution(ZonedDateTime.ofInstant(after, zone))
                .map(ZonedDateTime::toInstant);
    }

    private static ZoneId zone(String timezone) {
        String name = timezone == null || timezone.isBlank() ? DEFAULT_TIME_ZONE : timezone.strip();
        if (!ZONES.contains(name)) {
            throw ApiException.badRequest("timezone", "'" + name + "' is not an IANA time zone (examples: UTC, "
                    + "Europe/Vienna, America/New_York)");
        }
        return ZoneId.of(name);
    }
}
