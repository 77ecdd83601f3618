package dev.slipway.worker.ssh;

import java.util.Map;

/** POSIX signal names by number, for exit statuses of 128 + n that a shell reports. */
final class Signals {

  private static final Map<Integer, String> NAMES =
      Map.ofEntries(
          Map.entry(1, "HUP"),
          Map.entry(2, "INT"),
          Map.entry(3, "QUIT"),
          Map.entry(4, "ILL"),
          Map.entry(6, "ABRT"),
          Map.entry(8, "FPE"),
          Map.entry(9, "KILL"),
          Map.entry(11, "SEGV"),
          Map.entry(13, "PIPE"),
          Map.entry(14, "ALRM"),
          Map.entry(15, "TERM"));

  private Signals() {}

  /** The signal's name, or null when the number is not a common one. */
  static String name(int number) {
    return NAMES.get(number);
  }
}
