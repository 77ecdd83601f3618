package dev.slipway.worker.workingcopy;

import dev.slipway.common.platform.Platform;
import dev.slipway.common.platform.PosixShell;
import dev.slipway.common.platform.Shell;
import java.util.regex.Pattern;

/**
 * The git side of working copies on POSIX hosts, as scripts for the command interface. A host keeps
 * one bare mirror per repository; a working copy is cloned from that mirror (local and fast, then
 * its {@code origin} points at the repository) and recycled by fetching from the mirror, checking
 * out, resetting and cleaning, so that a build rarely clones from scratch. Every value is passed as
 * a quoted argument, never spliced into the script text.
 *
 * <p>What the scripts print for the build log: git's own progress, {@code slipway: cloning …} or
 * {@code slipway: recycling …}, and last {@code slipway: HEAD <commit>}. They exit 0 when the copy
 * holds exactly the commit asked for; {@link #UNKNOWN_REF} when the ref names no commit; anything
 * else means git failed and the copy is broken.
 */
public final class GitScripts {

  /** Exit status of {@link #checkout} when the ref names no commit of the repository. */
  public static final int UNKNOWN_REF = 64;

  private static final Shell SH = Platform.LINUX.shell();

  /** Branch and tag names, and commit ids: no leading '-', no "..", no spaces or control chars. */
  private static final Pattern REF = Pattern.compile("(?!-)(?!.*\\.\\.)[A-Za-z0-9._/+@-]{1,255}");

  private static final String CHECKOUT =
      """
      set -e
      M=$1 D=$2 R=$3 REF=$4
      if [ -d "$M" ]; then
        git --git-dir="$M" fetch --prune --quiet origin
      else
        mkdir -p "${M%/*}"
        git clone --mirror --quiet "$R" "$M"
      fi
      if [ -d "$D/.git" ]; then
        echo "slipway: recycling $D"
        git -C "$D" fetch --prune --progress "$M" \\
          '+refs/heads/*:refs/remotes/origin/*' '+refs/tags/*:refs/tags/*'
      else
        echo "slipway: cloning $R into $D"
        rm -rf "$D"
        mkdir -p "${D%/*}"
        git clone --progress --no-checkout "$M" "$D"
        git -C "$D" remote set-url origin "$R"
      fi
      C=$(git -C "$D" rev-parse --verify --quiet "refs/remotes/origin/$REF^{commit}" \\
        || git -C "$D" rev-parse --verify --quiet "refs/tags/$REF^{commit}" \\
        || git -C "$D" rev-parse --verify --quiet "$REF^{commit}") \\
        || { echo "slipway: $REF names no commit of $R" >&2; exit 64; }
      git -C "$D" checkout --quiet --force --detach "$C"
      git -C "$D" reset --quiet --hard "$C"
      git -C "$D" clean -ffdxq
      H=$(git -C "$D" rev-parse HEAD)
      [ "$H" = "$C" ] || { echo "slipway: HEAD is $H, not $C" >&2; exit 65; }
      echo "slipway: HEAD $H\"""";

  private static final String CLEAN =
      """
      set -e
      git -C "$1" reset --quiet --hard
      git -C "$1" clean -ffdxq""";

  private GitScripts() {}

  /**
   * Makes {@code dir} hold {@code repository} at {@code ref} (a commit id, branch or tag), through
   * the host's mirror at {@code mirror}.
   *
   * @throws IllegalArgumentException naming the ref when it is not a plain ref or commit id
   */
  public static String checkout(String mirror, String dir, String repository, String ref) {
    if (ref == null || !REF.matcher(ref).matches()) {
      throw new IllegalArgumentException("ref " + SH.quote(String.valueOf(ref)) + " is not valid");
    }
    return call(CHECKOUT, mirror, dir, repository, ref);
  }

  /** Resets and cleans {@code dir}: tracked files as committed, untracked and ignored ones gone. */
  public static String clean(String dir) {
    return call(CLEAN, dir);
  }

  private static String call(String body, String... args) {
    return PosixShell.callScript(body, "git", args);
  }
}
