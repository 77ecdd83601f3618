package dev.slipway.cli;

import static dev.slipway.cli.ApiClient.path;

import dev.slipway.cli.ApiClient.Reply;
import dev.slipway.cli.Printer.Column;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code slipway token ...}: API tokens ({@code /api/v1/tokens}; admins only). */
@Command(
    name = "token",
    synopsisSubcommandLabel = "COMMAND",
    description = "Create, list and revoke API tokens (admin role).")
final class TokenCommands {

  static final String TOKENS = "api/v1/tokens";

  static final List<Column> TABLE =
      List.of(
          Column.of("ID", "id"),
          Column.of("NAME", "name"),
          Column.of("ROLE", "role"),
          Column.of("CREATED", "createdAt"),
          Column.of("LAST-USED", "lastUsedAt"),
          Column.of("EXPIRES", "expiresAt"),
          Column.of("REVOKED", "revokedAt"));

  @ParentCommand Main main;

  @Command(
      name = "create",
      description = {
        "Create a token and print it (the only time it is shown).",
        "With --json, print the whole reply."
      })
  int create(
      @Option(
              names = "--name",
              required = true,
              paramLabel = "NAME",
              description = "What the token is for, e.g. ci-nightly.")
          String name,
      @Option(
              names = "--role",
              required = true,
              paramLabel = "ROLE",
              converter = Args.RoleConverter.class,
              description = "viewer (read), operator (viewer + builds, plans, leases) or admin.")
          String role,
      @Option(
              names = "--expires-in",
              paramLabel = "DURATION",
              converter = Args.LifetimeConverter.class,
              description = "Expire it after this long (12h, 30d); else it never expires.")
          Duration expiresIn) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", name);
    body.put("role", role);
    if (expiresIn != null) {
      body.put(
          "expiresAt", Instant.now().plus(expiresIn).truncatedTo(ChronoUnit.SECONDS).toString());
    }
    Reply created = main.api().post(TOKENS, body);
    Printer printer = main.printer();
    if (main.json) {
      printer.record(created);
    } else {
      printer.line(created.json().path("token").asText());
    }
    printer.note(
        "token "
            + created.json().path("id").asText()
            + " ("
            + role
            + ") created; it will not be shown again");
    return 0;
  }

  @Command(name = "list", description = "List the tokens (never their secrets).")
  int list() {
    main.printer().table(main.api().get(TOKENS), TABLE);
    return 0;
  }

  @Command(name = "revoke", description = "Revoke a token: it is refused from now on.")
  int revoke(@Parameters(paramLabel = "ID") String id) {
    main.api().delete(path(TOKENS, id));
    main.printer().note("token " + id + " is revoked");
    return 0;
  }
}
