package dev.veil.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ContainerEngineConditionTest {

  @Test
  void ciIsOnForTheUsualTruthyValues() {
    assertThat(ContainerEngineCondition.isCi("true")).isTrue();
    assertThat(ContainerEngineCondition.isCi("1")).isTrue();
    assertThat(ContainerEngineCondition.isCi(null)).isFalse();
    assertThat(ContainerEngineCondition.isCi("")).isFalse();
    assertThat(ContainerEngineCondition.isCi("false")).isFalse();
    assertThat(ContainerEngineCondition.isCi("0")).isFalse();
  }
}
