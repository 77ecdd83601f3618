package dev.slipway.worker.workingcopy;

import dev.slipway.common.git.GitRefs;
import dev.slipway.common.platform.PosixShell;
import java.nio.charset.StandardCharsets;

/**
 * The git side of working copies on POSIX hosts, as scripts for the command interface. A host keeps
 * one bare mirror per repository; a working copy is cloned from that mirror (local and fast, then
 * its {@code origin} points at the repository) and recycled, so that a build rarely clones from
 * scratch: when a lease ends, {@link #clean} resets it ({@code reset --hard}, {@code clean -ffdx});
 * when the next lease takes it, {@link #checkout} fetches from the mirror, checks out the ref
 * ({@code checkout --force}: tracked files as committed; a {@code reset --hard} after it would
 * change nothing and cost a third pass over every file) and cleans again, for whatever a process
 * the last build left behind wrote since. Every value is passed as a quoted argument, never spliced
 * into the script text. A ref that is a full commit id already in the copy (or the mirror) is not
 * fetched again: that commit cannot have changed, and neither the repository nor its credential is
 * needed.
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
      export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_TERMINAL_PROMPT=0 \\
        GIT_NO_REPLACE_OBJECTS=1
      export GIT_CONFIG_COUNT=3 GIT_CONFIG_KEY_0=core.hooksPath GIT_CONFIG_VALUE_0=/dev/null \\
        GIT_CONFIG_KEY_1=core.fsmonitor GIT_CONFIG_VALUE_1=false \\
        GIT_CONFIG_KEY_2=credential.helper GIT_CONFIG_VALUE_2=
      """;

  /**
   * {@code own_config}: rewrites a repository's config as Slipway wrote it, the remote's URL being
   * {@code $Q}, whatever a build changed in it since.
   */
  private static final String OWN_CONFIG =
      """
      # $1 its git directory, $2 bare (true|false), $3 fetch refspec, $4 "mirror = true" or ""
      # (left as it is when it already is exactly that: no process is started then)
      own_config() {
        OF= HAVE=
        while IFS= read -r l; do
          case $l in *objectformat*sha256*) OF=sha256 ;; esac
          HAVE="$HAVE$l
      "
        done < "$1/config" || true
        V=0
        [ -z "$OF" ] || V=1
        WANT="[core]
      repositoryformatversion = $V
      bare = $2
      ${OF:+[extensions]
      objectformat = sha256
      }[remote \\\"origin\\\"]
      url = $Q
      fetch = $3
      ${4:+$4
      }"
        [ "$HAVE" != "$WANT" ] || return 0
        printf '%s' "$WANT" > "$1/config.slipway"
        mv -f "$1/config.slipway" "$1/config"
      }
      """;

  private static final String CHECKOUT =
      SAFE_GIT
          + OWN_CONFIG
          + """
      set -e
      M=$1 D=$2 R=$3 REF=$4 K=$5 KIND=$6 U=$7 Q=$8 STALE=$9
      case $M in /*) ;; *) M=$PWD/$M ;; esac
      case $D in /*) ;; *) D=$PWD/$D ;; esac
      case $K in /* | "") ;; *) K=$PWD/$K ;; esac
      LOCKDIR=
      forget() {
        if [ -n "$K" ]; then rm -f "$K" "$K.askpass" "$K.known_hosts"; fi
      }
      finish() {
        forget
        if [ -n "$LOCKDIR" ]; then rmdir "$LOCKDIR"; fi
      }
      trap finish EXIT
      trap 'exit 129' HUP
      trap 'exit 130' INT
      trap 'exit 143' TERM
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
      # the repository's credential, only when the mirror must fetch: read from standard input (a
      # line with the server's host key or nothing, then the secret), written into a directory
      # only this user can read, which is swept of files a killed checkout left there
      credential() {
        [ -n "$K" ] || return 0
        P=${K%/*}
        if [ "$KIND" = ssh-private-key ]; then # ssh reads these in a path as quoting, expansions
          case $K in *'"'* | *'\\'* | *%* | *'${'*)
            echo 'slipway: ssh cannot use a key path with a ", a \\, a % or ${:' "$K" >&2
            exit 66 ;;
          esac
        fi
        { (umask 077 && mkdir -p "$P") && chmod 700 "$P"; } \\
          || { echo "slipway: could not make $P" >&2; exit 66; }
        find "$P" -type f -mmin +"$STALE" -exec rm -f {} + 2>/dev/null || true
        PIN=
        IFS= read -r PIN || true
        (umask 077 && cat > "$K") || { echo "slipway: could not write into $P" >&2; exit 66; }
        if [ "$KIND" = ssh-private-key ]; then
          if [ -n "$PIN" ]; then (umask 077 && printf '%s\n' "$PIN" > "$K.known_hosts"); fi
          # the paths reach ssh as quoted variables, never as text of the command git runs; ssh
          # reads no ssh_config (-F /dev/null): a build could have planted a ProxyCommand there
          export SLIPWAY_GIT_KEY="$K" SLIPWAY_GIT_KNOWN_HOSTS='"'"$K.known_hosts"'"'
          GIT_SSH_COMMAND='ssh -F /dev/null -i "$SLIPWAY_GIT_KEY" -o IdentitiesOnly=yes'
          GIT_SSH_COMMAND="$GIT_SSH_COMMAND"' -o BatchMode=yes -o StrictHostKeyChecking=accept-new'
          export GIT_SSH_COMMAND="$GIT_SSH_COMMAND"' -o UserKnownHostsFile="$SLIPWAY_GIT_KNOWN_HOSTS"'
        else
          (umask 077
           { echo '#!/bin/sh'
             echo 'case "$1" in Username*) echo "$SLIPWAY_GIT_USER" ;; *) cat "$SLIPWAY_GIT_TOKEN" ;; esac'
           } > "$K.askpass")
          chmod 700 "$K.askpass"
          export GIT_ASKPASS="$K.askpass" SLIPWAY_GIT_USER="$U" SLIPWAY_GIT_TOKEN="$K"
        fi
      }
      PINNED=
      case ${#REF} in 40|64) case $REF in *[!0-9a-f]*) ;; *) PINNED=1 ;; esac ;; esac
      # prints the commit when the ref is a commit id the repository at $1 already holds
      known() {
        [ -n "$PINNED" ] && git --git-dir="$1" rev-parse --verify --quiet "$REF^{commit}" 2>/dev/null
      }
      # takes the mirror's lock and makes it hold the ref: fetched from the repository (with the
      # credential) unless the ref is a commit id the mirror holds; the caller reads the mirror,
      # then unlocks it, so that no rebuild of the mirror happens under its feet
      lock_updated_mirror() {
        mkdir -p "${M%/*}"
        lock_mirror
        if [ -d "$M" ] && [ ! -L "$M" ] && known "$M" >/dev/null; then return; fi
        credential
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
        forget # only the mirror talks to the repository
        unset GIT_SSH_COMMAND SLIPWAY_GIT_KEY SLIPWAY_GIT_KNOWN_HOSTS GIT_ASKPASS SLIPWAY_GIT_TOKEN
      }
      G="--git-dir=$D/.git"
      WT="--work-tree=$D"
      C=
      NEW=
      AT=
      if [ -d "$D/.git" ] && [ ! -L "$D/.git" ]; then
        echo "slipway: recycling $D"
        own_config "$D/.git" false '+refs/heads/*:refs/remotes/origin/*' ''
        # a commit id the copy holds is checked out at once: nothing to fetch
        if [ -n "$PINNED" ] \\
          && git "$G" "$WT" checkout --quiet --force --detach "$REF^{commit}" 2>/dev/null; then
          C=$REF AT=1
        else
          lock_updated_mirror
          git "$G" -c uploadpack.allowAnySHA1InWant=true fetch --prune --progress "$M" \\
            '+refs/heads/*:refs/remotes/origin/*' '+refs/tags/*:refs/tags/*' ${PINNED:+"$REF"}
          unlock_mirror
        fi
      else
        echo "slipway: cloning $R into $D"
        NEW=1
        lock_updated_mirror
        rm -rf "$D"
        mkdir -p "${D%/*}"
        git clone --progress --no-checkout "$M" "$D"
        unlock_mirror
        own_config "$D/.git" false '+refs/heads/*:refs/remotes/origin/*' ''
      fi
      if [ -n "$PINNED" ] && [ -z "$AT" ]; then
        C=$(git "$G" rev-parse --verify --quiet "$REF^{commit}") \\
          || { echo "slipway: $REF names no commit of $R" >&2; exit 64; }
      elif [ -z "$AT" ]; then
        C=$(git "$G" rev-parse --verify --quiet "refs/remotes/origin/$REF^{commit}" \\
          || git "$G" rev-parse --verify --quiet "refs/tags/$REF^{commit}" \\
          || git "$G" rev-parse --verify --quiet "$REF^{commit}") \\
          || { echo "slipway: $REF names no commit of $R" >&2; exit 64; }
      fi
      # tracked files as committed; untracked and ignored ones gone (the copy was cleaned when it
      # was released: this only catches what was written into it since)
      if [ -z "$AT" ]; then git "$G" "$WT" checkout --quiet --force --detach "$C"; fi
      git "$G" "$WT" clean -ffdxq
      H=$(git "$G" rev-parse HEAD)
      if [ "$H" != "$C" ] && [ -n "$AT" ]; then # the id of a tag object: the commit it names
        C=$(git "$G" rev-parse --verify --quiet "$REF^{commit}")
      fi
      [ "$H" = "$C" ] || { echo "slipway: HEAD is $H, not $C" >&2; exit 65; }
      if [ -n "$NEW" ]; then echo "slipway: size $(du -sk "$D" | cut -f1) KiB"; fi
      echo "slipway: HEAD $H\"""";

  private static final String CLEAN =
      SAFE_GIT
          + OWN_CONFIG
          + """
      set -e
      D=$1 Q=$2
      [ -d "$D/.git" ] && [ ! -L "$D/.git" ] \\
        || { echo "slipway: $D has no .git directory of its own" >&2; exit 67; }
      # no filters, attributes or sparse patterns a build set up decide what the files become
      own_config "$D/.git" false '+refs/heads/*:refs/remotes/origin/*' ''
      rm -f "$D/.git/info/attributes" "$D/.git/info/sparse-checkout"
      git --git-dir="$D/.git" --work-tree="$D" reset --quiet --hard
      git --git-dir="$D/.git" --work-tree="$D" clean -ffdxq""";

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
   * How git reaches a repository that needs a credential: the script writes the secret, which it
   * reads from its standard input ({@link #credentialInput}), into {@code file} on the host (in a
   * directory only the SSH user can read, swept of files older than {@code sweepMinutes} that a
   * killed checkout left there), only when the mirror has to fetch, and deletes it as soon as the
   * mirror is updated, whatever happens. {@code kind} {@code ssh-private-key}: a deploy key for
   * {@code GIT_SSH_COMMAND}; {@code https-token}: answered to git's password prompt through {@code
   * GIT_ASKPASS}, with {@code httpsUser} as the user name.
   */
  public record Access(String file, String kind, String httpsUser, long sweepMinutes) {}

  /**
   * The standard input of a checkout with {@link Access}: the git server's host key to pin (null:
   * accepted on first use, for this checkout only), then the secret.
   */
  public static byte[] credentialInput(String serverHostKey, String secret) {
    String pin = serverHostKey == null ? "" : "* " + serverHostKey.strip();
    String text = secret.endsWith("\n") ? secret : secret + "\n";
    return (pin + "\n" + text).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * As {@link #checkout(String, String, String, String)}, with the credential of {@code access}
   * (null: none), given on standard input, in git's environment while the mirror fetches.
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
        configValue(repository),
        access == null ? "" : Long.toString(access.sweepMinutes()));
  }

  /**
   * Resets and cleans {@code dir}, a copy of {@code repository}: its config as Slipway wrote it,
   * tracked files as committed, untracked and ignored ones gone.
   */
  public static String clean(String dir, String repository) {
    return call(CLEAN, dir, configValue(repository));
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
