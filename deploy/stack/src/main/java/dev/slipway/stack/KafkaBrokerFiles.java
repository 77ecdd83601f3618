package dev.slipway.stack;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Locale;
import java.util.UUID;

/** The files a single-node KRaft broker is started from, kept in its data directory. */
final class KafkaBrokerFiles {

  /** Logged by {@code kafka.server.KafkaRaftServer} once the broker serves clients. */
  static final String STARTED_LINE = "Kafka Server started";

  final Path dataDir;
  final Path serverProperties;
  final Path log4jConfig;
  final Path logDirs;
  final Path brokerLog;
  final Path stdout;
  final Path pidFile;

  KafkaBrokerFiles(Path dataDir) {
    this.dataDir = dataDir.toAbsolutePath().normalize();
    this.serverProperties = this.dataDir.resolve("server.properties");
    this.log4jConfig = this.dataDir.resolve("log4j2.properties");
    this.logDirs = this.dataDir.resolve("logs");
    this.brokerLog = this.dataDir.resolve("broker.log");
    this.stdout = this.dataDir.resolve("broker.out");
    this.pidFile = this.dataDir.resolve("broker.pid");
  }

  /** Whether the storage was formatted before, i.e. this data directory holds a broker already. */
  boolean isFormatted() {
    return Files.exists(logDirs.resolve("meta.properties"));
  }

  /**
   * Writes server.properties and the log4j2 configuration for the given ports; with a {@code
   * saslUser} (else null) the client listener takes only that user (SASL/PLAIN).
   */
  void write(int port, int controllerPort, KafkaSaslUser saslUser) throws IOException {
    PrivateFiles.directory(dataDir); // 0700: server.properties may hold the SASL password
    Files.writeString(serverProperties, serverProperties(port, controllerPort, saslUser));
    Files.writeString(log4jConfig, log4jConfig());
  }

  private String serverProperties(int port, int controllerPort, KafkaSaslUser saslUser) {
    return String.join(
        "\n",
        "# Written by dev.slipway.stack.KafkaBroker: a single-node KRaft broker on loopback.",
        "process.roles=broker,controller",
        "node.id=1",
        "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
        "controller.listener.names=CONTROLLER",
        clientListener(port, controllerPort, saslUser),
        "log.dirs=" + logDirs,
        "num.partitions=3",
        "auto.create.topics.enable=true",
        "group.initial.rebalance.delay.ms=0",
        "offsets.topic.replication.factor=1",
        "offsets.topic.num.partitions=5",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "transaction.state.log.num.partitions=5",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "");
  }

  /**
   * The client listener, also the inter-broker one: PLAINTEXT, or SASL_PLAINTEXT taking only {@code
   * saslUser}. The controller listener stays PLAINTEXT on loopback either way.
   */
  private static String clientListener(int port, int controllerPort, KafkaSaslUser saslUser) {
    String name = saslUser == null ? "PLAINTEXT" : KafkaSaslUser.PROTOCOL;
    String listener = name + "://127.0.0.1:" + port;
    String common =
        String.join(
            "\n",
            "listeners=" + listener + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "advertised.listeners=" + listener,
            "listener.security.protocol.map=" + name + ":" + name + ",CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name=" + name);
    if (saslUser == null) {
      return common;
    }
    return String.join(
        "\n",
        common,
        "sasl.enabled.mechanisms=" + KafkaSaslUser.MECHANISM,
        "sasl.mechanism.inter.broker.protocol=" + KafkaSaslUser.MECHANISM,
        "listener.name."
            + name.toLowerCase(Locale.ROOT)
            + "."
            + KafkaSaslUser.MECHANISM.toLowerCase(Locale.ROOT)
            + ".sasl.jaas.config="
            + saslUser.brokerJaasConfig());
  }

  private String log4jConfig() {
    String pattern = "[%d] %p %m (%c)%n";
    return String.join(
        "\n",
        "# Everything goes to broker.log; stdout gets errors and the broker's start/stop lines.",
        "status = warn",
        "appender.file.type = RollingFile",
        "appender.file.name = FILE",
        "appender.file.fileName = " + brokerLog,
        "appender.file.filePattern = " + brokerLog + ".%i",
        "appender.file.layout.type = PatternLayout",
        "appender.file.layout.pattern = " + pattern,
        "appender.file.policies.type = Policies",
        "appender.file.policies.size.type = SizeBasedTriggeringPolicy",
        "appender.file.policies.size.size = 20MB",
        "appender.file.strategy.type = DefaultRolloverStrategy",
        "appender.file.strategy.max = 2",
        "appender.stdout.type = Console",
        "appender.stdout.name = STDOUT",
        "appender.stdout.layout.type = PatternLayout",
        "appender.stdout.layout.pattern = " + pattern,
        "rootLogger.level = INFO",
        "rootLogger.appenderRef.file.ref = FILE",
        "rootLogger.appenderRef.stdout.ref = STDOUT",
        "rootLogger.appenderRef.stdout.level = ERROR",
        "logger.server.name = kafka.server.KafkaRaftServer",
        "logger.server.level = INFO",
        "logger.server.additivity = false",
        "logger.server.appenderRef.file.ref = FILE",
        "logger.server.appenderRef.stdout.ref = STDOUT",
        "");
  }

  /** A random cluster id in Kafka's format: 16 random bytes, URL-safe base64 without padding. */
  static String newClusterId() {
    while (true) {
      UUID uuid = UUID.randomUUID();
      ByteBuffer bytes = ByteBuffer.allocate(16);
      bytes.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
      String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
      if (!id.startsWith("-")) {
        return id;
      }
    }
  }
}
