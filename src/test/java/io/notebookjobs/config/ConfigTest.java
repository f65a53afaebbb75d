package io.notebookjobs.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

/** The prototype's environment variables keep working, and defaults are what the docs say. */
class ConfigTest {

    static NotebookJobsConfig fromEnvironment(Map<String, String> env) throws IOException {
        return new SmallRyeConfigBuilder()
                .withMapping(NotebookJobsConfig.class)
                .addDefaultInterceptors()
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new PropertiesConfigSource(ConfigTest.class.getResource("/application.properties"), 250))
                .withSources(new EnvConfigSource(env, 300))
                .build()
                .getConfigMapping(NotebookJobsConfig.class);
    }

    @Test
    void prototypeVariableNamesWork() throws IOException {
        NotebookJobsConfig config = fromEnvironment(Map.of(
                "S3_BUCKET", "notebooks",
                "S3_ENDPOINT_URL", "http://minio:9000",
                "AWS_DEFAULT_REGION", "eu-central-1",
                "K8S_NAMESPACE", "data-science",
                "K8S_IMAGE", "registry.example/executor:2",
                "K8S_IMAGE_PULL_POLICY", "Always",
                "K8S_SCHEDULING_TIMEOUT", "600"));
        assertThat(config.s3().bucket()).isEqualTo("notebooks");
        assertThat(config.s3().endpointUrl()).contains("http://minio:9000");
        assertThat(config.s3().region()).contains("eu-central-1");
        assertThat(config.kube().namespace()).isEqualTo("data-science");
        assertThat(config.environments().get("default").image()).isEqualTo("registry.example/executor:2");
        assertThat(config.kube().imagePullPolicy()).isEqualTo("Always");
        assertThat(config.kube().schedulingTimeout()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void awsRegionWinsOverTheDefaultRegionAndEveryKeyHasAVariable() throws IOException {
        NotebookJobsConfig config = fromEnvironment(Map.of("S3_BUCKET", "b", "AWS_REGION", "us-west-2",
                "AWS_DEFAULT_REGION", "eu-central-1", "NOTEBOOK_JOBS_RESOURCES_MAX_GPU", "8",
                "NOTEBOOK_JOBS_S3_PATH_STYLE", "true"));
        assertThat(config.s3().region()).contains("us-west-2");
        assertThat(config.resources().maxGpu()).isEqualTo(8);
        assertThat(config.s3().pathStyle()).isTrue();
    }

    @Test
    void defaults() throws IOException {
        NotebookJobsConfig config = fromEnvironment(Map.of("S3_BUCKET", "b"));
        assertThat(config.kube().namespace()).isEqualTo("default");
        assertThat(config.kube().schedulingTimeout()).isEqualTo(Duration.ofSeconds(300));
        assertThat(config.kube().gpu().resourceName()).isEqualTo("nvidia.com/gpu");
        assertThat(config.s3().endpointUrl()).isEmpty();
        assertThat(config.s3().credentialsSecret().name()).isEmpty();
        assertThat(config.resources().defaultCpu()).contains("1");
        assertThat(config.runtime().maxTimeout()).isEqualTo(Duration.ofDays(7));
        assertThat(config.limits().maxRecordSize().asLongValue()).isEqualTo(64 * 1024);
    }
}
