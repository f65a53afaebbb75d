package io.notebookjobs.storage;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import io.notebookjobs.testing.S3ProxyServer;

/** Staging against s3proxy, in this JVM: runs everywhere. */
class S3ProxyObjectStoreTest extends ObjectStoreContract {

    static S3ProxyServer server;

    @BeforeAll
    static void start() {
        server = S3ProxyServer.start();
        server.createBucket(BUCKET);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Override
    String endpoint() {
        return server.endpoint();
    }

    @Override
    String accessKey() {
        return S3ProxyServer.ACCESS_KEY;
    }

    @Override
    String secretKey() {
        return S3ProxyServer.SECRET_KEY;
    }
}
