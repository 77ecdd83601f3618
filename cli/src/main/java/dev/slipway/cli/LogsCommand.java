package dev.slipway.cli;

import static dev.slipway.cli.ApiClient.path;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code slipway logs [-f] BUILD [--step S]}: a build's log, or one step's output. */
@Command(
    name = "logs",
    description =
        "Print a build's log (so far), as text; with -f, keep printing its output as it comes"
            + " until the build ends.")
final class LogsCommand implements Callable<Integer> {

  @ParentCommand Main main;

  @Parameters(paramLabel = "BUILD", description = "The build's id.")
  String build;

  @Option(
      names = {"-f", "--follow"},
      description = "Print new output as it is stored, until the build ends.")
  boolean follow;

  @Option(names = "--step", paramLabel = "STEP", description = "Only this step's output.")
  String step;

  @Override
  public Integer call() {
    List<ApiClient.Param> query = new ArrayList<>();
    query.add(new ApiClient.Param("step", step));
    query.add(new ApiClient.Param("follow", follow ? "true" : null));
    main.api().stream(
        ApiClient.query(path(BuildCommands.BUILDS, build) + "/log", query),
        main.printer().stdout());
    return 0;
  }
}
