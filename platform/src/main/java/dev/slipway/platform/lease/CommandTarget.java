package dev.slipway.platform.lease;

/**
 * Where commands of an active lease run (Drydock's command interface): on host resource {@code
 * hostId}, in {@code directory} (null: the SSH user's home). The blueprint that made the lease says
 * so when the lease becomes active ({@link Leases#activate}).
 */
public record CommandTarget(String hostId, String directory) {

  /** On host {@code hostId}, in the SSH user's home. */
  public static CommandTarget home(String hostId) {
    return new CommandTarget(hostId, null);
  }
}
