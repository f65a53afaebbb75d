package io.notebookjobs.testing;

import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpServer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * What notifications reach in tests, for real: an SMTP server (GreenMail) and an HTTP server
 * standing in for two webhook receivers, {@code team} (our JSON, signed) and {@code chat} (a
 * Slack-style endpoint). Each receiver records what it got and answers what the test asks.
 */
public class NotificationReceivers implements QuarkusTestResourceLifecycleManager {

    public static final String WEBHOOK_SECRET = "test-webhook-signing-key";

    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface Inject {
    }

    /** One call a webhook receiver got. */
    public record Call(String path, Map<String, List<String>> headers, String body) {

        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    private GreenMail mail;
    private int smtpPort;
    private HttpServer http;
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final Deque<Integer> answers = new ConcurrentLinkedDeque<>();
    private volatile int defaultAnswer = 200;

    @Override
    public Map<String, String> start() {
        smtpPort = freePort();
        startMail();
        try {
            http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        http.createContext("/hooks/", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            calls.add(new Call(exchange.getRequestURI().getPath(), Map.copyOf(exchange.getRequestHeaders()),
                    new String(body, StandardCharsets.UTF_8)));
            Integer next = answers.poll();
            exchange.sendResponseHeaders(next != null ? next : defaultAnswer, -1);
            exchange.close();
        });
        http.start();
        String hooks = "http://127.0.0.1:" + http.getAddress().getPort() + "/hooks/";
        return Map.ofEntries(
                Map.entry("quarkus.mailer.mock", "false"),
                Map.entry("quarkus.mailer.host", "127.0.0.1"),
                Map.entry("quarkus.mailer.port", String.valueOf(smtpPort)),
                Map.entry("quarkus.mailer.start-tls", "DISABLED"),
                Map.entry("quarkus.mailer.tls", "false"),
                Map.entry("notebook-jobs.notifications.webhooks.team.url", hooks + "team"),
                Map.entry("notebook-jobs.notifications.webhooks.team.secret", WEBHOOK_SECRET),
                Map.entry("notebook-jobs.notifications.webhooks.chat.url", hooks + "chat"),
                Map.entry("notebook-jobs.notifications.webhooks.chat.format", "slack"),
                Map.entry("notebook-jobs.notifications.retry-delay", "30s"),
                Map.entry("notebook-jobs.notifications.max-attempts", "4"),
                Map.entry("notebook-jobs.notifications.job-url", "https://hub.example.org/jobs/{job_id}"));
    }

    private void startMail() {
        mail = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        mail.start();
    }

    /** The SMTP server goes away (mail cannot be delivered) until {@link #startMailServer()}. */
    public void stopMailServer() {
        mail.stop();
    }

    public void startMailServer() {
        startMail();
    }

    public GreenMail mail() {
        return mail;
    }

    /** Calls of the receiver at /hooks/{name}. */
    public List<Call> calls(String name) {
        return new ArrayList<>(calls.stream().filter(c -> c.path().equals("/hooks/" + name)).toList());
    }

    /** The next calls (any receiver) get these statuses, then the default. */
    public void answerNext(int... statuses) {
        for (int status : statuses) {
            answers.add(status);
        }
    }

    public void answerAlways(int status) {
        answers.clear();
        defaultAnswer = status;
    }

    public void reset() {
        calls.clear();
        answers.clear();
        defaultAnswer = 200;
        try {
            mail.purgeEmailFromAllMailboxes();
        } catch (com.icegreen.greenmail.store.FolderException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(this, new TestInjector.AnnotatedAndMatchesType(Inject.class, NotificationReceivers.class));
    }

    @Override
    public void stop() {
        if (http != null) {
            http.stop(0);
        }
        if (mail != null) {
            mail.stop();
        }
    }
}
