package dev.slipway.cli;

import static dev.slipway.cli.ApiClient.path;
import static dev.slipway.cli.ApiClient.putIfGiven;

import dev.slipway.cli.ApiClient.Reply;
import dev.slipway.cli.Args.Attr;
import dev.slipway.cli.Printer.Column;
import dev.slipway.common.limits.Limits;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway host ...}: preallocated build hosts ({@code /api/v1/hosts}). */
@Command(
    name = "host",
    synopsisSubcommandLabel = "COMMAND",
    description = "Register, list, change and remove build hosts.")
final class HostCommands {

  static final String HOSTS = "api/v1/hosts";

  static final List<Column> TABLE =
      List.of(
          Column.of("ID", "id"),
          Column.of("NAME", "name"),
          Column.of("ADDRESS", "address"),
          Column.of("PLATFORM", "platform"),
          Column.of("SLOTS", "slots"),
          Column.of("IN-USE", "leasesHeld"),
          Column.of("ENABLED", "enabled"),
          Column.of("STATUS", "status"),
          Column.of("ATTRIBUTES", "attributes"));

  @ParentCommand Main main;
  @Spec CommandSpec spec;

  /** How the coordinator logs in: a key to store, or a credential it already has. */
  static final class Login {
    @Option(
        names = "--key-file",
        required = true,
        paramLabel = "PATH",
        description = "Private key (PEM) to log in with; stored encrypted, never shown again.")
    Path keyFile;

    @Option(
        names = "--credential",
        required = true,
        paramLabel = "ID",
        description = "Id of a credential the coordinator already stores.")
    String credentialId;
  }

  /** {@code --enable} or {@code --disable}. */
  static final class Enabled {
    @Option(names = "--enable", required = true, description = "Let new leases use the host.")
    boolean enable;

    @Option(names = "--disable", required = true, description = "Give the host no new leases.")
    boolean disable;
  }

