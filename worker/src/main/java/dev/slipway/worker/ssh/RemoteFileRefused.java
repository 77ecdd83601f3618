package dev.slipway.worker.ssh;

import java.io.IOException;

/**
 * The host answered, but said no: no such file, permission denied, not a directory... {@code
 * reason} is the host's answer in short (an SFTP status name, or what the exec fallback found).
 */
public final class RemoteFileRefused extends IOException {

  private final String reason;

  public RemoteFileRefused(String reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }
}
