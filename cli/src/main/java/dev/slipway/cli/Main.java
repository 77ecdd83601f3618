package dev.slipway.cli;

import dev.slipway.cli.ApiClient.ApiException;
import dev.slipway.cli.ApiClient.Unreachable;
import dev.slipway.cli.Args.Attr;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code slipway}: the command line of Slipway's REST API. Exit codes: 0 done, 1 the API refused or
 * a lease failed, 2 usage error, 3 the server cannot be reached.
 */
@Command(
    name = "slipway",
    scope = ScopeType.INHERIT,
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    synopsisSubcommandLabel = "COMMAND",
    description = "Registers build hosts and takes leases on them through Slipway's REST API.",
    footer = {
      "",
      "Exit codes: 0 done, 1 refused by the API (or the lease failed), 2 usage error,",
      "3 the server cannot be reached."
    },
    subcommands = {HostCommands.class, LeaseCommands.class, ResourceCommands.class})
public final class Main {

  static final int REFUSED = 1;
  static final int UNREACHABLE = 3;

  /** The JVM around the command: shutdown hooks and halting; tests replace it. */
  interface Lifecycle {
    void onShutdown(Runnable hook);

    void halt(int status);
  }

  static final Lifecycle JVM =
      new Lifecycle() {
        @Override
        public void onShutdown(Runnable hook) {
          Runtime.getRuntime().addShutdownHook(new Thread(hook, "slipway-shutdown"));
        }

        @Override
        public void halt(int status) {
          System.out.flush();
          System.err.flush();
          Runtime.getRuntime().halt(status);
        }
      };

  @Option(
      names = "--server",
      paramLabel = "URL",
      scope = ScopeType.INHERIT,
      converter = Args.ServerConverter.class,
      defaultValue = "${env:SLIPWAY_SERVER:-http://127.0.0.1:8080}",
      description = "The coordinator (default: $SLIPWAY_SERVER, else http://127.0.0.1:8080).")
  URI server;

  @Option(
      names = "--json",
      scope = ScopeType.INHERIT,
      description = "Print the JSON the API returned instead of text.")
  boolean json;

  private final Function<URI, ApiClient> clients;
  private final PrintStream out;
  private final PrintStream err;
  final Lifecycle lifecycle;

  Main(Function<URI, ApiClient> clients, PrintStream out, PrintStream err, Lifecycle lifecycle) {
    this.clients = clients;
    this.out = out;
    this.err = err;
    this.lifecycle = lifecycle;
  }

  public static void main(String[] args) {
    System.exit(new Main(ApiClient::new, System.out, System.err, JVM).run(args));
  }

  /** Parses and runs one command line; returns the exit code. */
  int run(String... args) {
    CommandLine cli = new CommandLine(this);
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    cli.setExecutionExceptionHandler(
        (e, command, parsed) -> {
          if (e instanceof ApiException refused) {
            String field = refused.field == null ? "" : " (field: " + refused.field + ")";
            err.println("slipway: " + refused.getMessage() + field);
            return REFUSED;
          }
          if (e instanceof Unreachable unreachable) {
            err.println("slipway: " + unreachable.getMessage());
            return UNREACHABLE;
          }
          throw e;
        });
    cli.setParameterExceptionHandler(Main::usageError);
    return cli.execute(args);
  }

  /** A usage error: the message naming the option, and where to read more; exit code 2. */
  private static int usageError(ParameterException e, String[] args) {
    CommandLine command = e.getCommandLine();
    PrintWriter err = command.getErr();
    if (e.getMessage().startsWith("Missing required subcommand")) {
      command.usage(err);
    } else {
      err.println("slipway: " + e.getMessage().replaceFirst("^Error: ", ""));
      UnmatchedArgumentException.printSuggestions(e, err);
      err.println(
          "Try '" + command.getCommandSpec().qualifiedName() + " --help' for more information.");
    }
    err.flush();
    return command.getCommandSpec().exitCodeOnInvalidInput();
  }

  ApiClient api() {
    return clients.apply(server);
  }

  Printer printer() {
    return new Printer(out, err, json);
  }

  /** The {@code --attr} options as a map, or a usage error of {@code command} naming --attr. */
  static Map<String, String> attributes(CommandLine command, List<Attr> attrs) {
    try {
      return Args.attributes(attrs);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(command, "Invalid value for option '--attr': " + e.getMessage());
    }
  }

  /** The version from the build (a filtered resource), so that it works from classes too. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties p = new Properties();
      try (InputStream in = Main.class.getResourceAsStream("/slipway-cli.properties")) {
        if (in != null) {
          p.load(in);
        }
      }
      return new String[] {"slipway " + p.getProperty("version", "(unknown version)")};
    }
  }
}
