package dev.veil.gateway.access;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The {@code veil-session} parameter found and taken out of a raw query, every other byte of it kept. */
class OwnerOnlyAccessQueryTest {

  @Test
  void theParameterIsFoundByItsDecodedNameAndTakenOutAlone() {
    assertThat(OwnerOnlyAccess.paramValues("a=1&veil-session=S1&b=2")).containsExactly("S1");
    assertThat(OwnerOnlyAccess.paramValues("veil%2Dsession=S2")).as("an encoded name").containsExactly("S2");
    assertThat(OwnerOnlyAccess.paramValues("veil-session")).containsExactly("");
    assertThat(OwnerOnlyAccess.paramValues("a=veil-session")).isEmpty();
    assertThat(OwnerOnlyAccess.paramValues(null)).isEmpty();

    assertThat(OwnerOnlyAccess.keptQuery("filter[a]=1&veil-session=S&q=%E2%9C%93+x")).isEqualTo("filter[a]=1&q=%E2%9C%93+x");
    assertThat(OwnerOnlyAccess.keptQuery("veil%2Dsession=S&x=%zz")).as("a malformed escape elsewhere is kept as it came")
        .isEqualTo("x=%zz");
    assertThat(OwnerOnlyAccess.keptQuery("veil-session=S")).isNull();
    assertThat(OwnerOnlyAccess.keptQuery("tab=2")).isEqualTo("tab=2");
  }
}
