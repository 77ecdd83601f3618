package dev.slipway.platform.blueprint;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * A configured blueprint: which kind of resource maker, for which type, with what limits. The
 * behaviour of a kind lives in the worker's {@code Blueprint} implementations.
 */
@Entity
@Table(name = "blueprints")
public class BlueprintRecord {

  @Id public String id;

  public String name;
  public String kind;
  public String type;

  @JdbcTypeCode(SqlTypes.JSON)
  public Map<String, Object> config = new HashMap<>();

  @Column(name = "max_resources")
  public Integer maxResources;

  public boolean enabled = true;

  @Column(name = "created_at", insertable = false, updatable = false)
  public Instant createdAt;

  /** Who created it ({@code token:<name>}, {@code jwt:<subject>}; see the API's Caller). */
  @Column(name = "created_by")
  public String createdBy;

  /** Who changed it last, or null. */
  @Column(name = "updated_by")
  public String updatedBy;
}
