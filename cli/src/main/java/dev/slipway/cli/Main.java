package dev.slipway.cli;

import dev.slipway.cli.ApiClient.ApiException;
import dev.slipway.cli.ApiClient.Unreachable;
import dev.slipway.cli.Args.Attr;
import dev.slipway.cli.Credentials.Resolved;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code slipway}: the command line of Slipway's REST API. Exit codes: 0 done, 1 the API refused, a
 * lease failed or a followed build did not pass, 2 usage error, 3 the server cannot be reached.
 */
@Command(
    name = "slipway",
    scope = ScopeType.INHERIT,
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    synopsisSubcommandLabel = "COMMAND",
    description =
        "Registers build hosts, takes leases, saves plans, runs builds and downloads their"
            + " artifacts through Slipway's REST API.",
    footer = {
      "",
      "Token: the first of --token-file FILE, $SLIPWAY_TOKEN (the token itself),",
      "$SLIPWAY_TOKEN_FILE, the token 'slipway login' saved for that server in",
      "~/.config/slipway/config, and for http://127.0.0.1:8080 the local stack's",
      ".slipway/admin.token. The token is never taken as a command-line argument:",
      "ps would show it.",
      "",
      "Exit codes: 0 done, 1 refused by the API (not authenticated, not allowed), the",
      "lease failed, the followed build did not pass or a download did not match its",
      "SHA-256, 2 usage error, 3 the server cannot be reached."
    },
    subcommands = {
      HostCommands.class,
      BlueprintCommands.class,
      LeaseCommands.class,
      ResourceCommands.class,
      PlanCommands.class,
      BuildCommands.class,
      LogsCommand.class,
      ArtifactCommands.class,
      TokenCommands.class,
      LoginCommand.class,
      LogoutCommand.class,
      WhoamiCommand.class
    })
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
      description =
          "The coordinator. Default: $SLIPWAY_SERVER, else the server saved by 'slipway"
              + " login', else the local stack at http://127.0.0.1:8080.")
  URI server;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      scope = ScopeType.INHERIT,
      description =
          "File holding the API token (else see Token below). No option takes the token"
              + " itself: ps would show it.")
  Path tokenFile;

  @Option(
      names = "--json",
      scope = ScopeType.INHERIT,
      description = "Print the JSON the API returned instead of text.")
  boolean json;

  @Spec CommandSpec spec;

  final Environment env;
  private final PrintStream out;
  private final PrintStream err;
  final Lifecycle lifecycle;
  private Resolved credentials;

  Main(Environment env, PrintStream out, PrintStream err, Lifecycle lifecycle) {
    this.env = env;
    this.out = out;
    this.err = err;
    this.lifecycle = lifecycle;
  }

  public static void main(String[] args) {
    System.exit(new Main(Environment.system(), System.out, System.err, JVM).run(args));
  }

  /** Parses and runs one command line; returns the exit code. */
  int run(String... args) {
    CommandLine cli = new CommandLine(this);
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    cli.setExecutionExceptionHandler(
        (e, command, parsed) -> {
          if (e instanceof ApiException refused) {
            err.println(refusal(refused));
            return REFUSED;
          }
          if (e instanceof ApiClient.EmptyId empty) {
            return usageError(
                new ParameterException(command, "Invalid value for ID: " + empty.getMessage()),
                args);
          }
          if (e instanceof Unreachable unreachable) {
            err.println(Printer.visible("slipway: " + unreachable.getMessage()));
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

  /** What to say when the API refused: who to blame, the API's message, the field it names. */
  static String refusal(ApiException refused) {
    return Printer.visible(refusalText(refused));
  }

  private static String refusalText(ApiException refused) {
    return switch (refused.status) {
      case ApiException.UNAUTHORIZED ->
          "slipway: not authenticated: "
              + refused.getMessage()
              + "; give a token with --token-file, SLIPWAY_TOKEN, SLIPWAY_TOKEN_FILE or 'slipway login'";
      case ApiException.FORBIDDEN -> "slipway: not allowed: " + refused.getMessage();
      default ->
          "slipway: "
              + refused.getMessage()
              + (refused.field == null ? "" : " (field: " + refused.field + ")");
    };
  }

  /** The API of the server this command talks to, with its token. */
  ApiClient api() {
    Resolved resolved = credentials();
    return new ApiClient(resolved.server(), resolved.token());
  }

  /** The server and token (see {@link Credentials}), found once per command. */
  private Resolved credentials() {
    if (credentials == null) {
      try {
        credentials = Credentials.resolve(server, tokenFile, env, this::warn);
      } catch (IllegalArgumentException e) {
        throw usage(e);
      }
    }
    return credentials;
  }

  /** A problem with what was given (a file, a variable) as a usage error of this command line. */
  ParameterException usage(IllegalArgumentException problem) {
    return new ParameterException(spec.commandLine(), problem.getMessage());
  }

  /** A warning for the person at the terminal (stderr), before any output. */
  void warn(String text) {
    err.println(Printer.visible(text));
    err.flush();
  }

  Printer printer() {
    return new Printer(out, err, json);
  }

  /** The {@code --attr} options as a map, or a usage error of {@code command} naming --attr. */
  static Map<String, String> attributes(CommandLine command, List<Attr> attrs) {
    return pairs(command, "--attr", attrs);
  }

  /** {@code KEY=VALUE} options as a map, or a usage error of {@code command} naming the option. */
  static Map<String, String> pairs(CommandLine command, String option, List<Attr> pairs) {
    try {
      return Args.attributes(pairs);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(
          command, "Invalid value for option '" + option + "': " + e.getMessage());
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
