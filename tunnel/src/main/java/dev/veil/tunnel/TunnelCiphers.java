package dev.veil.tunnel;

import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.cipher.Cipher;

/**
 * The ciphers a tunnel offers, in order. SSH takes the first of the client's list the server
 * knows, so the agent's order decides. AES-GCM first: MINA runs it through the JDK's provider,
 * which uses the CPU's AES and carry-less multiply instructions; MINA's ChaCha20-Poly1305 (its
 * default, and OpenSSH's) is plain Java and carried half of OpenSSH's bytes per second where
 * AES-GCM carried more than OpenSSH (docs/benchmarks.md, "Tunnels"). Only AEAD and CTR modes.
 */
public final class TunnelCiphers {

  private TunnelCiphers() {}

  public static List<NamedFactory<Cipher>> preferred() {
    return new ArrayList<>(List.of(BuiltinCiphers.aes128gcm, BuiltinCiphers.aes256gcm, BuiltinCiphers.cc20p1305_openssh,
        BuiltinCiphers.aes128ctr, BuiltinCiphers.aes192ctr, BuiltinCiphers.aes256ctr));
  }
}
