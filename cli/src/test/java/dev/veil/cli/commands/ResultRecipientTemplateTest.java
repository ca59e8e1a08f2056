package dev.veil.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.auth.Ed25519;
import dev.veil.model.job.JobDefinition;
import dev.veil.model.job.LogisticsType;
import dev.veil.model.json.VeilJson;
import dev.veil.model.sealing.Hpke;
import dev.veil.model.sealing.RecipientKey;
import dev.veil.model.validation.DefinitionRole;
import dev.veil.model.validation.JobDefinitionValidator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;

/** The template {@code veil job post} sends when it has a private result sealed to the client's key. */
class ResultRecipientTemplateTest {

  final KeyPair client = Ed25519.generate();
  final RecipientKey key = RecipientKey.signed(Ed25519.id(client.getPublic()), client.getPrivate(),
      Hpke.publicKey(Hpke.newPrivateKey()));

  @Test
  void aPrivateReceiveTemplateKeepsEverythingAndGainsTheKey() throws Exception {
    JobDefinition template = VeilJson.readJobFile(Files.readString(Path.of("..", "spec", "private-send-receive-template.json")));
    JobDefinition sent = JobCommand.withRecipient(template, key);

    assertThat(sent.resultRecipient()).isEqualTo(key);
    assertThat(sent.logistics().send()).isEqualTo(template.logistics().send());
    assertThat(sent.meta()).isEqualTo(template.meta());
    assertThat(JobDefinitionValidator.validate(sent, DefinitionRole.POSTED)).isEmpty();
  }

  @Test
  void aTemplateWhoseDefinitionReceivesPrivatelySaysSoToo() throws Exception {
    // The host holds the result if either says so, and seals to the template's key: so the template says so.
    JobDefinition template = VeilJson.readJobFile(Files.readString(Path.of("..", "spec", "private-send-template.json")));
    assertThat(template.receivesResultPrivately()).isFalse();

    JobDefinition sent = JobCommand.withRecipient(template, key);

    assertThat(sent.receivesResultPrivately()).isTrue();
    assertThat(sent.logistics().receive().type()).isEqualTo(LogisticsType.API_LISTEN);
    assertThat(sent.resultRecipient()).isEqualTo(key);
    assertThat(sent.logistics().send()).isEqualTo(template.logistics().send());
    assertThat(JobDefinitionValidator.validate(sent, DefinitionRole.POSTED)).isEmpty();
  }
}
