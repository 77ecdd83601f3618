package dev.slipway.coordinator.auth;

import java.util.List;
import java.util.Set;

/**
 * The three roles of the API, each including the one before it: {@code viewer} reads builds, logs,
 * hosts, leases, resources, plans and blueprints; {@code operator} also starts and aborts builds,
 * saves plans and acquires and releases leases; {@code admin} may do everything, including hosts,
 * blueprints, repositories, credentials, tokens and the audit log.
 */
public final class Roles {

  public static final String VIEWER = "viewer";
  public static final String OPERATOR = "operator";
  public static final String ADMIN = "admin";

  /** From lowest to highest. */
  public static final List<String> ALL = List.of(VIEWER, OPERATOR, ADMIN);

  private Roles() {}

  public static boolean isRole(String name) {
    return name != null && ALL.contains(name);
  }

  /** {@code role} and every role below it: what an identity holding {@code role} may act as. */
  public static Set<String> implied(String role) {
    int rank = ALL.indexOf(role);
    if (rank < 0) {
      return Set.of();
    }
    return Set.copyOf(ALL.subList(0, rank + 1));
  }

  /** The highest of {@code roles}, or null when none is a role of the API. */
  public static String highest(Iterable<String> roles) {
    int best = -1;
    for (String role : roles) {
      best = Math.max(best, ALL.indexOf(role));
    }
    return best < 0 ? null : ALL.get(best);
  }
}
