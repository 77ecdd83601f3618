package dev.slipway.platform.artifact;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;

/** What the {@link ArtifactStore} holds for one artifact of a build: kind, size and checksum. */
@Entity
@Table(name = "artifacts")
@IdClass(Artifact.Key.class)
public class Artifact {

  /** Kept as it was. */
  public static final String FILE = "file";

  /** A directory tree, or the matches of a glob, kept as a tar. */
  public static final String DIRECTORY = "directory";

  /** Primary key: build id and artifact name. */
  public record Key(String buildId, String name) implements Serializable {
    public Key() {
      this(null, null);
    }
  }

  @Id
  @Column(name = "build_id")
  public String buildId;

  @Id public String name;

  /** The upload-artifact step that stored it. */
  @Column(name = "step_name")
  public String stepName;

  /** {@link #FILE} or {@link #DIRECTORY}. */
  public String kind;

  @Column(name = "size_bytes")
  public long sizeBytes;

  /** SHA-256 of the stored bytes (a directory's tar), lower-case hex. */
  public String sha256;

  @Column(name = "created_at", insertable = false, updatable = false)
  public Instant createdAt;
}
