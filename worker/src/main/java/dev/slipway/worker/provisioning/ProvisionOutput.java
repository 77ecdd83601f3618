package dev.slipway.worker.provisioning;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.limits.Limits;
import dev.slipway.common.platform.OpenSshKeys;
import dev.slipway.common.platform.SshLogins;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;

/**
 * What a blueprint's {@code provision} printed: one JSON object {@code {address, port, user,
 * hostKey?, providerId, attributes?}}. Parsing never trusts the first bytes: a login shell or a
 * tool may print before the object, so the last line that is a JSON object is taken.
 *
 * @param raw the object as printed, given back to {@code destroy}
 */
public record ProvisionOutput(
    String address,
    int port,
    String user,
    String hostKey,
    String providerId,
    Map<String, String> attributes,
    Map<String, Object> raw) {

  /** What provision printed is not a usable host; the message says which field and why. */
  public static final class Unusable extends Exception {
    /** The provider id, when the output named one (so destroy can be given it). */
    private final String providerId;

    Unusable(String message, String providerId) {
      super(message);
      this.providerId = providerId;
    }

    public String providerId() {
      return providerId;
    }
  }

  /**
   * Parses {@code stdout}; {@code defaultUser} is the blueprint's {@code user}, used when none is
   * printed.
   */
  public static ProvisionOutput parse(String stdout, String defaultUser) throws Unusable {
    ObjectNode object = lastObject(stdout);
    if (object == null) {
      throw new Unusable(
          "provision printed no JSON object on its standard output"
              + (stdout.isBlank() ? " (it printed nothing)" : ""),
          null);
    }
    JsonNode named = object.get("providerId");
    String namedId =
        named != null
                && named.isTextual()
                && named.asText().length() <= Limits.ID
                && plain(named.asText())
            ? named.asText()
            : null;
    try {
      String providerId = text(object, "providerId", Limits.ID, null);
      if (providerId == null) {
        throw new IllegalArgumentException("provision printed no providerId");
      }
      String address = text(object, "address", Limits.ADDRESS, null);
      if (address == null) {
        throw new IllegalArgumentException("provision printed no address");
      }
      if (SshLogins.addressProblem("address", address) != null) {
        throw new IllegalArgumentException(
            "provision printed an address that is not a host name or IP: " + clip(address));
      }
      int port = 22;
      JsonNode p = object.get("port");
      if (p != null && !p.isNull()) {
        if (!p.canConvertToInt()
            || p.asInt() < 1
            || p.asInt() > 65535
            || !(p.isIntegralNumber() || p.isTextual())) {
          throw new IllegalArgumentException(
              "provision printed a port that is not 1-65535: " + clip(p.toString()));
        }
        port = p.isTextual() ? Integer.parseInt(p.asText()) : p.asInt();
      }
      String user = text(object, "user", Limits.USER, defaultUser);
      if (user == null) {
        throw new IllegalArgumentException(
            "provision printed no user, and the blueprint's config sets none");
      }
      String userProblem = SshLogins.userProblem("user", user);
      if (userProblem != null) {
        throw new IllegalArgumentException("provision printed an unusable user: " + userProblem);
      }
      String hostKey = text(object, "hostKey", Limits.PUBLIC_KEY, null);
      if (hostKey != null && !isPublicKey(hostKey.trim())) {
        throw new IllegalArgumentException(
            "provision printed a hostKey that is not an OpenSSH public key line: " + clip(hostKey));
      }
      Map<String, String> attributes = new TreeMap<>();
      JsonNode a = object.get("attributes");
      if (a != null && !a.isNull()) {
        if (!a.isObject()) {
          throw new IllegalArgumentException("provision printed attributes that are not an object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          if (!e.getValue().isTextual()) {
            throw new IllegalArgumentException(
                "provision printed attributes." + e.getKey() + " that is not a string");
          }
          attributes.put(e.getKey(), e.getValue().asText());
        }
        Limits.Violation violation = Limits.attributes("attributes", attributes);
        if (violation != null) {
          throw new IllegalArgumentException("provision printed " + violation.message());
        }
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> raw = EventCodec.mapper().convertValue(object, LinkedHashMap.class);
      return new ProvisionOutput(
          address,
          port,
          user,
          hostKey == null ? null : hostKey.trim(),
          providerId,
          Map.copyOf(attributes),
          raw);
    } catch (IllegalArgumentException e) {
      throw new Unusable(e.getMessage(), namedId);
    }
  }

  /** Whether {@code line} is an OpenSSH public key line whose key can be read. */
  private static boolean isPublicKey(String line) {
    if (!OpenSshKeys.isPublicKeyLine(line)) {
      return false;
    }
    try {
      PublicKeyEntry entry = PublicKeyEntry.parsePublicKeyEntry(line);
      return entry != null
          && entry.resolvePublicKey(null, Map.of(), PublicKeyEntryResolver.FAILING) != null;
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private static ObjectNode lastObject(String stdout) {
    String[] lines = stdout.split("\n");
    for (int i = lines.length - 1; i >= 0; i--) {
      String line = lines[i].trim();
      if (line.startsWith("{")) {
        try {
          JsonNode node = EventCodec.mapper().readTree(line);
          if (node instanceof ObjectNode object) {
            return object;
          }
        } catch (JsonProcessingException e) {
          // not this line
        }
      }
    }
    try { // an object spread over several lines
      int start = stdout.indexOf('{');
      JsonNode node = start < 0 ? null : EventCodec.mapper().readTree(stdout.substring(start));
      return node instanceof ObjectNode object ? object : null;
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  private static String text(ObjectNode object, String field, int max, String otherwise) {
    JsonNode node = object.get(field);
    if (node == null || node.isNull()) {
      return otherwise;
    }
    if (!node.isTextual() || node.asText().isBlank()) {
      throw new IllegalArgumentException(
          "provision printed a " + field + " that is not a non-empty string");
    }
    String problem = Limits.tooLong(field, node.asText(), max);
    if (problem != null) {
      throw new IllegalArgumentException("provision printed " + problem);
    }
    if (!plain(node.asText())) {
      throw new IllegalArgumentException(
          "provision printed a " + field + " with control characters (line breaks, NUL...)");
    }
    return node.asText();
  }

  /**
   * Whether {@code text} has no control characters: what provision prints goes back to scripts in
   * environment variables and into SSH logins.
   */
  static boolean plain(String text) {
    return text.codePoints().noneMatch(Character::isISOControl);
  }

  private static String clip(String text) {
    String one = text.strip().replaceAll("\\s+", " ");
    return one.length() > 200 ? one.substring(0, 200) + "…" : one;
  }
}
