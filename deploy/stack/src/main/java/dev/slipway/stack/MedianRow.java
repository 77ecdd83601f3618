package dev.slipway.stack;

import java.util.Arrays;

/** One row of a benchmark's table: what was timed, its median and maximum in ms, and how many. */
public final class MedianRow {

  private MedianRow() {}

  /** Prints the row ({@code what} padded to {@code width}); returns the median in ms. */
  public static double print(String what, int width, long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    double median = sorted[sorted.length / 2] / 1e6;
    System.out.printf(
        "%-" + width + "s %9.1f %9.1f %4d%n",
        what,
        median,
        sorted[sorted.length - 1] / 1e6,
        nanos.length);
    return median;
  }
}
