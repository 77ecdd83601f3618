package dev.slipway.common.git;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RepositoryUrisTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://github.com/acme/widgets.git",
        "ssh://git@github.com:2222/acme/widgets.git",
        "ssh://example.com/srv/git/widgets",
        "git@github.com:acme/widgets.git",
        "github.com:acme/widgets.git",
        "git://example.com/widgets.git"
      })
  void theUsualFormsAreAllowed(String uri) {
    assertNull(GitRefs.repositoryProblem(uri, false), uri);
  }

  @ParameterizedTest
  @ValueSource(strings = {"file:///srv/git/widgets.git", "/srv/git/widgets.git"})
  void repositoriesOnTheFileSystemOnlyWhenAllowed(String uri) {
    assertNotNull(GitRefs.repositoryProblem(uri, false), uri);
    assertNull(GitRefs.repositoryProblem(uri, true), uri);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ext::sh -c touch% /tmp/pwned",
        "fd::17",
        "http://example.com/widgets.git",
        "ftp://example.com/widgets.git",
        "widgets",
        "./widgets",
        "-uhelp",
        "https://",
        "transport::x"
      })
  void everythingElseIsRefused(String uri) {
    assertNotNull(GitRefs.repositoryProblem(uri, true), uri);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ssh://-oProxyCommand=touch$IFS/tmp/pwned7/x",
        "ssh://git@-oProxyCommand=touch$IFS/tmp/pwned/x",
        "ssh://-oProxyCommand=x@github.com/acme/widgets.git",
        "ssh://[-oProxyCommand=x]/acme/widgets.git",
        "ssh://git@[-oProxyCommand=x]:22/acme/widgets.git",
        "git://-oProxyCommand=x/widgets.git",
        "https://-oProxyCommand=x/widgets.git",
        "git@-oProxyCommand=x:acme/widgets.git",
        "-oProxyCommand=x@github.com:acme/widgets.git"
      })
  void aHostOrUserThatLooksLikeAnOptionIsRefused(String uri) {
    assertNotNull(GitRefs.repositoryProblem(uri, true), uri);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://user:ghp_SECRET@github.com/acme/widgets.git",
        "https://ghp_SECRET@github.com/acme/widgets.git",
        "https://user:pa/ss/SECRET@github.com/acme/widgets.git",
        "ssh://git:pa/SECRET@github.com/acme/widgets.git",
        "ssh://git:SECRET@github.com/acme/widgets.git",
        "git://user:SECRET@example.com/widgets.git",
        "file://user:SECRET@localhost/srv/widgets.git"
      })
  void credentialsInTheUrlAreRefusedWithoutRepeatingThem(String uri) {
    String problem = GitRefs.repositoryProblem(uri, true);
    assertNotNull(problem, uri);
    assertTrue(problem.contains("/api/v1/repositories"), problem);
    assertFalse(problem.contains("SECRET"), problem);
  }
}
