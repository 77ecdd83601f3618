package dev.slipway.platform.repository;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/** Registered repositories, found by their URL exactly as builds name them. */
@ApplicationScoped
public class GitRepositories implements PanacheRepositoryBase<GitRepository, String> {

  public Optional<GitRepository> byUri(String uri) {
    return find("uri", uri).firstResultOptional();
  }
}
