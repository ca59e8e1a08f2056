package dev.veil.model.id;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdsTest {

  @Test
  void publicExposeIdMatchesTheReferenceVector() {
    assertThat(ExposeIds.publicId(0, 80, "7kJ3fYqz5wUeQzv9Zr2dW1bXpM8sN4tHcLgA6yVnE2Ru"))
        .isEqualTo("3ng4xrsurZ63PvAD92d7TwPoprnwymtYdAzHudiKPq75");
  }

  @Test
  void publicExposeIdDependsOnOpPortAndJob() {
    String job = "7kJ3fYqz5wUeQzv9Zr2dW1bXpM8sN4tHcLgA6yVnE2Ru";
    assertThat(Set.of(ExposeIds.publicId(0, 80, job), ExposeIds.publicId(1, 80, job),
        ExposeIds.publicId(0, 81, job), ExposeIds.publicId(0, 80, job + "x"))).hasSize(4);
  }

  @Test
  void privateExposeIdsCarry256RandomBitsAndDoNotRepeat() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      String id = ExposeIds.privateId();
      assertThat(Base58.decode(id, 32)).isPresent();
      assertThat(seen.add(id)).isTrue();
    }
  }

  @Test
  void randomIdsAreWellFormedAndOthersAreNot() {
    assertThat(RandomIds.isWellFormed(RandomIds.next())).isTrue();
    assertThat(RandomIds.isWellFormed("3ng4xrsurZ63PvAD92d7TwPoprnwymtYdAzHudiKPq75")).isTrue();
    assertThat(RandomIds.isWellFormed("0OIl")).isFalse();           // not the alphabet
    assertThat(RandomIds.isWellFormed("abc")).isFalse();            // too short
    assertThat(RandomIds.isWellFormed("z".repeat(500))).isFalse();  // too long, refused cheaply
    assertThat(RandomIds.isWellFormed(null)).isFalse();
    assertThat(RandomIds.isWellFormed("")).isFalse();
  }

  @Test
  void base58RoundTripsIncludingLeadingZeros() {
    byte[] bytes = {0, 0, 1, 2, (byte) 255};
    String text = Base58.encode(bytes);
    assertThat(text).startsWith("11");
    assertThat(Base58.decode(text)).hasValueSatisfying(back -> assertThat(back).containsExactly(bytes));
    assertThat(Base58.encode(new byte[0])).isEmpty();
    assertThat(Base58.encode("hello world".getBytes())).isEqualTo("StV1DL6CwTryKyV");
  }

  @Test
  void base58DigitsAreTheBitcoinAlphabetAndNothingElse() {
    String alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    for (char c = 0; c < 512; c++) {
      assertThat(Base58.isDigit(c)).as("%s (%d)", c, (int) c).isEqualTo(alphabet.indexOf(c) >= 0);
    }
  }
}
