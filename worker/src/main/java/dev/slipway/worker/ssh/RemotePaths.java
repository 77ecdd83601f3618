package dev.slipway.worker.ssh;

import dev.slipway.common.platform.RelativePaths;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/** Remote paths of the transfer interface: relative to a base, and kept inside it. */
final class RemotePaths {

  static final int MAX_LINKS = 40;

  private RemotePaths() {}

  /**
   * The parts of {@code relative}, a {@code /}-separated path inside a base directory.
   *
   * @throws TransferRefused naming the path when it is absolute, empty, or has an empty, {@code .}
   *     or {@code ..} part, a backslash or NUL (which could name something outside the base)
   */
  static List<String> parts(String relative) throws TransferRefused {
    String problem = RelativePaths.problem(relative);
    if (problem != null) {
      throw new TransferRefused(problem);
    }
    return Arrays.asList(relative.split("/", -1));
  }

  /**
   * {@code root} joined with {@code parts}, every symbolic link on the way resolved by Slipway
   * itself (not every SFTP server resolves links in its realpath): a link that leads outside {@code
   * root} is refused, as is a chain of more than {@value #MAX_LINKS} links. Parts that do not exist
   * yet are appended as they are.
   */
  static String resolve(RemoteFiles sftp, String root, List<String> parts)
      throws IOException, TransferRefused {
    Deque<String> todo = new ArrayDeque<>(parts);
    String current = root;
    int links = 0;
    while (!todo.isEmpty()) {
      String part = todo.removeFirst();
      String candidate = current + "/" + part;
      RemoteFiles.Entry attributes = sftp.lstat(candidate);
      if (attributes == null || !attributes.isSymbolicLink()) {
        current = candidate;
        continue;
      }
      if (++links > MAX_LINKS) {
        throw new TransferRefused("'" + String.join("/", parts) + "' has too many links");
      }
      String target = sftp.readLink(candidate);
      List<String> within =
          within(root, normalize(target.startsWith("/") ? target : current + "/" + target));
      if (within == null) {
        throw new TransferRefused(
            "'"
                + String.join("/", parts)
                + "' leads through the link "
                + relative(root, candidate)
                + " to "
                + target
                + ", outside the working directory");
      }
      for (int k = within.size() - 1; k >= 0; k--) {
        todo.addFirst(within.get(k));
      }
      current = root;
    }
    return current;
  }

  /** An absolute path with {@code .} and {@code ..} parts worked out. */
  static String normalize(String absolute) {
    Deque<String> out = new ArrayDeque<>();
    for (String part : absolute.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        out.pollLast();
      } else {
        out.addLast(part);
      }
    }
    return "/" + String.join("/", out);
  }

  /** The parts of {@code path} below {@code root}, or null when it is not inside. */
  private static List<String> within(String root, String path) {
    if (path.equals(root)) {
      return List.of();
    }
    String prefix = root.endsWith("/") ? root : root + "/";
    if (!path.startsWith(prefix)) {
      return null;
    }
    return Arrays.asList(path.substring(prefix.length()).split("/"));
  }

  /** {@code path} as given below {@code root}, for messages. */
  static String relative(String root, String path) {
    return path.startsWith(root + "/") ? path.substring(root.length() + 1) : path;
  }
}
