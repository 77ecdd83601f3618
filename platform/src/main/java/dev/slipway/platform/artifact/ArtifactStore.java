package dev.slipway.platform.artifact;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Where a build's artifacts are kept: one blob per (build, artifact name). A file artifact is kept
 * as it was; a directory artifact (a tree, or the matches of a glob) is kept as a tar. The runner
 * that ran an {@code upload-artifact} step puts it; the coordinator serves it and a runner reads it
 * for a {@code download-artifact} step, so every coordinator and runner must see the same store.
 * What is stored is recorded in the {@code artifacts} table ({@link Artifacts}); the store holds
 * only bytes.
 */
public interface ArtifactStore {

  /** What {@link #put} stored: its size in bytes and the SHA-256 (lower-case hex) of its bytes. */
  record Stored(long sizeBytes, String sha256) {}

  /**
   * Stores the local file {@code blob} (a file artifact's bytes or a directory artifact's tar) as
   * artifact {@code name} of build {@code buildId}, replacing one of that name; atomic: a reader
   * sees the old or the new blob, never part of one.
   */
  Stored put(String buildId, String name, Path blob) throws IOException;

  /**
   * The bytes of artifact {@code name} of build {@code buildId}.
   *
   * @throws java.nio.file.NoSuchFileException when the store holds no such blob
   */
  InputStream open(String buildId, String name) throws IOException;

  /** Removes every blob of build {@code buildId} (for retention); nothing when it has none. */
  void deleteBuild(String buildId) throws IOException;
}
