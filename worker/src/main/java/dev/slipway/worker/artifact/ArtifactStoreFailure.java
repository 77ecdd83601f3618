package dev.slipway.worker.artifact;

/**
 * The artifact store, or the runner's own disk, failed an artifact transfer: the store could not be
 * read or written, a local temporary directory could not be made, or a stored blob is not what its
 * record says (missing, another size, another SHA-256: a corrupted store, whose bytes are never
 * handed on). Never the build's fault: an infrastructure failure, like {@link
 * dev.slipway.worker.ssh.SshFailure}, and not a {@link dev.slipway.worker.ssh.TransferRefused}. The
 * message names the artifact and its build.
 *
 * <p>Unchecked, as {@link java.io.UncheckedIOException} is: a caller that does not catch it treats
 * it as any unexpected runner error. {@link ArtifactTransfers} declares it all the same.
 */
public final class ArtifactStoreFailure extends RuntimeException {

  public ArtifactStoreFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
