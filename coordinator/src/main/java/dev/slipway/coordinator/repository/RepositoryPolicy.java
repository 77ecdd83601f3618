package dev.slipway.coordinator.repository;

import dev.slipway.common.git.GitRefs;
import dev.slipway.coordinator.api.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Which repositories builds, leases and registrations may name ({@link GitRefs#repositoryProblem}):
 * repositories on the worker's file system only with {@code slipway.repositories.allow-file=true}.
 */
@ApplicationScoped
public class RepositoryPolicy {

  @ConfigProperty(name = "slipway.repositories.allow-file", defaultValue = "false")
  boolean allowFile;

  public boolean allowFile() {
    return allowFile;
  }

  /** Why {@code repository} may not be used, or null. */
  public String problem(String repository) {
    return GitRefs.repositoryProblem(repository, allowFile);
  }

  /** Refuses {@code repository} with a 400 naming {@code field} when it may not be used. */
  public void check(String field, String repository) {
    String problem = problem(repository);
    if (problem != null) {
      throw ApiException.badRequest(field, problem);
    }
  }
}
