package dev.slipway.coordinator.host;

import java.util.Map;

/**
 * {@code POST /api/v1/hosts}: a preallocated host. Give either {@code privateKey} (PEM; stored
 * encrypted, never echoed), with {@code privateKeyPassphrase} if the key is protected (stored
 * encrypted too), or the id of a stored credential. {@code hostKey} (an OpenSSH public key line)
 * pins the host key now; without it the key is pinned on first contact. {@code blueprint} names the
 * static-host blueprint it belongs to (default {@code static-host}; its config holds the
 * working-copy budget); {@code workingCopyRoot} is where its working copies are kept (default
 * {@code slipway.working-copies.default-root}, relative to the SSH user's home).
 */
public record HostRegistration(
    String name,
    String address,
    Integer port,
    String user,
    String privateKey,
    String privateKeyPassphrase,
    String credentialId,
    String hostKey,
    String platform,
    Map<String, String> attributes,
    Integer slots,
    String blueprint,
    String workingCopyRoot) {

  @Override
  public String toString() {
    return "HostRegistration[" + name + ", " + user + "@" + address + ":" + port + "]";
  }
}
