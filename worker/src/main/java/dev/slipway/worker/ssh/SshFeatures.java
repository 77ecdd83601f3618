package dev.slipway.worker.ssh;

/**
 * What a host's SSH server offers, as found at first contact on each pooled connection: whether its
 * SFTP subsystem can be used ({@code sftp}), whether the user's login shell prints something before
 * a command's own output ({@code loginBanner}: a {@code ~/.bashrc} that echoes; such a host gets no
 * SFTP, whose protocol the banner corrupts when sshd starts its server through that shell), and the
 * SSH user's home directory (null on a Windows host without SFTP). Without SFTP, everything is done
 * over exec channels (on POSIX hosts).
 */
public record SshFeatures(boolean sftp, boolean loginBanner, String home) {

  /** Told what a host offers, each time a new connection to it finds out. */
  @FunctionalInterface
  public interface Listener {
    void detected(HostConnection host, SshFeatures features);

    Listener NONE = (host, features) -> {};
  }
}
