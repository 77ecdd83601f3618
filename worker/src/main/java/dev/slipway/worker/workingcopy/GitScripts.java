package dev.slipway.worker.workingcopy;

import dev.slipway.common.git.GitRefs;
import dev.slipway.common.platform.PosixShell;

/**
 * The git side of working copies on POSIX hosts, as scripts for the command interface. A host keeps
 * one bare mirror per repository; a working copy is cloned from that mirror (local and fast, then
 * its {@code origin} points at the repository) and recycled by fetching from the mirror, checking
 * out, resetting and cleaning, so that a build rarely clones from scratch. Every value is passed as
 * a quoted argument, never spliced into the script text. A ref that is a full commit id already in
 * the mirror (or the copy) is not fetched again: that commit cannot have changed.
 *
 * <p>What the scripts print for the build log: git's own progress, {@code slipway: cloning …} or
 * {@code slipway: recycling …}, then for a new copy {@code slipway: size <n> KiB}, and last {@code
 * slipway: HEAD <commit>}. They exit 0 when the copy holds exactly the commit asked for; {@link
 * #UNKNOWN_REF} when the ref names no commit; anything else means git failed and the copy is
 * broken.
 */
public final class GitScripts {

  /** Exit status of {@link #checkout} when the ref names no commit of the repository. */
  public static final int UNKNOWN_REF = 64;

  /** Exit status of {@link #checkout} when the repository could not be fetched into the mirror. */
  public static final int REPOSITORY_UNREACHABLE = 66;

  /**
   * What every script runs git with: nothing a build could have written decides what git executes
   * (a build runs as the same user, in the copy): no system or user config, no hooks, no filesystem
   * monitor, no credential helper that could keep a token.
   */
  private static final String SAFE_GIT =
      """
      export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_TERMINAL_PROMPT=0
      export GIT_CONFIG_COUNT=3 GIT_CONFIG_KEY_0=core.hooksPath GIT_CONFIG_VALUE_0=/dev/null \\
        GIT_CONFIG_KEY_1=core.fsmonitor GIT_CONFIG_VALUE_1=false \\
        GIT_CONFIG_KEY_2=credential.helper GIT_CONFIG_VALUE_2=
      """;

  private static final String CHECKOUT =
      SAFE_GIT
          + """
      set -e
      M=$1 D=$2 R=$3 REF=$4 K=$5 KIND=$6 U=$7 Q=$8
      case $M in /*) ;; *) M=$PWD/$M ;; esac
      case $D in /*) ;; *) D=$PWD/$D ;; esac
      # a repository's own config as Slipway wrote it, whatever a build changed in it since:
      # $1 its git directory, $2 bare (true|false), $3 fetch refspec, $4 "mirror = true" or ""
      own_config() {
        OF=
        while IFS= read -r l; do case $l in *objectformat*sha256*) OF=sha256 ;; esac
        done < "$1/config" || true
        { echo '[core]'
          if [ -n "$OF" ]; then echo 'repositoryformatversion = 1'; else echo 'repositoryformatversion = 0'; fi
          echo "bare = $2"
          if [ -n "$OF" ]; then echo '[extensions]'; echo 'objectformat = sha256'; fi
          echo '[remote "origin"]'
          echo "url = $Q"
          echo "fetch = $3"
          if [ -n "$4" ]; then echo "$4"; fi
        } > "$1/config.slipway"
        mv -f "$1/config.slipway" "$1/config"
      }
      LOCKDIR=
      finish() {
        if [ -n "$K" ]; then rm -f "$K" "$K.askpass" "$K.known_hosts"; fi
        if [ -n "$LOCKDIR" ]; then rmdir "$LOCKDIR"; fi
      }
      trap finish EXIT
      # one update of a mirror at a time: flock where there is one, else a lock directory (macOS);
      # a lock directory left by a killed script is broken after 30 minutes
      lock_mirror() {
        if command -v flock >/dev/null; then
          exec 9>"$M.lock"
          flock -w 600 9 || { echo "slipway: $M stayed locked" >&2; exit 66; }
          return
        fi
        i=0
        until mkdir "$M.lockdir" 2>/dev/null; do
          i=$((i + 1))
          [ $i -lt 600 ] || { echo "slipway: $M stayed locked" >&2; exit 66; }
          if [ $((i % 30)) = 0 ] && [ -n "$(find "$M.lockdir" -maxdepth 0 -mmin +30)" ]; then
            rmdir "$M.lockdir" 2>/dev/null || true
          fi
          sleep 1
        done
        LOCKDIR="$M.lockdir"
      }
      unlock_mirror() {
        if [ -n "$LOCKDIR" ]; then rmdir "$LOCKDIR"; LOCKDIR=; else flock -u 9; fi
      }
      if [ -n "$K" ]; then
        chmod 600 "$K"
        if [ "$KIND" = ssh-private-key ]; then
          export GIT_SSH_COMMAND="ssh -i '$K' -o IdentitiesOnly=yes -o BatchMode=yes"
          GIT_SSH_COMMAND="$GIT_SSH_COMMAND -o StrictHostKeyChecking=accept-new"
          GIT_SSH_COMMAND="$GIT_SSH_COMMAND -o UserKnownHostsFile='$K.known_hosts'"
        else
          { echo '#!/bin/sh'
            echo 'case "$1" in Username*) echo "$SLIPWAY_GIT_USER" ;; *) cat "$SLIPWAY_GIT_TOKEN" ;; esac'
          } > "$K.askpass"
          chmod 700 "$K.askpass"
          export GIT_ASKPASS="$K.askpass" SLIPWAY_GIT_USER="$U" SLIPWAY_GIT_TOKEN="$K"
        fi
      fi
      PINNED=
      case ${#REF} in 40|64) case $REF in *[!0-9a-f]*) ;; *) PINNED=1 ;; esac ;; esac
      has() { [ -n "$PINNED" ] && git --git-dir="$1" cat-file -e "$REF^{commit}" 2>/dev/null; }
      mkdir -p "${M%/*}"
      if ! { [ -d "$M" ] && has "$M"; }; then
        lock_mirror
        if [ -d "$M" ] && [ ! -L "$M" ]; then
          own_config "$M" true '+refs/*:refs/*' 'mirror = true'
        fi
        if ! { [ -d "$M" ] && [ ! -L "$M" ] && git --git-dir="$M" fetch --prune --quiet origin; }
        then
          rm -rf "$M.new"
          git clone --mirror --quiet "$R" "$M.new" \\
            || { echo "slipway: could not fetch $R" >&2; exit 66; }
          rm -rf "$M"
          mv "$M.new" "$M"
        fi
        unlock_mirror
      fi
      if [ -n "$K" ]; then
        rm -f "$K" "$K.askpass" "$K.known_hosts" # only the mirror talks to the repository
        unset GIT_SSH_COMMAND GIT_ASKPASS SLIPWAY_GIT_TOKEN
      fi
      NEW=
      if [ -d "$D/.git" ] && [ ! -L "$D/.git" ]; then
        echo "slipway: recycling $D"
        own_config "$D/.git" false '+refs/heads/*:refs/remotes/origin/*' ''
        has "$D/.git" || git --git-dir="$D/.git" -c uploadpack.allowAnySHA1InWant=true \\
          fetch --prune --progress "$M" \\
          '+refs/heads/*:refs/remotes/origin/*' '+refs/tags/*:refs/tags/*' ${PINNED:+"$REF"}
      else
        echo "slipway: cloning $R into $D"
        NEW=1
        rm -rf "$D"
        mkdir -p "${D%/*}"
        git clone --progress --no-checkout "$M" "$D"
        own_config "$D/.git" false '+refs/heads/*:refs/remotes/origin/*' ''
      fi
      G="--git-dir=$D/.git"
      if [ -n "$PINNED" ]; then
        C=$(git "$G" rev-parse --verify --quiet "$REF^{commit}") \\
          || { echo "slipway: $REF names no commit of $R" >&2; exit 64; }
      else
        C=$(git "$G" rev-parse --verify --quiet "refs/remotes/origin/$REF^{commit}" \\
          || git "$G" rev-parse --verify --quiet "refs/tags/$REF^{commit}" \\
          || git "$G" rev-parse --verify --quiet "$REF^{commit}") \\
          || { echo "slipway: $REF names no commit of $R" >&2; exit 64; }
      fi
      git "$G" --work-tree="$D" checkout --quiet --force --detach "$C"
      git "$G" --work-tree="$D" reset --quiet --hard "$C"
      git "$G" --work-tree="$D" clean -ffdxq
      H=$(git "$G" rev-parse HEAD)
      [ "$H" = "$C" ] || { echo "slipway: HEAD is $H, not $C" >&2; exit 65; }
      if [ -n "$NEW" ]; then echo "slipway: size $(du -sk "$D" | cut -f1) KiB"; fi
      echo "slipway: HEAD $H\"""";

