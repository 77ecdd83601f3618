package dev.slipway.worker.workingcopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WorkingCopyNamesTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "https://github.com/acme/widgets.git, widgets",
    "https://github.com/acme/widgets/, widgets",
    "git@github.com:acme/widgets.git, widgets",
    "git@github.com:widgets, widgets",
    "/srv/git/my repo.git, my_repo",
    "'ssh://h/$(touch x);.git', __touch_x__",
    "/, repository",
    "'..', repository"
  })
  void slugIsTheLastPartOfTheRepositoryMadeSafeThenAHash(String repository, String name) {
    String slug = WorkingCopyBlueprint.slug(repository);
    assertTrue(slug.matches("[A-Za-z0-9._-]+-[0-9a-f]{8}"), slug);
    assertEquals(name, slug.substring(0, slug.length() - 9), slug);
    assertFalse(slug.startsWith("."), slug);
  }

  @ParameterizedTest(name = "{0} vs {1}")
  @CsvSource({
    "https://a.example/x/widgets.git, https://b.example/y/widgets.git",
    "/srv/widgets, /srv/widgets.git"
  })
  void twoRepositoriesNeverShareADirectory(String one, String other) {
    assertNotEquals(WorkingCopyBlueprint.slug(one), WorkingCopyBlueprint.slug(other));
  }

  @ParameterizedTest(name = "max {0} copies / {1} bytes, using {2} copies / {3} bytes: {4}")
  @CsvSource({
    "2, , 1, 0, false",
    "2, , 2, 0, true",
    "10, 1000, 3, 999, false",
    "10, 1000, 3, 1000, true",
    "0, , 0, 0, true"
  })
  void budgetIsExceededWhenOneMoreCopyWouldGoBeyondIt(
      long maxCopies, Long maxBytes, long copies, long bytes, boolean exceeded) {
    assertEquals(
        exceeded,
        new WorkingCopyBlueprint.Budget(maxCopies, maxBytes)
            .exceededBy(new WorkingCopyRepository.Usage(copies, bytes)));
  }
}
