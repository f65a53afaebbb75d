package io.notebookjobs.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.notebookjobs.api.ApiException;
import io.notebookjobs.testing.TestConfig;

class RuntimeParametersTest {

    private final ResourcePolicy policy = ResourcePolicy.from(TestConfig.load(Map.of()));

    @Test
    void readsBothSpellingsAndAppliesDefaults() {
        RunSettings plain = RuntimeParameters.parse(Map.of("cpu", "2", "memory", "4Gi", "gpu", 1), null, null, policy);
        assertThat(plain.cpu()).get().hasToString("2");
        assertThat(plain.memory()).get().hasToString("4Gi");
        assertThat(plain.gpu()).isEqualTo(1);

        RunSettings legacy = RuntimeParameters.parse(Map.of("k8s_cpu", "500m", "k8s_memory", "512Mi", "k8s_gpu", "2"),
                null, null, policy);
        assertThat(legacy.cpu()).get().hasToString("500m");
        assertThat(legacy.gpu()).isEqualTo(2);

        RunSettings defaults = RuntimeParameters.parse(Map.of("cpu", "", "k8s_memory", ""), null, null, policy);
        assertThat(defaults.cpu()).get().hasToString("1");
        assertThat(defaults.memory()).get().hasToString("2Gi");
        assertThat(defaults.gpu()).isZero();
        assertThat(defaults.timeout()).isEqualTo(Duration.ofHours(12));
        assertThat(defaults.maxRetries()).isZero();
    }

    @Test
    void sameValueUnderBothSpellingsIsFine() {
        assertThat(RuntimeParameters.parse(Map.of("cpu", "2", "k8s_cpu", "2"), null, null, policy).cpu()).isPresent();
    }

    @Test
    void environmentVariablesKeepTheirOrderAndAreMaskedInTheEcho() {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("env.B", "2");
        params.put("env.A", 1);
        params.put("profile", "gpu-large");
        RunSettings settings = RuntimeParameters.parse(params, null, null, policy);
        assertThat(settings.env()).containsExactly(Map.entry("B", "2"), Map.entry("A", "1"));
        assertThat(settings.echo()).containsEntry("env.B", "********").containsEntry("env.A", "********")
                .containsEntry("profile", "gpu-large");
    }

    @Test
    void timeoutAndRetriesComeFromTopLevelFieldsOrTheParameters() {
        assertThat(RuntimeParameters.parse(Map.of("timeout_seconds", "600"), null, null, policy).timeout())
                .isEqualTo(Duration.ofMinutes(10));
        assertThat(RuntimeParameters.parse(Map.of("timeout_seconds", "600"), 60, 2, policy))
                .satisfies(s -> assertThat(s.timeout()).isEqualTo(Duration.ofMinutes(1)))
                .satisfies(s -> assertThat(s.maxRetries()).isEqualTo(2));
    }

    @Test
    void nestedValuesAreRejected() {
        assertThatThrownBy(() -> RuntimeParameters.parse(Map.of("cpu", Map.of("a", 1)), null, null, policy))
                .isInstanceOf(ApiException.class)
                .hasMessage("runtime_environment_parameters.cpu: must be a string, number or boolean");
    }

    @Test
    void protectsTheExecutorsVariables() {
        assertThat(RuntimeParameters.isProtected("NBJ_WORK_DIR")).isTrue();
        assertThat(RuntimeParameters.isProtected("AWS_REGION")).isTrue();
        assertThat(RuntimeParameters.isProtected("JUPYTER_PATH")).isTrue();
        assertThat(RuntimeParameters.isProtected("PYTHONPATH")).isTrue();
        assertThat(RuntimeParameters.isProtected("MY_AWS_BUCKET")).isFalse();
        assertThat(RuntimeParameters.isProtected("HF_TOKEN")).isFalse();
    }
}
