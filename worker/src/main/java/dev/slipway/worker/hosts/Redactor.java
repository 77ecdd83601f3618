package dev.slipway.worker.hosts;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Masks registered secret values in command output before it leaves the runner: every occurrence of
 * a secret (of each line of a multi-line secret) is overwritten in place with {@code *}, byte for
 * byte, so that the output keeps its length and the byte offsets that re-attaching relies on stay
 * true. Output is cut into whole lines before it is masked, so a secret within a line is always
 * caught; values shorter than {@value #MIN_LENGTH} bytes are not masked (they would mask ordinary
 * text).
 */
final class Redactor {

  static final int MIN_LENGTH = 4;
  static final Redactor NONE = new Redactor(List.of());

  private final List<byte[]> secrets;

  private Redactor(List<byte[]> secrets) {
    this.secrets = secrets;
  }

  /** A redactor for {@code values}; null values are skipped. */
  static Redactor of(Collection<String> values) {
    Set<String> parts = new LinkedHashSet<>();
    for (String value : values) {
      if (value == null) {
        continue;
      }
      for (String line : value.split("\\R")) {
        String part = line.strip();
        if (part.getBytes(StandardCharsets.UTF_8).length >= MIN_LENGTH) {
          parts.add(part);
        }
      }
    }
    List<byte[]> secrets = new ArrayList<>();
    parts.forEach(p -> secrets.add(p.getBytes(StandardCharsets.UTF_8)));
    secrets.sort(Comparator.comparingInt((byte[] b) -> b.length).reversed());
    return new Redactor(List.copyOf(secrets));
  }

  /** Masks every secret in {@code bytes[0, length)} in place. */
  void redact(byte[] bytes, int length) {
    for (byte[] secret : secrets) {
      for (int at = indexOf(bytes, length, secret, 0);
          at >= 0;
          at = indexOf(bytes, length, secret, at + secret.length)) {
        for (int i = 0; i < secret.length; i++) {
          bytes[at + i] = '*';
        }
      }
    }
  }

  private static int indexOf(byte[] bytes, int length, byte[] secret, int from) {
    outer:
    for (int i = from; i <= length - secret.length; i++) {
      for (int j = 0; j < secret.length; j++) {
        if (bytes[i + j] != secret[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
