package dev.slipway.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code slipway logs BUILD}: a build's log so far. */
@Command(name = "logs", description = "Print a build's log (so far), as text.")
final class LogsCommand implements Callable<Integer> {

  @ParentCommand Main main;

  @Parameters(paramLabel = "BUILD", description = "The build's id.")
  String build;

  @Override
  public Integer call() {
    main.printer().text(BuildCommands.log(main.api(), build));
    return 0;
  }
}
