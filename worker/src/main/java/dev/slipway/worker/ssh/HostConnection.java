package dev.slipway.worker.ssh;

/**
 * Where and how to reach a host resource. {@code hostKey} is the pinned OpenSSH public key line, or
 * null until first contact pins it. The private key is held only while connecting.
 */
public record HostConnection(
    String resourceId, String address, int port, String user, String credentialId, String hostKey) {

  public String describe() {
    return user + "@" + address + ":" + port;
  }
}
