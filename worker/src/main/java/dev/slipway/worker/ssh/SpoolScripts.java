package dev.slipway.worker.ssh;

import dev.slipway.common.platform.Platform;
import dev.slipway.common.platform.PosixShell;
import dev.slipway.common.platform.Shell;

/**
 * The POSIX shell side of a command that outlives its runner. A command runs on the host in a spool
 * directory of its own, {@code <spool root>/<command id>}:
 *
 * <ul>
 *   <li>{@code mkdir} of that directory is the start marker, so a command is started at most once
 *       however many runners try;
 *   <li>the command runs in a new session ({@code setsid}, or perl's where there is none), so that
 *       its process group can be killed as a whole and nothing on the host depends on the SSH
 *       channel that started it;
 *   <li>a wrapper writes the group id to {@code pid}, stdout and stderr to {@code out} and {@code
 *       err}, and the exit status to {@code exit} (atomically, by rename) when the command ends; it
 *       survives TERM (it traps it) so that a killed command still gets its status written;
 *   <li>{@code boot} holds the id of the boot the command started in (Linux: {@code
 *       /proc/sys/kernel/random/boot_id}, read with shell builtins; macOS: {@code sysctl -n
 *       kern.bootsessionuuid}; elsewhere nothing is recorded). A spool on persistent disk outlives
 *       a reboot, and its {@code pid} may then be another process's: the kill, the liveness check
 *       and a re-attach compare it with the current boot's id first, and never signal across a
 *       reboot ({@link #REBOOTED}). Without a recorded or a current id they behave as before.
 * </ul>
 *
 * A runner follows {@code out}, {@code err} and {@code exit} over SFTP, from any offset; on a host
 * without usable SFTP it reads them with {@link #read} over exec channels. The starter ({@link
 * #start}) also runs {@code tail -f} on {@code out} and {@code err} with its stdout on the
 * starter's channel: a wake-up for the runner that started the command, sent as soon as the command
 * writes (tail waits with inotify or kqueue where it can, so nothing polls on the host), so that
 * output after a quiet spell is read at once instead of at the runner's next poll. Only tail writes
 * to the channel, never the command: a channel that dies takes tail with it (SIGPIPE), not the
 * command; where tail is missing or cannot follow two files, the runner's polls alone find the
 * output, as before.
 */
final class SpoolScripts {

  /** The files a command's spool directory holds. */
  static final java.util.List<String> FILES =
      java.util.List.of("out", "err", "pid", "boot", "exit", "exit.tmp");

  /** Exit status of {@link #start} when the command had been started before (attach instead). */
  static final int ALREADY_STARTED = 200;

  /** Exit status of {@link #start} when the spool directory cannot be made. */
  static final int NO_SPOOL = 201;

  /**
   * Exit status of {@link #kill}, {@link #alive} and {@link #started} when the host booted again
   * since the command started: nothing was signalled, and the command is lost.
   */
  static final int REBOOTED = 202;

  /**
   * Sets {@code b} to the current boot's id, empty when none can be read. On Linux only builtins
   * run ({@code sysctl} is for hosts without {@code /proc}); kern.boottime is not used, as it moves
   * when the clock is set.
   */
  private static final String BOOT_ID =
      """
      b=
      if [ -r /proc/sys/kernel/random/boot_id ]; then read -r b < /proc/sys/kernel/random/boot_id
      elif [ ! -d /proc/sys/kernel ] && command -v sysctl > /dev/null 2>&1; then
        b=$(sysctl -n kern.bootsessionuuid 2> /dev/null)
      fi
      """;

  /** Exits {@link #REBOOTED} when spool {@code $D} records a boot id other than the current one. */
  private static final String SAME_BOOT =
      BOOT_ID
          + """
          r=
          [ ! -f "$D/boot" ] || read -r r < "$D/boot"
          [ -z "$r" ] || [ -z "$b" ] || [ "$r" = "$b" ] || exit REBOOTED
          """
              .replace("REBOOTED", Integer.toString(REBOOTED));

  private static final Shell SH = Platform.LINUX.shell();

  private static final String WRAPPER =
      """
      echo $$ > "$1/pid"
      trap : HUP INT TERM
      if [ -f "$1/env" ]; then . "$1/env"; rm -f "$1/env"; fi
      /bin/sh -c "$2" > "$1/out" 2> "$1/err" < /dev/null
      c=$?
      echo $c > "$1/exit.tmp" && mv "$1/exit.tmp" "$1/exit"
      exit $c""";

  private static final String START =
      """
      D=$1 S=$2
      mkdir -p "${D%/*}" || exit 201
      mkdir "$D" 2>/dev/null || exit 200
      if [ "$3" = 1 ]; then (umask 077 && cat > "$D/env") || exit 201; fi
      BOOT_ID\
      [ -z "$b" ] || printf '%s\\n' "$b" > "$D/boot"
      if command -v setsid > /dev/null 2>&1; then set -- setsid
      else set -- perl -MPOSIX -e 'POSIX::setsid(); exec @ARGV'; fi
      : > "$D/out"; : > "$D/err"
      "$@" /bin/sh -c WRAPPER slipway-command "$D" "$S" < /dev/null > /dev/null 2>&1 &
      c=$!
      tail -n 0 -f "$D/out" "$D/err" < /dev/null 2> /dev/null &
      t=$!
      trap 'kill $t 2> /dev/null; trap - HUP INT TERM; kill -TERM $$' HUP INT TERM
      wait $c
      s=$?
      kill $t 2> /dev/null
      exit $s"""
          .replace("WRAPPER", SH.quote(WRAPPER))
          .replace("BOOT_ID", BOOT_ID);

