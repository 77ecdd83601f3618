package dev.slipway.worker.workingcopy;

import dev.slipway.common.platform.Platform;
import dev.slipway.common.platform.PosixShell;
import dev.slipway.platform.repository.GitRepositories;
import dev.slipway.platform.secrets.CredentialStore;
import dev.slipway.worker.ssh.ExecResult;
import dev.slipway.worker.ssh.HostConnection;
import dev.slipway.worker.ssh.SshConnections;
import dev.slipway.worker.ssh.SshFailure;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * The credential a registered repository needs, placed on a host only for one git script: written
 * over SFTP into a directory only the SSH user can read ({@code <root>/credentials}, mode 700) and
 * deleted by the script when it ends, and again by Slipway after it in case the script was killed.
 */
@ApplicationScoped
public class RepositoryCredentials {

  private static final Duration SHORT = Duration.ofSeconds(30);

  /**
   * Makes the private directory, deletes what a checkout cut short by a dying worker left there
   * (files older than {@code $2} minutes), prints its absolute path.
   */
  private static final String PRIVATE_DIR =
      """
      set -e
      umask 077
      mkdir -p -- "$1"
      chmod 700 -- "$1"
      cd -- "$1"
      find . -type f -mmin +"$2" -exec rm -f {} + 2>/dev/null || true
      pwd -P""";

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

  /** The credential registered for {@code repository}, if any. */
  public Optional<Secret> of(String repository) {
    return QuarkusTransaction.requiringNew()
        .call(
            () ->
                repositories
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
                                            r.sshHostKey))));
  }

  /**
   * Writes {@code secret} into a new file of the private directory under {@code root} on the host.
   *
   * @return how the checkout script reaches it
   */
  public GitScripts.Access place(HostConnection host, KeyPair key, String root, Secret secret)
      throws SshFailure, IOException {
    String dir = Platform.LINUX.shell().joinPath(root, "credentials");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ExecResult made =
        ssh.exec(
            host, key, PosixShell.callScript(PRIVATE_DIR, "credentials", dir), SHORT, out, err);
    if (made.exitCode() == null || made.exitCode() != 0) {
      throw new IOException(
          "could not make "
              + dir
              + " on the host: "
              + err.toString(StandardCharsets.UTF_8).strip());
    }
    String file = out.toString(StandardCharsets.UTF_8).strip() + "/" + UUID.randomUUID();
    String text = secret.value().endsWith("\n") ? secret.value() : secret.value() + "\n";
    GitScripts.Access access = new GitScripts.Access(file, secret.kind(), secret.httpsUser());
    try {
      write(host, key, file, text);
      if (secret.sshHostKey() != null) {
        // the checkout's ssh reads it: any other key presented by the server is refused
        write(host, key, file + ".known_hosts", "* " + secret.sshHostKey() + "\n");
      }
    } catch (IOException | RuntimeException e) {
      forget(host, key, access); // a part may have been written
      throw e;
    }
    return access;
  }

  private void write(HostConnection host, KeyPair key, String file, String text)
      throws SshFailure, IOException {
    try (OutputStream written = ssh.sftp(host, key).write(file)) {
      written.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Deletes what {@link #place} wrote (the script normally has already). */
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
