package io.notebookjobs.storage;

import java.net.URI;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

import io.notebookjobs.config.NotebookJobsConfig;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3BaseClientBuilder;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.multipart.MultipartConfiguration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.transfer.s3.S3TransferManager;

/**
 * The AWS SDK clients, built from configuration: endpoint override and path-style access for
 * S3-compatible stores, the standard credential chain (environment, profile, web identity,
 * instance roles). Checksums are only sent where S3 requires them, because several
 * S3-compatible stores reject the SDK's newer default checksums.
 */
@ApplicationScoped
public class S3Clients {

    private static final long MIN_PART_SIZE = 8L * 1024 * 1024;

    private final NotebookJobsConfig.S3 config;
    private final AwsCredentialsProvider credentials = DefaultCredentialsProvider.builder().build();
    /** Looked up once: without configuration the chain may ask the instance metadata service. */
    private final Region region;

    public S3Clients(NotebookJobsConfig config) {
        this.config = config.s3();
        this.region = this.config.region().map(Region::of).orElseGet(S3Clients::regionFromChain);
    }

    @Produces
    @ApplicationScoped
    S3Client s3Client() {
        return common(S3Client.builder())
                .httpClientBuilder(Apache5HttpClient.builder().maxConnections(64))
                .build();
    }

    void close(@Disposes S3Client client) {
        client.close();
    }

    @Produces
    @ApplicationScoped
    S3AsyncClient s3AsyncClient() {
        long threshold = Math.max(config.multipartThreshold().asLongValue(), MIN_PART_SIZE);
        return common(S3AsyncClient.builder())
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(32))
                .multipartEnabled(true)
                .multipartConfiguration(MultipartConfiguration.builder()
                        .thresholdInBytes(threshold)
                        .minimumPartSizeInBytes(MIN_PART_SIZE)
                        .build())
                .build();
    }

    /** What the synchronous and the asynchronous client share: where, who, and how to address and checksum. */
    private <B extends S3BaseClientBuilder<B, ?>> B common(B builder) {
        builder.region(region)
                .credentialsProvider(credentials)
                .forcePathStyle(config.pathStyle())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        config.endpointUrl().map(URI::create).ifPresent(builder::endpointOverride);
        return builder;
    }

    void close(@Disposes S3AsyncClient client) {
        client.close();
    }

    @Produces
    @ApplicationScoped
    S3TransferManager transferManager(S3AsyncClient client) {
        return S3TransferManager.builder().s3Client(client).build();
    }

    void close(@Disposes S3TransferManager transferManager) {
        transferManager.close();
    }

    @Produces
    @ApplicationScoped
    S3Presigner presigner() {
        var builder = S3Presigner.builder()
                .region(region)
                .credentialsProvider(credentials)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(config.pathStyle()).build());
        config.publicEndpointUrl().or(config::endpointUrl).map(URI::create).ifPresent(builder::endpointOverride);
        return builder.build();
    }

    void close(@Disposes S3Presigner presigner) {
        presigner.close();
    }

    private static Region regionFromChain() {
        try {
            return Optional.ofNullable(new DefaultAwsRegionProviderChain().getRegion()).orElse(Region.US_EAST_1);
        } catch (RuntimeException e) {
            // No region anywhere: S3-compatible stores do not care, and AWS redirects.
            return Region.US_EAST_1;
        }
    }
}
