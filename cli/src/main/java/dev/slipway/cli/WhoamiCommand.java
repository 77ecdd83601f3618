package dev.slipway.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code slipway whoami}: who the server takes this command line for. */
@Command(
    name = "whoami",
    description = "Show who the server takes you for: name, role, token or JWT.")
final class WhoamiCommand implements Callable<Integer> {

  static final String WHOAMI = "api/v1/whoami";

  @ParentCommand Main main;

  @Override
  public Integer call() {
    main.printer().record(main.api().get(WHOAMI));
    return 0;
  }
}
