package dev.slipway.common.events;

/**
 * {@code audit.recorded} on {@code slipway.audit}, keyed by actor: a write action through the API.
 *
 * @param actor who ({@code token:<name>}, {@code jwt:<subject>})
 * @param action HTTP method and path, e.g. {@code POST /api/v1/hosts}
 * @param target the path of what the action created (its {@code Location}), or null
 * @param outcome the HTTP status the API answered
 */
public record AuditRecorded(long id, String actor, String action, String target, int outcome) {}
