package dev.slipway.common.limits;

import java.util.Map;

/**
 * Every size limit of what enters Slipway, in one place (docs/config.md, "Limits"). The REST API
 * refuses a value over its limit with a 400 naming the field and the limit, and a body over {@link
 * #MAX_BODY_BYTES} with a 413. They are chosen so that every event Slipway makes from valid input
 * stays well under Kafka's default largest message (1 MB): the largest, a {@code command.requested}
 * with its command and its environment filled in ({@link #FILLED_COMMAND} characters each, at most
 * 3 bytes a character in UTF-8), stays under 600 kB. Lengths are in characters (Java {@code
 * String.length()}, UTF-16 units).
 */
public final class Limits {

  /**
   * The largest request body, in bytes (the coordinator's {@code
   * quarkus.http.limits.max-body-size=2M}): room for every field at its limit in the requests that
   * carry big ones (a plan, a private key), while a field over its own limit still gets a 400 that
   * names it rather than a 413.
   */
  public static final int MAX_BODY_BYTES = 2 * 1024 * 1024;

  /** Attributes of a host, a lease or a plan step: how many, a key's and a value's length. */
  public static final int ATTRIBUTES = 32;

  public static final int ATTRIBUTE_KEY = 64;
  public static final int ATTRIBUTE_VALUE = 512;

  /** A plan's YAML, how many steps it may have, and a {@code run} step's command. */
  public static final int PLAN_YAML = 256 * 1024;

  public static final int PLAN_STEPS = 200;
  public static final int COMMAND = 32 * 1024;

  /** A {@code run} step's environment: how many variables, a value's length. */
  public static final int ENV_VARIABLES = 100;

  public static final int ENV_VALUE = 16 * 1024;

  /**
   * A command, and separately its environment (names and values together), once a build's variables
   * are filled in: a step whose filled command or environment is longer fails when it starts (its
   * variables can make it longer than {@link #COMMAND}). Room for a command at its limit with one
   * variable at its limit.
   */
  public static final int FILLED_COMMAND = 96 * 1024;

  /** A build's variables: how many, a name's and a value's length. */
  public static final int VARIABLES = 100;

  public static final int VARIABLE_NAME = 64;
  public static final int VARIABLE_VALUE = 64 * 1024;

  /** A build secret's value. */
  public static final int SECRET_VALUE = 64 * 1024;

  /** Names of hosts, plans, tokens, credentials, blueprints. */
  public static final int NAME = 100;

  /** A host's address (a DNS name is at most 253 characters) and SSH user. */
  public static final int ADDRESS = 253;

  public static final int USER = 256;

  /** A repository URI, a git ref (commit, branch or tag). */
  public static final int URI = 2048;

  public static final int REF = 255;

  /** The id of a resource, a lease or a credential named in a request. */
  public static final int ID = 200;

  /** A lease's owner, a reason or message given with an abort or a wait step's message. */
  public static final int OWNER = 256;

  public static final int REASON = 1000;

  /** A duration such as {@code 30s}. */
  public static final int DURATION = 32;

  /** A path on a host (a working-copy root). */
  public static final int PATH = 1024;

  /** A PEM private key, its passphrase, an OpenSSH public key line, an HTTPS token or user. */
  public static final int PRIVATE_KEY = 64 * 1024;

  public static final int PASSPHRASE = 1024;
  public static final int PUBLIC_KEY = 16 * 1024;
  public static final int HTTPS_TOKEN = 4096;

  /** A blueprint's {@code config}, as JSON. */
  public static final int BLUEPRINT_CONFIG = 64 * 1024;

  private Limits() {}

  /**
   * {@code reason} cut to {@link #REASON} characters (an ellipsis ends one that was cut): a reason
   * built from others (one lease's from another's) stays within the limit of what is stored.
   */
  public static String clip(String reason) {
    return reason.length() > REASON ? reason.substring(0, REASON - 1) + "…" : reason;
  }

  /** A value over a limit: the field at fault and what is wrong. */
  public record Violation(String field, String message) {}

  /**
   * Why {@code value} is too long for {@code field}, or {@code null} when it is not (or is null).
   */
  public static String tooLong(String field, String value, int max) {
    if (value == null || value.length() <= max) {
      return null;
    }
    return field + " is " + value.length() + " characters long; at most " + max + " are allowed";
  }

  /**
   * The first attribute of {@code attributes} (in field {@code field}) that breaks a limit: too
   * many, a key or a value too long; {@code null} when none does.
   */
  public static Violation attributes(String field, Map<String, String> attributes) {
    if (attributes == null) {
      return null;
    }
    if (attributes.size() > ATTRIBUTES) {
      return new Violation(
          field,
          field + " has " + attributes.size() + " entries; at most " + ATTRIBUTES + " are allowed");
    }
    for (Map.Entry<String, String> e : attributes.entrySet()) {
      String problem = tooLong(field + " key", e.getKey(), ATTRIBUTE_KEY);
      if (problem != null) {
        return new Violation(field, problem);
      }
      String name = field + "." + e.getKey();
      problem = tooLong(name, e.getValue(), ATTRIBUTE_VALUE);
      if (problem != null) {
        return new Violation(name, problem);
      }
    }
    return null;
  }
}
