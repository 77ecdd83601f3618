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
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * On first start (no valid admin token: the table is empty, or every admin token was revoked or has
 * expired), makes the admin token {@code bootstrap} so that someone can log in: its secret comes
 * from {@code SLIPWAY_BOOTSTRAP_TOKEN}, else from the bootstrap token file if it exists, else it is
 * generated and written to that file with mode 0600. The file's path is logged, never the secret. A
 * secret that was already used (its token revoked or expired) is not brought back. Replicas
 * starting together make one token: the check and the insert run under a transaction-scoped
 * advisory lock.
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
    QuarkusTransaction.requiringNew()
        .run(() -> bootstrap(bootstrapToken, Path.of(bootstrapTokenFile)));
  }

  /**
   * Makes the bootstrap token from {@code token}, else {@code file}, unless an admin token is
   * valid.
   */
  void bootstrap(Optional<String> token, Path file) {
    tokens
        .getEntityManager()
        .createNativeQuery("select pg_advisory_xact_lock(hashtext('slipway.token-bootstrap'))")
        .getSingleResult();
    if (tokens.count(
            "role = ?1 and revokedAt is null and (expiresAt is null or expiresAt > ?2)",
            Roles.ADMIN,
            Instant.now())
        > 0) {
      return;
    }
    String secret;
    String source;
    if (token.filter(t -> !t.isBlank()).isPresent()) {
      secret = token.get().trim();
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
    if (tokens.count("secretHash", ApiTokens.hash(secret)) > 0) {
      LOG.warnf(
          "no valid admin token exists, and the bootstrap token from %s was revoked or has"
              + " expired: give SLIPWAY_BOOTSTRAP_TOKEN a new token, or delete %s, and restart",
          source, file);
      return;
    }
    tokens.create(NAME, Roles.ADMIN, null, Caller.SYSTEM, secret);
    LOG.infof("no API token existed: made admin token '%s' from %s", NAME, source);
  }

  private static String read(Path file) {
    try {
      if (Files.isSymbolicLink(file)) {
        throw new IllegalStateException(
            "the bootstrap token file " + file + " is a symbolic link; give its real path");
      }
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
      if (mode.stream()
          .anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
        LOG.warnf(
            "the bootstrap token file %s can be read by others (%s): chmod 600 it",
            file, PosixFilePermissions.toString(mode));
      }
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
