package dev.slipway.cli;

import dev.slipway.common.limits.Limits;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Which server a command talks to and with which token; the first that is given wins.
 *
 * <p>Server: {@code --server}, {@code $SLIPWAY_SERVER}, the server {@code slipway login} saved, the
 * local stack's (the URL {@code deploy/local/run} writes beside its admin token, whatever {@code
 * --port} it was given), {@code http://127.0.0.1:8080}.
 *
 * <p>Token: {@code --token-file}, {@code $SLIPWAY_TOKEN}, {@code $SLIPWAY_TOKEN_FILE}, the token
 * {@code slipway login} saved for this same server, the local stack's admin token when the server
 * is the local stack's. There is no option taking the token itself: a command line shows in {@code
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
    return saved.server() != null ? saved.server() : localServer(env);
  }

  /**
   * The local stack's coordinator: the URL {@code deploy/local/run} wrote to {@code server} beside
   * its admin token (an http URL on this machine), else {@link #LOCAL_SERVER}. A file that holds
   * anything else is ignored: the local admin token goes only to a server on this machine.
   */
  static URI localServer(Environment env) {
    Path file = env.localServerFile();
    if (file == null || !Files.isRegularFile(file)) {
      return LOCAL_SERVER;
    }
    try {
      URI written = Args.server(LocalFiles.read(file, Limits.URI).strip());
      return isThisMachine(written) ? written : LOCAL_SERVER;
    } catch (IOException | IllegalArgumentException e) {
      return LOCAL_SERVER;
    }
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
    URI local = localServer(env);
    URI savedFor = saved.server() != null ? saved.server() : local;
    if (saved.token() != null && sameServer(savedFor, server)) {
      Secrets.warnIfOpen(config.path(), warn);
      return saved.token();
    }
    Path localToken = env.localTokenFile();
    if (localToken != null && isLocal(server, local) && Files.exists(localToken)) {
      return Secrets.readTokenFile(localToken, "the local stack's token file", warn);
    }
    return null;
  }

  /** Same scheme, host, port and path, whatever the case of the host or a trailing slash. */
  static boolean sameServer(URI a, URI b) {
    return key(a).equals(key(b));
  }

  /** Whether {@code server} is the local launcher's coordinator {@code local}, on this machine. */
  static boolean isLocal(URI server, URI local) {
    return isThisMachine(server)
        && port(server) == port(local)
        && (sameServer(server, local) || isLoopback(server.getHost()));
  }

  /**
   * Plain http, with no path, to a loopback address or to an address of one of this machine's
   * interfaces given as a literal (no name is looked up): how the local launcher serves its API.
   */
  private static boolean isThisMachine(URI server) {
    if (!"http".equals(server.getScheme()) || server.getHost() == null || !path(server).isEmpty()) {
      return false;
    }
    String host = server.getHost();
    if (isLoopback(host)) {
      return true;
    }
    String literal = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (!literal.matches("[0-9.]+|[0-9a-fA-F:]+")) {
      return false; // a name: not looked up
    }
    try {
      return NetworkInterface.getByInetAddress(InetAddress.getByName(literal)) != null;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean isLoopback(String host) {
    return LOOPBACK.contains(host.toLowerCase(Locale.ROOT));
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
