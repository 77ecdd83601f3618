package dev.slipway.platform.artifact;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * {@code slipway.artifacts.*}: where a build's artifacts are kept and how many bytes one build may
 * keep. Every coordinator and runner of one installation must see the same directory.
 */
@ConfigMapping(prefix = "slipway.artifacts")
public interface ArtifactConfig {

  /** The default of {@link #directory()}. */
  String DEFAULT_DIRECTORY = "${user.home}/.local/share/slipway/artifacts";

  /** The default of {@link #maxBytesPerBuild()}: 1 GiB. */
  long DEFAULT_MAX_BYTES_PER_BUILD = 1L << 30;

  /**
   * {@code slipway.artifacts.directory}: the directory of the {@link DirectoryArtifactStore}, which
   * keeps artifact {@code NAME} of build {@code ID} in {@code <directory>/ID/NAME}; default {@code
   * ${user.home}/.local/share/slipway/artifacts}. Created when the first artifact is stored; on a
   * POSIX file system what the store makes is its owner's only (directories {@code 0700}, blobs
   * {@code 0600}), so coordinators and runners must run as the same user (see {@link
   * DirectoryArtifactStore} for sharing it with a group).
   */
  @WithDefault(DEFAULT_DIRECTORY)
  String directory();

  /**
   * {@code slipway.artifacts.max-bytes-per-build}: the most bytes of artifacts one build may keep
   * in the store, all its artifacts together (a directory artifact counts as its tar); default 1
   * GiB (1073741824). An upload that would pass it is refused, and stores nothing.
   */
  @WithDefault("1073741824")
  long maxBytesPerBuild();
}
