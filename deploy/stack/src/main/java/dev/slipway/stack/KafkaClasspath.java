package dev.slipway.stack;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Finds the classpath of the Kafka broker, written by the module {@code deploy/kafka-broker} to
 * {@code target/classpath.txt}. Its location comes, first match wins, from the system property
 * {@value #PROPERTY}, the environment variable {@value #ENV}, or {@code stack.properties} (filled
 * in by Maven at build time).
 */
final class KafkaClasspath {

  static final String PROPERTY = "slipway.kafka.classpath.file";
  static final String ENV = "SLIPWAY_KAFKA_CLASSPATH_FILE";
  private static final String RESOURCE = "stack.properties";

  private KafkaClasspath() {}

  /** The file that holds the broker's classpath. */
  static Path file() throws IOException {
    String location = System.getProperty(PROPERTY);
    if (isBlank(location)) {
      location = System.getenv(ENV);
    }
    if (isBlank(location)) {
      Properties properties = new Properties();
      try (InputStream in = KafkaClasspath.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IOException("resource dev/slipway/stack/" + RESOURCE + " is missing");
        }
        properties.load(in);
      }
      location = properties.getProperty("kafka.classpath.file");
    }
    if (isBlank(location) || location.contains("${")) {
      throw new IOException(
          "no Kafka broker classpath file configured: set -D" + PROPERTY + " or " + ENV);
    }
    return Path.of(location.trim()).toAbsolutePath().normalize();
  }

  /** The broker's classpath, entries separated by the platform's path separator. */
  static String load() throws IOException {
    Path file = file();
    if (!Files.isRegularFile(file)) {
      throw new IOException(
          "Kafka broker classpath file "
              + file
              + " does not exist: build it with `mvn -pl deploy/kafka-broker install`"
              + " (or point -D"
              + PROPERTY
              + " / "
              + ENV
              + " at one)");
    }
    String classpath = Files.readString(file).trim();
    if (classpath.isEmpty()) {
      throw new IOException("Kafka broker classpath file " + file + " is empty");
    }
    return classpath;
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }
}
