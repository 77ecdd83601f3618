package dev.slipway.worker.ssh;

/**
 * Where and how to reach a host resource. {@code hostKey} is the pinned OpenSSH public key line, or
 * null until first contact pins it; {@code platform} is its {@code platform} attribute (linux,
 * macos, windows). The private key is held only while connecting.
 */
public record HostConnection(
    String resourceId,
    String address,
    int port,
    String user,
    String credentialId,
    String hostKey,
    String platform) {

  /** The same host under another resource id (its own pooled session). */
  public HostConnection withResourceId(String id) {
    return new HostConnection(id, address, port, user, credentialId, hostKey, platform);
  }

  public String describe() {
    return user + "@" + address + ":" + port;
  }
}
