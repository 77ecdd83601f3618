package dev.slipway.common.platform;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SshLoginsTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "build-7.example.com",
        "localhost",
        "10.0.0.12",
        "::1",
        "[fe80::1%eth0]",
        "fe80::1%eth0",
        "host_with_underscore.internal"
      })
  void hostNamesAndIpLiteralsAreAddresses(String address) {
    assertNull(SshLogins.addressProblem("address", address), address);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        " ",
        "-oProxyCommand=touch /tmp/pwned8",
        "-host",
        "a b c",
        "host\u001b[2J",
        "host\0",
        "user@host",
        "host;reboot",
        "host/path"
      })
  void anythingElseIsRefused(String address) {
    String problem = SshLogins.addressProblem("address", address);
    assertNotNull(problem, address);
    assertTrue(problem.startsWith("address "), problem);
  }

  @ParameterizedTest
  @ValueSource(strings = {"ci", "root", "CORP\\build agent", "build@corp.example", "svc_ci$"})
  void usersMayBeWindowsNames(String user) {
    assertNull(SshLogins.userProblem("user", user), user);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "-oProxyCommand=x",
        " ci",
        "ci ",
        "root;touch /tmp/pwned9",
        "ci|x",
        "ci`id`",
        "ci\u001b]0;PWNED\u0007",
        "ci\n",
        "ci\0"
      })
  void aUserThatIsBlankLooksLikeAnOptionOrHoldsControlsIsRefused(String user) {
    String problem = SshLogins.userProblem("user", user);
    assertNotNull(problem, user);
    assertTrue(problem.startsWith("user "), problem);
  }
}
