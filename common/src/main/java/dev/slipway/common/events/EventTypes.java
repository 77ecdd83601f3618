package dev.slipway.common.events;

/** Stable dotted event type keys; each is documented in docs/events.md. */
public final class EventTypes {

  public static final String BUILD_CREATED = "build.created";
  public static final String AUDIT_RECORDED = "audit.recorded";
  public static final String BUILD_STARTED = "build.started";
  public static final String BUILD_FINISHED = "build.finished";
  public static final String STEP_STARTED = "step.started";
  public static final String STEP_FINISHED = "step.finished";

  public static final String LEASE_REQUESTED = "lease.requested";
  public static final String LEASE_RELEASE_REQUESTED = "lease.release-requested";
  public static final String LEASE_ACQUIRED = "lease.acquired";
  public static final String LEASE_ACTIVATED = "lease.activated";
  public static final String LEASE_RELEASED = "lease.released";
  public static final String LEASE_FAILED = "lease.failed";
  public static final String LEASE_BROKEN = "lease.broken";

  public static final String ALLOCATION_RETRY_REQUESTED = "allocation.retry-requested";

  public static final String RESOURCE_CREATED = "resource.created";
  public static final String RESOURCE_UPDATED = "resource.updated";
  public static final String RESOURCE_ACTIVATED = "resource.activated";
  public static final String RESOURCE_RELEASED = "resource.released";
  public static final String RESOURCE_BROKEN = "resource.broken";
  public static final String RESOURCE_DESTROYED = "resource.destroyed";

  public static final String COMMAND_REQUESTED = "command.requested";
  public static final String COMMAND_ABORT_REQUESTED = "command.abort-requested";
  public static final String COMMAND_OUTPUT = "command.output";
  public static final String COMMAND_FINISHED = "command.finished";

  private EventTypes() {}
}
