package dev.slipway.coordinator.auth;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * On first start (no token at all), makes the admin token {@code bootstrap} so that someone can log
 * in: its secret comes from {@code SLIPWAY_BOOTSTRAP_TOKEN}, else from the bootstrap token file if
 * it exists, else it is generated and written to that file with mode 0600. The file's path is
 * logged, never the secret. Replicas starting together make one token: the check and the insert run
 * under a transaction-scoped advisory lock.
 */
@ApplicationScoped
public class TokenBootstrap {

  private static final Logger LOG = Logger.getLogger(TokenBootstrap.class);
  static final String NAME = "bootstrap";

  @Inject ApiTokens tokens;

  /**
   * {@code SLIPWAY_BOOTSTRAP_TOKEN}: the secret of the first admin token, if the operator chose.
   */
  @ConfigProperty(name = "slipway.bootstrap-token")
  Optional<String> bootstrapToken;

  /** {@code SLIPWAY_BOOTSTRAP_TOKEN_FILE}: where the bootstrap token is read from or written. */
  @ConfigProperty(
      name = "slipway.bootstrap-token-file",
      defaultValue = "${user.home}/.config/slipway/bootstrap-token")
  String bootstrapTokenFile;

  void onStart(@Observes StartupEvent event) {
    QuarkusTransaction.requiringNew().run(this::bootstrap);
  }

  private void bootstrap() {
    tokens
        .getEntityManager()
        .createNativeQuery("select pg_advisory_xact_lock(hashtext('slipway.token-bootstrap'))")
        .getSingleResult();
    if (tokens.count() > 0) {
      return;
    }
    Path file = Path.of(bootstrapTokenFile);
    String secret;
    String source;
    if (bootstrapToken.filter(t -> !t.isBlank()).isPresent()) {
      secret = bootstrapToken.get().trim();
      source = "SLIPWAY_BOOTSTRAP_TOKEN";
      if (!ApiTokens.isSecret(secret)) {
        throw new IllegalStateException(
            "SLIPWAY_BOOTSTRAP_TOKEN is not a Slipway token (slw_ and 43 base64url characters);"
                + " make one with: echo slw_$(head -c 32 /dev/urandom | basenc --base64url"
                + " | tr -d =)");
      }
    } else if (Files.isRegularFile(file)) {
      secret = read(file);
      source = file.toString();
      if (!ApiTokens.isSecret(secret)) {
        throw new IllegalStateException(
            "the bootstrap token file " + file + " does not hold a Slipway token");
      }
    } else {
      secret = ApiTokens.newSecret();
      write(file, secret);
      source = "a new secret written to " + file + " (mode 0600)";
    }
    tokens.create(NAME, Roles.ADMIN, null, Caller.SYSTEM, secret);
    LOG.infof("no API token existed: made admin token '%s' from %s", NAME, source);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the bootstrap token file " + file, e);
    }
  }

  private static void write(Path file, String secret) {
    try {
      Path dir = file.toAbsolutePath().getParent();
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(
            dir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, secret + "\n", StandardCharsets.UTF_8, StandardOpenOption.WRITE);
    } catch (FileAlreadyExistsException e) {
      throw new IllegalStateException(
          "the bootstrap token file " + file + " appeared meanwhile", e);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write the bootstrap token file "
              + file
              + "; set SLIPWAY_BOOTSTRAP_TOKEN_FILE to a writable path or SLIPWAY_BOOTSTRAP_TOKEN",
          e);
    }
  }
}
