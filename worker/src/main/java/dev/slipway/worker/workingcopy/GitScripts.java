package dev.slipway.worker.workingcopy;

import dev.slipway.common.git.GitRefs;
import dev.slipway.common.platform.PosixShell;

/**
 * The git side of working copies on POSIX hosts, as scripts for the command interface. A host keeps
 * one bare mirror per repository; a working copy is cloned from that mirror (local and fast, then
 * its {@code origin} points at the repository) and recycled by fetching from the mirror, checking
 * out, resetting and cleaning, so that a build rarely clones from scratch. Every value is passed as
 * a quoted argument, never spliced into the script text.
 *
 * <p>What the scripts print for the build log: git's own progress, {@code slipway: cloning …} or
 * {@code slipway: recycling …}, then {@code slipway: size <n> KiB} and last {@code slipway: HEAD
 * <commit>}. They exit 0 when the copy holds exactly the commit asked for; {@link #UNKNOWN_REF}
 * when the ref names no commit; anything else means git failed and the copy is broken.
 */
public final class GitScripts {

  /** Exit status of {@link #checkout} when the ref names no commit of the repository. */
  public static final int UNKNOWN_REF = 64;

  private static final String CHECKOUT =
      """
      set -e
      M=$1 D=$2 R=$3 REF=$4
      case $M in /*) ;; *) M=$PWD/$M ;; esac
      case $D in /*) ;; *) D=$PWD/$D ;; esac
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
      echo "slipway: size $(du -sk "$D" | cut -f1) KiB"
      echo "slipway: HEAD $H\"""";

  private static final String CLEAN =
      """
      set -e
      git -C "$1" reset --quiet --hard
      git -C "$1" clean -ffdxq""";

  private static final String REMOVE = "rm -rf -- \"$1\"";

  private GitScripts() {}

  /**
   * Makes {@code dir} hold {@code repository} at {@code ref} (a commit id, branch or tag), through
   * the host's mirror at {@code mirror}.
   *
   * @throws IllegalArgumentException naming the ref when it is not a plain ref or commit id
   */
  public static String checkout(String mirror, String dir, String repository, String ref) {
    String problem = GitRefs.refProblem(ref);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return call(CHECKOUT, mirror, dir, repository, ref);
  }

  /** Resets and cleans {@code dir}: tracked files as committed, untracked and ignored ones gone. */
  public static String clean(String dir) {
    return call(CLEAN, dir);
  }

  /** Deletes {@code dir} and everything in it. */
  public static String remove(String dir) {
    return call(REMOVE, dir);
  }

  private static String call(String body, String... args) {
    return PosixShell.callScript(body, "git", args);
  }
}
