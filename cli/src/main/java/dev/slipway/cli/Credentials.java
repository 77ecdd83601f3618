package dev.slipway.cli;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Which server a command talks to and with which token; the first that is given wins.
 *
 * <p>Server: {@code --server}, {@code $SLIPWAY_SERVER}, the server {@code slipway login} saved,
 * {@code http://127.0.0.1:8080}.
 *
 * <p>Token: {@code --token-file}, {@code $SLIPWAY_TOKEN}, {@code $SLIPWAY_TOKEN_FILE}, the token
 * {@code slipway login} saved for this same server, the local stack's admin token when the server
 * is the local default. There is no option taking the token itself: a command line shows in {@code
 * ps}.
 */
final class Credentials {

  static final URI LOCAL_SERVER = URI.create("http://127.0.0.1:8080");

  private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "[::1]");

  /**
   * The outcome.
   *
   * @param token null when none was found: the API will say 401
   */
  record Resolved(URI server, String token) {
    @Override
    public String toString() {
      return "Resolved[server=" + server + (token == null ? ", no token]" : ", token given]");
    }
  }

  private Credentials() {}

  /**
   * @param serverOption {@code --server}, or null
   * @param tokenFileOption {@code --token-file}, or null
   * @throws IllegalArgumentException naming what cannot be used, e.g. an unreadable token file
   */
  static Resolved resolve(
      URI serverOption, Path tokenFileOption, Environment env, Consumer<String> warn) {
    ConfigFile config = new ConfigFile(env.configFile());
    ConfigFile.Saved saved = config.read();
    URI server = server(serverOption, env, saved);
    return new Resolved(server, token(server, tokenFileOption, env, config, saved, warn));
  }

  /** The server alone: {@code --server}, {@code $SLIPWAY_SERVER}, the saved one, the default. */
  static URI server(URI serverOption, Environment env, ConfigFile.Saved saved) {
    if (serverOption != null) {
      return serverOption;
    }
    String fromEnv = env.variable("SLIPWAY_SERVER");
    if (fromEnv != null) {
      try {
        return Args.server(fromEnv);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("SLIPWAY_SERVER: " + e.getMessage());
      }
    }
    return saved.server() != null ? saved.server() : LOCAL_SERVER;
  }

  private static String token(
      URI server,
      Path tokenFileOption,
      Environment env,
      ConfigFile config,
      ConfigFile.Saved saved,
      Consumer<String> warn) {
    if (tokenFileOption != null) {
      return Secrets.readTokenFile(tokenFileOption, "--token-file", warn);
    }
    String token = env.variable("SLIPWAY_TOKEN");
    if (token != null) {
      return Secrets.token(token, "SLIPWAY_TOKEN");
    }
    String file = env.variable("SLIPWAY_TOKEN_FILE");
    if (file != null) {
      return Secrets.readTokenFile(Path.of(file), "SLIPWAY_TOKEN_FILE", warn);
    }
    URI savedFor = saved.server() != null ? saved.server() : LOCAL_SERVER;
    if (saved.token() != null && sameServer(savedFor, server)) {
      Secrets.warnIfOpen(config.path(), warn);
      return saved.token();
    }
    Path local = env.localTokenFile();
    if (local != null && isLocalDefault(server) && Files.exists(local)) {
      return Secrets.readTokenFile(local, "the local stack's token file", warn);
    }
    return null;
  }

  /** Same scheme, host, port and path, whatever the case of the host or a trailing slash. */
  static boolean sameServer(URI a, URI b) {
    return key(a).equals(key(b));
  }

  /** The local launcher's coordinator: http on port 8080 of this machine. */
  static boolean isLocalDefault(URI server) {
    return "http".equals(server.getScheme())
        && LOOPBACK.contains(server.getHost().toLowerCase(Locale.ROOT))
        && port(server) == LOCAL_SERVER.getPort()
        && path(server).isEmpty();
  }

  private static String key(URI uri) {
    return uri.getScheme().toLowerCase(Locale.ROOT)
        + "://"
        + uri.getHost().toLowerCase(Locale.ROOT)
        + ":"
        + port(uri)
        + path(uri);
  }

  private static int port(URI uri) {
    if (uri.getPort() != -1) {
      return uri.getPort();
    }
    return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  private static String path(URI uri) {
    String path = uri.getPath() == null ? "" : uri.getPath();
    return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }
}
