package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * {@code slipway login}: checks a token with the server and saves both in {@code
 * ~/.config/slipway/config} (owner-only), for the commands after it.
 */
@Command(
    name = "login",
    description = {
      "Check a token with the server and save both for the next commands.",
      "They go to ~/.config/slipway/config (mode 0600; $XDG_CONFIG_HOME if set).",
      "The token is read from --token-file, else asked for on the terminal",
      "(not echoed), else read as one line from stdin."
    })
final class LoginCommand implements Callable<Integer> {

  @ParentCommand Main main;

  @Override
  public Integer call() {
    ConfigFile config = new ConfigFile(main.env.configFile());
    URI server;
    String token;
    try {
      server = Credentials.server(main.server, main.env, config.read());
      token =
          main.tokenFile != null
              ? Secrets.readTokenFile(main.tokenFile, "--token-file", main::warn)
              : ask(server);
    } catch (IllegalArgumentException e) {
      throw main.usage(e);
    }
    JsonNode me = new ApiClient(server, token).get(WhoamiCommand.WHOAMI).json();
    try {
      config.write(server, token);
    } catch (IllegalArgumentException e) {
      throw main.usage(e);
    }
    Printer printer = main.printer();
    printer.line(
        "logged in to "
            + server
            + " as "
            + me.path("subject").asText()
            + " ("
            + me.path("role").asText()
            + ")");
    printer.note("the token is saved in " + config.path());
    return 0;
  }

  /** The token typed at the terminal without echo, else the first line of stdin. */
  private String ask(URI server) {
    Console console = main.env.console();
    if (console != null) {
      char[] typed = console.readPassword("Token for %s: ", server);
      return Secrets.token(typed == null ? null : new String(typed), "what was typed");
    }
    String line;
    try {
      line =
          new BufferedReader(new InputStreamReader(main.env.stdin(), StandardCharsets.UTF_8))
              .readLine();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the token from stdin: " + e.getMessage());
    }
    if (line == null) {
      throw new IllegalArgumentException("no token: give --token-file FILE, or the token on stdin");
    }
    return Secrets.token(line, "stdin");
  }
}
