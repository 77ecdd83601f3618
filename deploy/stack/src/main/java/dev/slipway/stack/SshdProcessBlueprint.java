package dev.slipway.stack;

import java.nio.file.Path;
import java.security.KeyPair;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The example script-host blueprint of {@code deploy/blueprints/sshd-process} as tests configure
 * it: its {@code scripts}, run with a {@code state} directory ({@code SLIPWAY_SSHD_STATE}) and a
 * {@code client} key pair whose public key the hosts they start authorize ({@code
 * SLIPWAY_SSHD_AUTHORIZED_KEY}).
 */
public record SshdProcessBlueprint(Path scripts, Path state, KeyPair client) {

  /** The example's scripts in the checkout whose root is {@code repository}. */
  public static Path scriptsIn(Path repository) {
    return repository.resolve("deploy/blueprints/sshd-process").toAbsolutePath().normalize();
  }

  /**
   * The config of a blueprint whose hosts offer {@code pool=<pool>}: the example's three scripts
   * (through {@link #wrapper}s), the shared credential {@code credentialId} (this client key's), 30
   * s to become ready. A map of its own, to add to.
   */
  public Map<String, Object> config(String credentialId, String pool) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("provision", wrapper("provision"));
    config.put("destroy", wrapper("destroy"));
    config.put("list", wrapper("list"));
    config.put("credentialId", credentialId);
    config.put("attributes", Map.of("pool", pool));
    config.put("timeouts", Map.of("ready", "30s"));
    return config;
  }

  /**
   * An inline config script that runs example script {@code name} with this key and state: the
   * worker passes scripts only a few of its variables, so the script sets its own.
   */
  public String wrapper(String name) {
    return "#!/bin/sh\n" + environment() + "exec " + scripts.resolve(name) + "\n";
  }

  /** Shell lines exporting {@code SLIPWAY_SSHD_STATE} and {@code SLIPWAY_SSHD_AUTHORIZED_KEY}. */
  public String environment() {
    return "export SLIPWAY_SSHD_STATE='"
        + state
        + "'\nexport SLIPWAY_SSHD_AUTHORIZED_KEY='"
        + SshKeys.publicKeyLine(client.getPublic())
        + "'\n";
  }
}
