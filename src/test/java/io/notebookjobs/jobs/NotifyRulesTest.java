package io.notebookjobs.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.notebookjobs.api.ApiException;

class NotifyRulesTest {

    private static final Set<String> WEBHOOKS = Set.of("team", "chat");
    private static final NotifyRules.Available ALL = new NotifyRules.Available(true, WEBHOOKS, 10);
    private static final NotifyRules.Available NO_MAIL = new NotifyRules.Available(false, WEBHOOKS, 10);

    private static Notify.EmailNotifications email(List<String> onStart, List<String> onSuccess, List<String> onFailure) {
        return new Notify.EmailNotifications(onStart, onSuccess, onFailure, null);
    }

    @Test
    void addressesAreTrimmedAndRepeatsDroppedAndNothingAtAllIsNull() {
        Notify notify = NotifyRules.read(email(null, List.of(" ann@example.org", "ann@example.org", "b@x.io"), null),
                null, ALL);
        assertThat(notify.email().onSuccess()).containsExactly("ann@example.org", "b@x.io");
        assertThat(notify.email().noAlertForSkippedRuns()).isTrue();
        assertThat(notify.webhooks()).isNull();
        assertThat(notify.emailsFor(Notify.Event.START)).isEmpty();
        assertThat(NotifyRules.read(email(List.of(), null, List.of()), new Notify.WebhookNotifications(null, null, null),
                ALL)).isNull();
    }

    @Test
    void notAnAddressNamesTheEntry() {
        for (String bad : List.of("ann", "ann@", "@example.org", "ann@example", "a b@example.org", "ann@example.org, bob@example.org",
                "\"Ann\" <ann@example.org>", "")) {
            assertThatThrownBy(() -> NotifyRules.read(email(List.of("ok@example.org", bad), null, null), null, ALL))
                    .isInstanceOf(ApiException.class).hasMessageStartingWith("email_notifications.on_start[1]: must be one email address");
        }
    }

    @Test
    void withoutASenderAddressMailIsRefusedButAnEmptyListIsFine() {
        assertThatThrownBy(() -> NotifyRules.read(email(null, null, List.of("ann@example.org")), null, NO_MAIL))
                .isInstanceOf(ApiException.class)
                .hasMessage("email_notifications: this service sends no email (no sender address is configured); "
                        + "leave it out, or use webhook_notifications");
        Notify webhooksOnly = NotifyRules.read(email(List.of(), List.of(), List.of()),
                new Notify.WebhookNotifications(null, null, List.of("team")), NO_MAIL);
        assertThat(webhooksOnly.email()).isNull();
        assertThat(webhooksOnly.webhooksFor(Notify.Event.FAILURE)).containsExactly("team");
    }

    @Test
    void webhooksAreConfiguredNamesNeverUrls() {
        assertThatThrownBy(() -> NotifyRules.read(null, new Notify.WebhookNotifications(List.of("team", "http://10.0.0.1/"), null, null),
                ALL))
                .hasMessageStartingWith("webhook_notifications.on_start[1]: no webhook named 'http://10.0.0.1/' (configured: chat, team)");
        assertThatThrownBy(() -> NotifyRules.read(null, new Notify.WebhookNotifications(null, List.of("team"), null), new NotifyRules.Available(true, Set.of(), 10)))
                .hasMessageStartingWith("webhook_notifications.on_success[0]: no webhook named 'team' (this service has none configured)");
    }

    @Test
    void anUpdateReplacesWhatItGivesAndKeepsTheRestEvenWhenMailWasSwitchedOffSince() {
        Notify current = NotifyRules.read(email(null, List.of("ann@example.org"), null),
                new Notify.WebhookNotifications(null, null, List.of("team")), ALL);
        Notify kept = NotifyRules.merge(current, null, null, NO_MAIL);
        assertThat(kept).isEqualTo(current);
        Notify changed = NotifyRules.merge(current, null, new Notify.WebhookNotifications(List.of("chat"), null, null), NO_MAIL);
        assertThat(changed.email()).isEqualTo(current.email());
        assertThat(changed.webhooks().onStart()).containsExactly("chat");
        assertThat(changed.webhooks().onFailure()).isEmpty();
        assertThatThrownBy(() -> NotifyRules.merge(current, email(List.of("new@example.org"), null, null), null, NO_MAIL)).hasMessageStartingWith("email_notifications: this service sends no email");
        assertThat(NotifyRules.merge(current, email(null, null, null), new Notify.WebhookNotifications(null, null, null),
                ALL)).isNull();
    }

    @Test
    void atMostSoManyPerEvent() {
        assertThatThrownBy(() -> NotifyRules.read(null, new Notify.WebhookNotifications(null, List.of("team", "chat"), null),
                new NotifyRules.Available(true, WEBHOOKS, 1))).hasMessage("webhook_notifications.on_success: at most 1 webhooks, not 2");
    }
}
