package dev.slipway.stack;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The JVM command lines of the Kafka broker and of its storage formatting. */
final class KafkaProcesses {

  private KafkaProcesses() {}

  /** Formats the broker's storage (KRaft) with a new cluster id; fails with the tool's output. */
  static void format(KafkaBrokerFiles files, String classpath, Duration timeout)
      throws IOException {
    Path output = files.dataDir.resolve("format.out");
    List<String> command =
        java(
            files,
            classpath,
            "kafka.tools.StorageTool",
            "format",
            "-t",
            KafkaBrokerFiles.newClusterId(),
            "-c",
            files.serverProperties);
    Process format =
        new ProcessBuilder(command)
            .directory(files.dataDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    try {
      if (!format.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        format.destroyForcibly();
        throw new IOException("formatting Kafka storage timed out after " + timeout);
      }
    } catch (InterruptedException e) {
      format.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while formatting Kafka storage");
    }
    if (format.exitValue() != 0) {
      throw new IOException(
          "formatting Kafka storage failed with status "
              + format.exitValue()
              + ":\n"
              + StackFiles.tail(output, 40));
    }
  }

  /** A {@code java} command running {@code mainClass} on the broker classpath. */
  static List<String> java(
      KafkaBrokerFiles files, String classpath, String mainClass, Object... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add("-XX:+ExitOnOutOfMemoryError");
    command.add("-Djava.awt.headless=true");
    command.add("-Dlog4j2.configurationFile=" + files.log4jConfig);
    command.add("-Dkafka.logs.dir=" + files.dataDir);
    command.add("-cp");
    command.add(classpath);
    command.add(mainClass);
    for (Object arg : args) {
      command.add(arg.toString());
    }
    return command;
  }
}
