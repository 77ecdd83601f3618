package dev.slipway.worker.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.slipway.stack.SshTestHost;
import dev.slipway.worker.ssh.HostConnection;
import dev.slipway.worker.ssh.SshFailure;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;

/** A credential's private key is parsed once, and again when the credential changes. */
class ParsedKeysTest {

  private final HostDirectory directory = new HostDirectory();
  private final HostConnection host =
      new HostConnection("host-1", "127.0.0.1", 22, "build", "cred-1", null, "linux");

  @Test
  void theSameKeyTextIsParsedOnceAndAnEditedCredentialAnew() throws SshFailure {
    String pem = SshTestHost.generatePrivateKeyPem();
    KeyPair first = key(pem);

    assertSame(first, key(pem));
    KeyPair edited = key(SshTestHost.generatePrivateKeyPem());
    assertNotEquals(first.getPublic(), edited.getPublic());
  }

  @Test
  void onlyTheMostRecentlyUsedKeysAreKept() throws SshFailure {
    String kept = SshTestHost.generatePrivateKeyPem();
    String dropped = SshTestHost.generatePrivateKeyPem();
    KeyPair keptKey = key(kept);
    KeyPair droppedKey = key(dropped);
    for (int i = 0; i < HostDirectory.PARSED_KEYS; i++) {
      key(SshTestHost.generatePrivateKeyPem());
      key(kept); // used again each time: never the eldest
    }
    assertSame(keptKey, key(kept));
    assertNotSame(droppedKey, key(dropped), "parsed again once it was dropped");
  }

  @Test
  void anUnreadableKeyFailsEveryTime() {
    for (int i = 0; i < 2; i++) {
      SshFailure failure = assertThrows(SshFailure.class, () -> key("not a key"));
      assertEquals(SshFailure.Kind.CREDENTIAL_MISSING, failure.kind());
    }
  }

  private KeyPair key(String pem) throws SshFailure {
    return directory.login(new HostDirectory.Reach(host, pem, null)).keyPair();
  }
}
