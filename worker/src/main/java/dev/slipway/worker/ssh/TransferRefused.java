package dev.slipway.worker.ssh;

/**
 * A transfer Slipway will not make: a path that leaves its base directory, a symbolic link, more
 * bytes than allowed, or a file the host refuses to give or take. The message names the path.
 */
public final class TransferRefused extends Exception {

  public TransferRefused(String message) {
    super(message);
  }
}