  private static final String KILL =
      """
      D=$1 g=$2 i=0
      SAME_BOOT\
      while [ ! -s "$D/pid" ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done
      read p < "$D/pid" || exit 0
      kill -TERM -$p 2> /dev/null || exit 0
      i=0
      while kill -0 -$p 2> /dev/null && [ $i -lt $((g*10)) ]; do sleep 0.1; i=$((i+1)); done
      kill -KILL -$p 2> /dev/null
      exit 0"""
          .replace("SAME_BOOT", SAME_BOOT);

  private static final String ALIVE =
      "D=$1\n"
          + SAME_BOOT
          + """
          read p < "$D/pid" 2> /dev/null || exit 2
          kill -0 -$p 2> /dev/null""";

  private static final String STARTED = "D=$1\n[ -d \"$D\" ] || exit 1\n" + SAME_BOOT + "exit 0";

  private static final String LIST =
      """
      R=$1 m=$2
      cd "$R" 2> /dev/null || exit 0
      for d in *; do if [ -d "$d" ]; then printf '%s\\n' "$d"; fi; done
      printf -- '--\\n'
      find . -mindepth 1 -maxdepth 1 -type d -mmin +$m -print
      exit 0""";

  private static final String SWEEP =
      """
      R=$1
      shift
      BOOT_ID\
      for n in "$@"; do
        D=$R/$n
        [ -d "$D" ] || continue
        if [ ! -f "$D/exit" ]; then
          r=
          [ ! -f "$D/boot" ] || read -r r < "$D/boot"
          p=
          [ ! -s "$D/pid" ] || read -r p < "$D/pid"
          if [ -z "$r" ] || [ -z "$b" ] || [ "$r" = "$b" ]; then
            if [ -n "$p" ] && kill -0 -$p 2> /dev/null; then continue; fi
          fi
        fi
        rm -rf -- "$D" && printf '%s\\n' "$n"
      done
      exit 0"""
          .replace("BOOT_ID", BOOT_ID);

  private static final String READ =
      """
      D=$1 x=$(cat "$D/exit" 2> /dev/null)
      [ -n "$x" ] || x=-
      printf '%s\\n' "$x"
      if [ -f "$D/out" ]; then tail -c +$(($2+1)) "$D/out" | head -c $4; fi
      if [ -f "$D/err" ]; then tail -c +$(($3+1)) "$D/err" | head -c $4 >&2; fi
      exit 0""";

  /** Exit status of {@link #alive} when the command's group is gone. */
  static final int GONE = 1;

  /** Exit status of {@link #alive} when the wrapper has not yet written the group id. */
  static final int NO_PID = 2;

  private SpoolScripts() {}

  /**
   * Starts {@code script} in spool directory {@code dir} unless it was started before, and waits
   * for it: the channel's exit status is the command's, or {@link #ALREADY_STARTED}. Meanwhile its
   * stdout carries a copy of what the command writes to {@code out} and {@code err} (with tail's
   * file headers), only to wake the runner: the spool files stay the record. The tail ends with the
   * command, or with the starter when the starter is hung up on or terminated. With {@code
   * secretsOnStdin}, the starter's standard input ({@code export NAME='value'} lines) goes to
   * {@code env} in the spool directory (mode 0600), which the wrapper sources and deletes first
   * thing.
   */
  static String start(String dir, String script, boolean secretsOnStdin) {
    return call(START, dir, script, secretsOnStdin ? "1" : "0");
  }

  /**
   * Kills the command's process group: TERM, then KILL after {@code graceSeconds}; exits {@link
   * #REBOOTED} without signalling anything when the host booted again since the command started.
   */
  static String kill(String dir, long graceSeconds) {
    return call(KILL, dir, Long.toString(graceSeconds));
  }

  /**
   * Exits 0 while any process of the command's group is alive, else {@link #GONE}, {@link #NO_PID}
   * or {@link #REBOOTED}.
   */
  static String alive(String dir) {
    return call(ALIVE, dir);
  }

  /**
   * Prints the exit status (or {@code -}) and a newline, then at most {@code max} bytes of {@code
   * out} from {@code stdoutFrom}; and on stderr at most {@code max} bytes of {@code err} from
   * {@code stderrFrom}. The exit status is read first, so once it shows, what follows holds all
   * output up to the offsets plus {@code max}.
   */
  static String read(String dir, long stdoutFrom, long stderrFrom, int max) {
    return call(
        READ, dir, Long.toString(stdoutFrom), Long.toString(stderrFrom), Integer.toString(max));
  }

  /**
   * Exits 0 when the spool directory exists (the command was started), {@link #REBOOTED} when it
   * was started in an earlier boot of the host, else 1.
   */
  static String started(String dir) {
    return call(STARTED, dir);
  }

  /**
   * Prints the names of the directories in spool root {@code root} (one a line), a line {@code --},
   * then those not written to for more than {@code minutes} as {@code ./NAME}. Prints nothing when
   * there is no spool root.
   */
  static String list(String root, long minutes) {
    return call(LIST, root, Long.toString(minutes));
  }

  /**
   * Removes the spool directories of {@code commandIds} under {@code root} that no process of their
   * command can still use: its exit status was written, or its process group is gone (or was of an
   * earlier boot of the host). Prints the ids of those removed, one a line.
   */
  static String sweep(String root, java.util.List<String> commandIds) {
    String[] args = new String[commandIds.size() + 1];
    args[0] = root;
    for (int i = 0; i < commandIds.size(); i++) {
      args[i + 1] = commandIds.get(i);
    }
    return call(SWEEP, args);
  }

  /** Removes the spool directory. */
  static String remove(String dir) {
    return "rm -rf -- " + SH.quote(dir);
  }

  private static String call(String body, String... args) {
    return PosixShell.callScript(body, "slipway", args);
  }
}
