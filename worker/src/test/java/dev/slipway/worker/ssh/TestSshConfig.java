package dev.slipway.worker.ssh;

import java.time.Duration;

/** SSH settings for tests: short enough that a failure shows within seconds. */
record TestSshConfig(
    Duration connectTimeout,
    Duration authTimeout,
    Duration openTimeout,
    boolean pinOnFirstContact,
    Duration reconnectFor,
    Duration killGrace,
    String spoolDir)
    implements SshConfig {

  static final TestSshConfig QUICK =
      new TestSshConfig(
          Duration.ofSeconds(5),
          Duration.ofSeconds(5),
          Duration.ofSeconds(5),
          true,
          Duration.ofSeconds(3),
          Duration.ofSeconds(1),
          ".slipway/test-run");

  /** {@link #QUICK}, but reconnecting for as long as production does by default. */
  static final TestSshConfig PATIENT =
      new TestSshConfig(
          QUICK.connectTimeout(),
          QUICK.authTimeout(),
          QUICK.openTimeout(),
          true,
          Duration.ofSeconds(30),
          QUICK.killGrace(),
          QUICK.spoolDir());
}
