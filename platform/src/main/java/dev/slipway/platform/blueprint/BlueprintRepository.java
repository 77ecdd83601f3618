package dev.slipway.platform.blueprint;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

@ApplicationScoped
public class BlueprintRepository implements PanacheRepositoryBase<BlueprintRecord, String> {}
