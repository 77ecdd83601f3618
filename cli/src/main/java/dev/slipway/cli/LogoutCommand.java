package dev.slipway.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code slipway logout}: forgets the token {@code slipway login} saved. */
@Command(
    name = "logout",
    description = {
      "Remove the token saved by 'slipway login' (the server stays saved).",
      "The token itself stays valid: 'slipway token revoke ID' ends it."
    })
final class LogoutCommand implements Callable<Integer> {

  @ParentCommand Main main;

  @Override
  public Integer call() {
    ConfigFile config = new ConfigFile(main.env.configFile());
    boolean removed;
    try {
      removed = config.removeToken();
    } catch (IllegalArgumentException e) {
      throw main.usage(e);
    }
    main.printer()
        .note(
            removed
                ? "removed the saved token from " + config.path()
                : "no token is saved in " + config.path());
    return 0;
  }
}
