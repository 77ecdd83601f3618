package dev.slipway.platform.blueprint;

import dev.slipway.common.limits.Limits;
import dev.slipway.common.plan.Durations;
import dev.slipway.common.platform.SshLogins;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The configuration of a {@code script-host} blueprint: the operator's commands that make and
 * destroy hosts at any provider, and the pool's limits. The one reader of a script-host record's
 * {@code config}: the API checks a new config with {@link #of}, and the allocator reads it with it,
 * so that what was accepted is what runs.
 *
 * @param provision makes a host (required)
 * @param destroy destroys what {@code provision} made; idempotent (required)
 * @param list lists the provider's instances carrying this installation's tag, or null
 * @param credentialId the stored credential whose private key logs in to the hosts it makes
 * @param user the SSH user, unless {@code provision} prints one
 * @param attributes what its hosts offer ({@code platform} included, {@code linux} by default);
 *     what {@code provision} prints is added on top
 * @param slotsPerHost leases one host serves at once
 * @param minIdle hosts kept ready with no lease (a warm pool)
 * @param maxResources hosts alive at once (being made, ready, busy or being destroyed), or null
 * @param maxProvisioning hosts being made at once
 * @param idleTtl how long a host stays with no lease before it is destroyed (0: at once)
 * @param timeouts how long each script may run, and how long a new host has to become reachable
 * @param probe the command that must succeed over SSH before a new host is ready
 * @param trustFirstHostKey whether the key a new host presents is pinned when {@code provision}
 *     printed none (else such a host is refused)
 */
public record ScriptHostConfig(
    Script provision,
    Script destroy,
    Script list,
    String credentialId,
    String user,
    Map<String, String> attributes,
    int slotsPerHost,
    int minIdle,
    Integer maxResources,
    int maxProvisioning,
    Duration idleTtl,
    Timeouts timeouts,
    String probe,
    boolean trustFirstHostKey) {

  /** The kind's name, as blueprints records and the API spell it. */
  public static final String KIND = "script-host";

  /** The keys {@link #of} accepts in {@code config}; any other is refused, never ignored. */
  public static final Set<String> KEYS =
      Set.of(
          "provision",
          "destroy",
          "list",
          "credentialId",
          "user",
          "platform",
          "attributes",
          "slotsPerHost",
          "minIdle",
          "maxResources",
          "maxProvisioning",
          "idleTtl",
          "timeouts",
          "probe",
          "trustFirstHostKey",
          "workingCopies");

  private static final Set<String> TIMEOUT_KEYS = Set.of("provision", "destroy", "list", "ready");
  private static final int MAX_SLOTS = 1000;
  private static final int MAX_POOL = 10_000;

  /**
   * A command the allocator worker runs: a script given in the config (its text begins with {@code
   * #!}; written to a private file before it runs), or the absolute path of an executable on the
   * worker's filesystem.
   */
  public record Script(String inline, Path path) {

    static Script of(String field, Object value) {
      if (!(value instanceof String text) || text.isBlank()) {
        throw new Invalid(field, field + " must be a script (text beginning with #!) or a path");
      }
      if (text.startsWith("#!")) {
        return new Script(text, null);
      }
      if (text.length() > Limits.PATH || !text.startsWith("/") || text.contains("\0")) {
        throw new Invalid(
            field,
            field
                + " must be a script (text beginning with #!) or the absolute path of an"
                + " executable on the allocator workers");
      }
      return new Script(null, Path.of(text));
    }

    /** For logs and reasons: the path, or that it is inline. */
    @Override
    public String toString() {
      return path != null ? path.toString() : "(inline script)";
    }
  }

  /** How long each script may run, and how long a new host has to answer over SSH. */
  public record Timeouts(Duration provision, Duration destroy, Duration list, Duration ready) {}

  /** A config that cannot be used: {@link #field()} names where (e.g. {@code config.idleTtl}). */
  public static final class Invalid extends IllegalArgumentException {
    private final String field;

    Invalid(String field, String message) {
      super(message);
      this.field = field;
    }

    public String field() {
      return field;
    }
  }

  /** Reads the config of script-host blueprint {@code record}. */
  public static ScriptHostConfig of(BlueprintRecord record) {
    return of(record.config, record.maxResources);
  }

  /**
   * Reads {@code config}, with {@code maxResources} from the blueprint record.
   *
   * @throws Invalid naming the first field that is missing, unknown or out of range
   */
  public static ScriptHostConfig of(Map<String, Object> config, Integer maxResources) {
    Map<String, Object> c = config == null ? Map.of() : config;
    for (String key : c.keySet()) {
      if (!KEYS.contains(key)) {
        throw new Invalid(
            "config." + key,
            "config." + key + " is not a script-host setting; known: " + new TreeSet<>(KEYS));
      }
    }
    Script provision = Script.of("config.provision", c.get("provision"));
    Script destroy = Script.of("config.destroy", c.get("destroy"));
    Script list = c.get("list") == null ? null : Script.of("config.list", c.get("list"));
    String credentialId = text(c, "credentialId", Limits.ID, true);
    String user = text(c, "user", Limits.USER, false);
    String userProblem = user == null ? null : SshLogins.userProblem("config.user", user);
    if (userProblem != null) {
      throw new Invalid("config.user", userProblem);
    }
    String platform = text(c, "platform", Limits.ATTRIBUTE_VALUE, false);
    Map<String, String> attributes = new TreeMap<>();
    Object given = c.get("attributes");
    if (given != null) {
      if (!(given instanceof Map<?, ?> map)) {
        throw new Invalid("config.attributes", "config.attributes must be an object of strings");
      }
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!(e.getValue() instanceof String value)) {
          throw new Invalid(
              "config.attributes." + e.getKey(),
              "config.attributes." + e.getKey() + " must be a string");
        }
        attributes.put(String.valueOf(e.getKey()), value);
      }
    }
    Limits.Violation violation = Limits.attributes("config.attributes", attributes);
    if (violation != null) {
      throw new Invalid(violation.field(), violation.message());
    }
    if (platform != null) {
      attributes.put("platform", platform);
    }
    attributes.putIfAbsent("platform", "linux");
    int slotsPerHost = number(c, "slotsPerHost", 1, 1, MAX_SLOTS);
    int minIdle = number(c, "minIdle", 0, 0, MAX_POOL);
    int maxProvisioning = number(c, "maxProvisioning", 2, 1, MAX_POOL);
    Integer max = maxResources;
    if (c.get("maxResources") != null) {
      max = number(c, "maxResources", 0, 1, MAX_POOL);
    }
    if (max != null && max < 1) {
      throw new Invalid("maxResources", "maxResources must be at least 1");
    }
    if (max != null && minIdle > max) {
      throw new Invalid(
          "config.minIdle", "config.minIdle (" + minIdle + ") exceeds maxResources (" + max + ")");
    }
    Duration idleTtl = duration(c, "idleTtl", Duration.ZERO);
    Object t = c.get("timeouts");
    Map<?, ?> times = Map.of();
    if (t != null) {
      if (!(t instanceof Map<?, ?> map)) {
        throw new Invalid("config.timeouts", "config.timeouts must be an object of durations");
      }
      for (Object key : map.keySet()) {
        if (!TIMEOUT_KEYS.contains(String.valueOf(key))) {
          throw new Invalid(
              "config.timeouts." + key,
              "config.timeouts." + key + " is not a timeout; known: " + TIMEOUT_KEYS);
        }
      }
      times = map;
    }
    Timeouts timeouts =
        new Timeouts(
            positive(times, "provision", Duration.ofMinutes(10)),
            positive(times, "destroy", Duration.ofMinutes(5)),
            positive(times, "list", Duration.ofMinutes(1)),
            positive(times, "ready", Duration.ofMinutes(5)));
    String probe = text(c, "probe", Limits.COMMAND, false);
    Object trust = c.get("trustFirstHostKey");
    if (trust != null && !(trust instanceof Boolean)) {
      throw new Invalid(
          "config.trustFirstHostKey", "config.trustFirstHostKey must be true or false");
    }
    return new ScriptHostConfig(
        provision,
        destroy,
        list,
        credentialId,
        user,
        Map.copyOf(attributes),
        slotsPerHost,
        minIdle,
        max,
        maxProvisioning,
        idleTtl,
        timeouts,
        probe == null ? "true" : probe,
        Boolean.TRUE.equals(trust));
  }

  /** Whether its hosts offer every attribute {@code wanted} asks for. */
  public boolean offers(Map<String, String> wanted) {
    return wanted.entrySet().stream()
        .allMatch(e -> e.getValue().equals(attributes.get(e.getKey())));
  }

  private static String text(Map<String, Object> c, String key, int max, boolean required) {
    Object value = c.get(key);
    if (value == null) {
      if (required) {
        throw new Invalid("config." + key, "config." + key + " is required");
      }
      return null;
    }
    if (!(value instanceof String s) || s.isBlank()) {
      throw new Invalid("config." + key, "config." + key + " must be a non-empty string");
    }
    String problem = Limits.tooLong("config." + key, s, max);
    if (problem != null) {
      throw new Invalid("config." + key, problem);
    }
    return s;
  }

  private static int number(Map<String, Object> c, String key, int otherwise, int min, int max) {
    Object value = c.get(key);
    if (value == null) {
      return otherwise;
    }
    if (!(value instanceof Number n)
        || n.doubleValue() != Math.rint(n.doubleValue())
        || n.doubleValue() < min
        || n.doubleValue() > max) {
      throw new Invalid(
          "config." + key, "config." + key + " must be a whole number from " + min + " to " + max);
    }
    return n.intValue();
  }

  private static Duration duration(Map<String, Object> c, String key, Duration otherwise) {
    Object value = c.get(key);
    if (value == null) {
      return otherwise;
    }
    try {
      return Durations.parse(String.valueOf(value));
    } catch (IllegalArgumentException e) {
      throw new Invalid("config." + key, "config." + key + ": " + e.getMessage());
    }
  }

  private static Duration positive(Map<?, ?> times, String key, Duration otherwise) {
    Object value = times.get(key);
    if (value == null) {
      return otherwise;
    }
    Duration d;
    try {
      d = Durations.parse(String.valueOf(value));
    } catch (IllegalArgumentException e) {
      throw new Invalid("config.timeouts." + key, "config.timeouts." + key + ": " + e.getMessage());
    }
    if (d.isZero()) {
      throw new Invalid("config.timeouts." + key, "config.timeouts." + key + " must be above 0");
    }
    return d;
  }
}
