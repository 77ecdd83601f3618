package dev.slipway.stack;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;

/**
 * The one user a SASL test broker accepts (mechanism PLAIN, see {@link KafkaBroker#startWithSasl}),
 * and the client settings that log in as it. Its {@link #toString()} hides the password.
 */
public record KafkaSaslUser(String name, String password) {

  /** The SASL mechanism the broker and its clients use. */
  public static final String MECHANISM = "PLAIN";

  /** The security protocol of the broker's client listener. */
  public static final String PROTOCOL = "SASL_PLAINTEXT";

  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_.-]+");
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Only letters, digits, {@code _ . -}: both go into JAAS and properties files unescaped. */
  public KafkaSaslUser {
    if (!SAFE.matcher(name).matches() || !SAFE.matcher(password).matches()) {
      throw new IllegalArgumentException("SASL user and password: letters, digits, _ . - only");
    }
  }

  /** The user {@code name} with a new random password. */
  public static KafkaSaslUser withRandomPassword(String name) {
    byte[] secret = new byte[16];
    RANDOM.nextBytes(secret);
    return new KafkaSaslUser(name, HexFormat.of().formatHex(secret));
  }

  /** The JAAS configuration of a client logging in as this user ({@code sasl.jaas.config}). */
  public String jaasConfig() {
    return loginModule() + " username=\"" + name + "\" password=\"" + password + "\";";
  }

  /**
   * The broker's JAAS configuration of its SASL listener: it logs in to itself as this user, and
   * accepts this user only.
   */
  String brokerJaasConfig() {
    return loginModule()
        + " username=\""
        + name
        + "\" password=\""
        + password
        + "\" user_"
        + name
        + "=\""
        + password
        + "\";";
  }

  /** A client's security settings (without {@code bootstrap.servers}) to log in as this user. */
  public Map<String, Object> clientConfig() {
    return Map.of(
        CommonClientConfigs.SECURITY_PROTOCOL_CONFIG,
        PROTOCOL,
        SaslConfigs.SASL_MECHANISM,
        MECHANISM,
        SaslConfigs.SASL_JAAS_CONFIG,
        jaasConfig());
  }

  private static String loginModule() {
    return "org.apache.kafka.common.security.plain.PlainLoginModule required";
  }

  @Override
  public String toString() {
    return "KafkaSaslUser[" + name + ", password hidden]";
  }
}