  @Command(name = "add", description = "Register a host; prints it, id first.")
  int add(
      @Option(names = "--name", required = true, paramLabel = "NAME", description = "Unique name.")
          String name,
      @Option(
              names = "--address",
              required = true,
              paramLabel = "HOST",
              description = "Host name or IP address to SSH to.")
          String address,
      @Option(
              names = "--port",
              defaultValue = "22",
              paramLabel = "PORT",
              description = "SSH port (default: ${DEFAULT-VALUE}).")
          int port,
      @Option(names = "--user", required = true, paramLabel = "USER", description = "SSH user.")
          String user,
      @ArgGroup(exclusive = true, multiplicity = "1") Login login,
      @Option(
              names = "--key-passphrase-env",
              paramLabel = "VAR",
              description =
                  "Environment variable holding the --key-file's passphrase (never on the"
                      + " command line, where ps would show it); stored encrypted.")
          String passphraseVariable,
      @Option(
              names = "--host-key",
              paramLabel = "KEY",
              description =
                  "Pin this OpenSSH public key (\"ssh-ed25519 AAAA...\"); else first use.")
          String hostKey,
      @Option(
              names = "--platform",
              required = true,
              paramLabel = "PLATFORM",
              converter = Args.PlatformConverter.class,
              description = "linux, macos or windows.")
          String platform,
      @Option(
              names = "--attr",
              paramLabel = "KEY=VALUE",
              converter = Args.AttrConverter.class,
              description = "An attribute leases can ask for (repeatable): --attr role=build.")
          List<Attr> attrs,
      @Option(
              names = "--slots",
              defaultValue = "1",
              paramLabel = "N",
              description = "Leases the host takes at once (default: ${DEFAULT-VALUE}).")
          int slots,
      @Option(
              names = "--blueprint",
              paramLabel = "NAME",
              description = "The static-host blueprint it belongs to (its working-copy budget).")
          String blueprint,
      @Option(
              names = "--working-copy-root",
              paramLabel = "DIR",
              description = "Where its working copies are kept (relative: to the user's home).")
          String workingCopyRoot) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", name);
    body.put("address", address);
    body.put("port", port);
    body.put("user", user);
    if (login.keyFile != null) {
      body.put("privateKey", readKey(login.keyFile));
      if (passphraseVariable != null) {
        String passphrase = System.getenv(passphraseVariable);
        if (passphrase == null) {
          throw new ParameterException(
              spec.subcommands().get("add"),
              "Invalid value for option '--key-passphrase-env': "
                  + passphraseVariable
                  + " is not set");
        }
        body.put("privateKeyPassphrase", passphrase);
      }
    } else {
      body.put("credentialId", login.credentialId);
    }
    if (hostKey != null) {
      body.put("hostKey", hostKey);
    }
    body.put("platform", platform);
    body.put("attributes", Main.attributes(spec.subcommands().get("add"), attrs));
    body.put("slots", slots);
    if (blueprint != null) {
      body.put("blueprint", blueprint);
    }
    if (workingCopyRoot != null) {
      body.put("workingCopyRoot", workingCopyRoot);
    }
    main.printer().record(main.api().post(HOSTS, body));
    return 0;
  }

  @Command(name = "list", description = "List the hosts.")
  int list() {
    main.printer().table(main.api().get(HOSTS), TABLE);
    return 0;
  }

  @Command(name = "show", description = "Show one host.")
  int show(@Parameters(paramLabel = "ID") String id) {
    main.printer().record(main.api().get(path(HOSTS, id)));
    return 0;
  }

  @Command(
      name = "edit",
      description = {
        "Change a host.",
        "--attr replaces all of the host's own attributes: give every one it should keep."
      })
  int edit(
      @Parameters(paramLabel = "ID") String id,
      @Option(
              names = "--attr",
              paramLabel = "KEY=VALUE",
              converter = Args.AttrConverter.class,
              description = "The host's attributes (repeatable); replaces the ones it has.")
          List<Attr> attrs,
      @Option(names = "--slots", paramLabel = "N", description = "Leases it takes at once.")
          Integer slots,
      @ArgGroup(exclusive = true, multiplicity = "0..1") Enabled enabled,
      @Option(names = "--address", paramLabel = "HOST", description = "New address.")
          String address,
      @Option(names = "--port", paramLabel = "PORT", description = "New SSH port.") Integer port,
      @Option(names = "--user", paramLabel = "USER", description = "New SSH user.") String user) {
    Map<String, Object> body = new LinkedHashMap<>();
    if (attrs != null) {
      body.put("attributes", Main.attributes(spec.subcommands().get("edit"), attrs));
    }
    putIfGiven(body, "slots", slots);
    if (enabled != null) {
      body.put("enabled", enabled.enable);
    }
    putIfGiven(body, "address", address);
    putIfGiven(body, "port", port);
    putIfGiven(body, "user", user);
    if (body.isEmpty()) {
      throw new ParameterException(
          spec.subcommands().get("edit"),
          "Nothing to change: give --attr, --slots, --enable, --disable, --address, --port"
              + " or --user");
    }
    main.printer().record(main.api().patch(path(HOSTS, id), body));
    return 0;
  }

  @Command(name = "disable", description = "Give a host no new leases (its leases go on).")
  int disable(@Parameters(paramLabel = "ID") String id) {
    main.printer().record(main.api().patch(path(HOSTS, id), Map.of("enabled", false)));
    return 0;
  }

  @Command(
      name = "remove",
      description = "Disable a host for new leases and remove it once no lease holds it.")
  int remove(@Parameters(paramLabel = "ID") String id) {
    Printer printer = main.printer();
    Reply host = main.api().delete(path(HOSTS, id));
    printer.record(host);
    printer.note("host " + id + " is disabled for new leases and will be removed once idle");
    return 0;
  }

  private String readKey(Path file) {
    String pem;
    try {
      pem = LocalFiles.read(file, Limits.PRIVATE_KEY);
    } catch (IOException e) {
      throw new ParameterException(
          spec.subcommands().get("add"),
          "Invalid value for option '--key-file': cannot read "
              + file
              + (e instanceof NoSuchFileException ? ": no such file" : ": " + ApiClient.reason(e)));
    }
    if (!pem.contains("PRIVATE KEY-----")) {
      throw new ParameterException(
          spec.subcommands().get("add"),
          "Invalid value for option '--key-file': "
              + file
              + " holds no PEM private key (-----BEGIN ... PRIVATE KEY-----)");
    }
    return pem;
  }
}
