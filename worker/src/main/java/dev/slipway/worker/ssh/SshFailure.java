package dev.slipway.worker.ssh;

/** Why a host could not run a command; every kind has its own clear message. */
public final class SshFailure extends Exception {

  /** Failure classes; all of them are infrastructure failures, not the command's. */
  public enum Kind {
    UNREACHABLE("host unreachable"),
    AUTH_FAILED("authentication failed"),
    HOST_KEY_MISMATCH("host key mismatch"),
    CONNECTION_LOST("connection lost"),
    CREDENTIAL_MISSING("credential missing");

    private final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  private final Kind kind;

  public SshFailure(Kind kind, String detail, Throwable cause) {
    super(kind.label + ": " + detail, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
