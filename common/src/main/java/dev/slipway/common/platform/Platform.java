package dev.slipway.common.platform;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The operating system family of a build host. It decides which {@link Shell} Slipway writes its
 * SSH commands for: linux and macos run them through a POSIX shell, windows through PowerShell on
 * OpenSSH for Windows.
 */
public enum Platform {
  LINUX("linux", PosixShell.INSTANCE),
  MACOS("macos", PosixShell.INSTANCE),
  WINDOWS("windows", PowerShell.INSTANCE);

  private final String wireName;
  private final Shell shell;

  Platform(String wireName, Shell shell) {
    this.wireName = wireName;
    this.shell = shell;
  }

  /** The name used in plans, events and the REST API. */
  public String wireName() {
    return wireName;
  }

  /** The shell this platform's build hosts run SSH commands in. */
  public Shell shell() {
    return shell;
  }

  /**
   * The platform with this {@link #wireName() wire name}.
   *
   * @throws IllegalArgumentException naming the allowed values when there is none
   */
  public static Platform of(String wireName) {
    for (Platform platform : values()) {
      if (platform.wireName.equals(wireName)) {
        return platform;
      }
    }
    throw new IllegalArgumentException(
        "unknown platform '"
            + wireName
            + "' (allowed: "
            + Arrays.stream(values()).map(Platform::wireName).collect(Collectors.joining(", "))
            + ")");
  }
}
