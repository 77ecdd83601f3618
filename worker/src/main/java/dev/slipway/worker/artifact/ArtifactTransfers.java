package dev.slipway.worker.artifact;

import dev.slipway.platform.artifact.Artifact;
import dev.slipway.platform.artifact.ArtifactConfig;
import dev.slipway.platform.artifact.ArtifactStore;
import dev.slipway.platform.artifact.Artifacts;
import dev.slipway.worker.ssh.HostConnection;
import dev.slipway.worker.ssh.SshConnections;
import dev.slipway.worker.ssh.SshFailure;
import dev.slipway.worker.ssh.TransferRefused;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.security.KeyPair;
import java.util.function.BooleanSupplier;

/**
 * What a runner does for the artifact steps of a build, on a host it already logged in to ({@link
 * dev.slipway.worker.hosts.HostDirectory.Login}): {@link #upload} copies a file, a directory or a
 * glob's matches from the lease's directory into the {@link ArtifactStore} and records it in the
 * {@code artifacts} table; {@link #download} puts a recorded artifact into a lease's directory. The
 * copying itself, and what file, directory and glob mean, is {@link ArtifactCopies}.
 *
 * <p>All of a build's artifacts together may keep at most {@code
 * slipway.artifacts.max-bytes-per-build} bytes ({@link ArtifactConfig#maxBytesPerBuild()}; an
 * artifact replaced by an upload of the same name does not count against it). Two uploads of one
 * build at the same moment are each checked against what was recorded before them.
 *
 * <p>Failures: {@link TransferRefused} for what the build asked and Slipway will not do (a path
 * outside the working directory, a symbolic link, the limit, a glob without a match, an unknown
 * artifact, an unsafe tar entry, a name the host lists that is no file name); {@link SshFailure}
 * when the host cannot be reached or the connection is lost; {@link ArtifactStoreFailure} when the
 * store or the runner's disk fails, or a blob is not what its record says (the store is corrupt:
 * its bytes are never handed on).
 *
 * <p>Both take a {@code stop}: true once the copy is to stop (its command was aborted or passed its
 * deadline). It is asked once per directory entry and once per buffer of 64 KiB; when it says true
 * the copy throws {@link TransferRefused} with a message beginning {@code "stopped: "}, leaves no
 * record and no blob, and deletes its temporary files (an upload's files on the host are renamed
 * into place one by one, so a stopped download-artifact may have put some of its files).
 *
 * <p>Two runners may make the same copy at once (a takeover after a runner stopped sending
 * heartbeats while it still ran): a directory's tar is the same bytes from both, the store's put
 * and the record ({@link Artifacts#record}, an upsert) take the last, and on the host each file is
 * renamed into place whole.
 */
@ApplicationScoped
public class ArtifactTransfers {

  private final ArtifactCopies copies;
  private final Artifacts artifacts;
  private final ArtifactConfig config;

  @Inject
  ArtifactTransfers(
      SshConnections connections, ArtifactStore store, Artifacts artifacts, ArtifactConfig config) {
    this.copies = new ArtifactCopies(connections, store);
    this.artifacts = artifacts;
    this.config = config;
  }

  /**
   * Copies {@code base/path} from the host into the store as artifact {@code name} of build {@code
   * buildId} and records it (replacing an artifact of that name): a file as it is, a directory or
   * the matches of a glob as a tar (see {@link ArtifactCopies}). Nothing is stored or recorded when
   * it is refused or fails.
   *
   * @param base the lease's working directory on the host; null: the SSH user's home
   * @param path relative to {@code base}: a file, a directory, or a glob
   * @param stepName the upload-artifact step, as recorded
   * @param stop true once the copy is to stop (see the class comment)
   * @return the record
   */
  public Artifact upload(
      HostConnection host,
      KeyPair key,
      String base,
      String path,
      String buildId,
      String stepName,
      String name,
      BooleanSupplier stop)
      throws SshFailure, TransferRefused, ArtifactStoreFailure {
    long budget = config.maxBytesPerBuild() - artifacts.bytesOf(buildId, name);
    ArtifactCopies.Fetched fetched =
        copies.fetch(host, key, base(base), path, buildId, name, budget, stop);
    return artifacts.record(buildId, name, stepName, fetched.kind(), fetched.stored());
  }

  /**
   * Puts artifact {@code name} of build {@code buildId} onto the host at {@code base/target}: a
   * file artifact as that file, a directory artifact as that directory (made as needed; files in it
   * replaced). The bytes must match the recorded size and SHA-256.
   *
   * @param base the lease's working directory on the host; null: the SSH user's home
   * @param target relative to {@code base}; null or blank: the artifact's name
   * @param stop true once the copy is to stop (see the class comment)
   * @return a one-line summary, e.g. {@code downloaded artifact app.jar (1234 bytes, sha256
   *     ab12cd34ef56…) to build/app.jar}
   * @throws TransferRefused also when the build has no artifact {@code name}
   */
  public String download(
      HostConnection host,
      KeyPair key,
      String base,
      String buildId,
      String name,
      String target,
      BooleanSupplier stop)
      throws SshFailure, TransferRefused, ArtifactStoreFailure {
    Artifact artifact =
        artifacts
            .find(buildId, name)
            .orElseThrow(
                () ->
                    new TransferRefused(
                        "build '" + buildId + "' has no artifact '" + name + "' (yet)"));
    return copies.deliver(host, key, base(base), artifact, target, stop);
  }

  /** The base directory for SFTP: {@code "."} (the SSH user's home) for null. */
  private static String base(String base) {
    return base == null || base.isBlank() ? "." : base;
  }
}
