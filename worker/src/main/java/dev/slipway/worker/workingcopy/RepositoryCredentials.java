package dev.slipway.worker.workingcopy;

import dev.slipway.common.platform.Platform;
import dev.slipway.common.platform.PosixShell;
import dev.slipway.platform.repository.GitRepositories;
import dev.slipway.platform.secrets.CredentialStore;
import dev.slipway.worker.ssh.HostConnection;
import dev.slipway.worker.ssh.SshConnections;
import dev.slipway.worker.ssh.SshFailure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.OutputStream;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * The credential a registered repository needs, for one git script: handed to the script on its
 * standard input, which writes it into a directory only the SSH user can read ({@code
 * <root>/credentials}, mode 700) only when the mirror must fetch, and deletes it right after;
 * Slipway deletes it again when the script did not end by itself (killed, timed out, connection
 * lost).
 */
@ApplicationScoped
public class RepositoryCredentials {

  private static final Duration SHORT = Duration.ofSeconds(30);

  private static final String FORGET = "rm -f -- \"$1\" \"$1.askpass\" \"$1.known_hosts\"";

  @Inject GitRepositories repositories;
  @Inject CredentialStore credentials;
  @Inject SshConnections ssh;
  @Inject WorkingCopyConfig config;

  /** A repository's decrypted credential, and the server host key to pin (or null). */
  public record Secret(String kind, String value, String httpsUser, String sshHostKey) {
    @Override
    public String toString() {
      return "Secret[" + kind + "]";
    }
  }

  /** The credential registered for {@code repository}, if any, read in the caller's transaction. */
  public Optional<Secret> of(String repository) {
    return repositories
        .byUri(repository)
        .flatMap(
            r ->
                credentials
                    .findByIdOptional(r.credentialId)
                    .map(
                        c ->
                            new Secret(
                                c.kind,
                                credentials.reveal(c.id).orElseThrow(),
                                r.httpsUser,
                                r.sshHostKey)));
  }

  /**
   * Where a checkout under {@code root} on a host may write {@code secret}: a new file of the
   * private directory, swept of files older than the longest a checkout may take.
   */
  public GitScripts.Access access(String root, Secret secret) {
    String dir = Platform.LINUX.shell().joinPath(root, "credentials");
    String file = Platform.LINUX.shell().joinPath(dir, UUID.randomUUID().toString());
    return new GitScripts.Access(
        file, secret.kind(), secret.httpsUser(), config.gitTimeout().toMinutes() + 1);
  }

  /** What a checkout reads on its standard input to write {@code secret}. */
  public static byte[] input(Secret secret) {
    return GitScripts.credentialInput(secret.sshHostKey(), secret.value());
  }

  /** Deletes what a checkout with {@code access} may have written and not deleted (killed). */
  public void forget(HostConnection host, KeyPair key, GitScripts.Access access) {
    try {
      ssh.exec(
          host,
          key,
          PosixShell.callScript(FORGET, "forget", access.file()),
          SHORT,
          OutputStream.nullOutputStream(),
          OutputStream.nullOutputStream());
    } catch (SshFailure e) {
      // the script's own trap deleted it unless the host went away mid-script
    }
  }
}