  private static final String CLEAN =
      SAFE_GIT
          + """
      set -e
      [ -d "$1/.git" ] && [ ! -L "$1/.git" ] \\
        || { echo "slipway: $1 has no .git directory of its own" >&2; exit 67; }
      git --git-dir="$1/.git" --work-tree="$1" reset --quiet --hard
      git --git-dir="$1/.git" --work-tree="$1" clean -ffdxq""";

  private static final String REMOVE = "rm -rf -- \"$1\"";

  private GitScripts() {}

  /**
   * Makes {@code dir} hold {@code repository} at {@code ref} (a commit id, branch or tag), through
   * the host's mirror at {@code mirror}.
   *
   * @throws IllegalArgumentException naming the ref when it is not a plain ref or commit id
   */
  public static String checkout(String mirror, String dir, String repository, String ref) {
    return checkout(mirror, dir, repository, ref, null);
  }

  /**
   * How git reaches a repository that needs a credential: the secret is in {@code file} on the host
   * (removed when the script ends, whatever happens), of credential {@code kind} ({@code
   * ssh-private-key}: a deploy key for {@code GIT_SSH_COMMAND}; {@code https-token}: answered to
   * git's password prompt through {@code GIT_ASKPASS}, with {@code httpsUser} as the user name). A
   * {@code <file>.known_hosts} beside a deploy key pins the server's host key; without it the key
   * is accepted on first use, for this checkout only.
   */
  public record Access(String file, String kind, String httpsUser) {}

  /**
   * As {@link #checkout(String, String, String, String)}, with the credential at {@code access}
   * (null: none) in git's environment while the script runs; it deletes the credential file when it
   * ends.
   */
  public static String checkout(
      String mirror, String dir, String repository, String ref, Access access) {
    String problem = GitRefs.refProblem(ref);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return call(
        CHECKOUT,
        mirror,
        dir,
        repository,
        ref,
        access == null ? "" : access.file(),
        access == null ? "" : access.kind(),
        access == null || access.httpsUser() == null ? "" : access.httpsUser(),
        configValue(repository));
  }

  /** Resets and cleans {@code dir}: tracked files as committed, untracked and ignored ones gone. */
  public static String clean(String dir) {
    return call(CLEAN, dir);
  }

  /** Deletes {@code dir} and everything in it. */
  public static String remove(String dir) {
    return call(REMOVE, dir);
  }

  /** {@code value} as a quoted value in a git config file. */
  static String configValue(String value) {
    return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  private static String call(String body, String... args) {
    return PosixShell.callScript(body, "git", args);
  }
}
