package dev.veil.model.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.id.Base58;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;

class Ed25519Test {

  @Test
  void idIsTheBase58RawKeyAndParsesBack() {
    KeyPair pair = Ed25519.generate();
    String id = Ed25519.id(pair.getPublic());

    assertThat(Base58.decode(id, 32)).isPresent();
    assertThat(Ed25519.publicKey(id)).hasValueSatisfying(key -> assertThat(key.getEncoded()).isEqualTo(pair.getPublic().getEncoded()));
  }

  @Test
  void signaturesVerifyOnlyForTheSameKeyAndMessage() {
    KeyPair alice = Ed25519.generate();
    KeyPair mallory = Ed25519.generate();
    byte[] signature = Ed25519.sign(alice.getPrivate(), "hello".getBytes());

    assertThat(Ed25519.verify(alice.getPublic(), "hello".getBytes(), signature)).isTrue();
    assertThat(Ed25519.verify(alice.getPublic(), "hellO".getBytes(), signature)).isFalse();
    assertThat(Ed25519.verify(mallory.getPublic(), "hello".getBytes(), signature)).isFalse();
    assertThat(Ed25519.verify(alice.getPublic(), "hello".getBytes(), new byte[3])).isFalse();
  }

  @Test
  void malformedIdsAreNotKeys() {
    assertThat(Ed25519.publicKey("not-base58!")).isEmpty();
    assertThat(Ed25519.publicKey("abc")).isEmpty();
    assertThat(Ed25519.publicKey(null)).isEmpty();
  }
}
