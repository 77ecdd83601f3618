package dev.slipway.common.platform;

import java.util.regex.Pattern;

/**
 * What an SSH login may name, wherever one enters (a host registered or edited through the API, a
 * script-host blueprint's {@code user}, what its {@code provision} prints): the address is a host
 * name or an IP literal, and neither it nor the user may start with '-' (an SSH client would read
 * it as an option) or hold a control character (it is logged and shown).
 */
public final class SshLogins {

  /**
   * A host name, an IPv4 or an IPv6 literal (in brackets or not, with a {@code %zone}): letters,
   * digits and {@code . : [ ] % _ -}, not starting with '-'.
   */
  public static final Pattern ADDRESS = Pattern.compile("(?!-)[A-Za-z0-9.:\\[\\]%_-]+");

  private SshLogins() {}

  /** Why {@code address} (in {@code field}) cannot be connected to, or null when it can. */
  public static String addressProblem(String field, String address) {
    if (address == null || address.isBlank()) {
      return field + " is required";
    }
    if (!ADDRESS.matcher(address).matches()) {
      return field
          + " must be a host name or an IP address (letters, digits and . : [ ] % _ -, not"
          + " starting with '-')";
    }
    return null;
  }

  /**
   * Why {@code user} (in {@code field}) cannot log in, or null when it can. A user may hold spaces
   * and backslashes ({@code CORP\builder} on Windows) but not be blank, start or end with
   * whitespace, start with '-', or hold a control character or one of {@code ; | < > " ` * ?},
   * which no POSIX or Windows user name has.
   */
  public static String userProblem(String field, String user) {
    if (user == null || user.isBlank()) {
      return field + " is required";
    }
    if (user.startsWith("-")
        || !user.strip().equals(user)
        || user.chars().anyMatch(c -> Character.isISOControl(c) || ";|<>\"`*?".indexOf(c) >= 0)) {
      return field
          + " must be a user name: not starting with '-' or with or ending in a space, without"
          + " control characters or any of ; | < > \" ` * ?";
    }
    return null;
  }
}
