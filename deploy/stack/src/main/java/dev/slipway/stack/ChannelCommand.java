package dev.slipway.stack;

import java.io.InputStream;
import java.io.OutputStream;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.command.Command;

/**
 * A command of an Apache SSHD server that keeps the channel's streams and exit callback the server
 * hands it before it starts; what it runs is the subclass's.
 */
public abstract class ChannelCommand implements Command {

  private InputStream in;
  private OutputStream out;
  private OutputStream err;
  private ExitCallback exitCallback;

  @Override
  public final void setInputStream(InputStream in) {
    this.in = in;
  }

  @Override
  public final void setOutputStream(OutputStream out) {
    this.out = out;
  }

  @Override
  public final void setErrorStream(OutputStream err) {
    this.err = err;
  }

  @Override
  public final void setExitCallback(ExitCallback callback) {
    this.exitCallback = callback;
  }

  /** What the client sends: the command's stdin. */
  protected final InputStream in() {
    return in;
  }

  /** The command's stdout, to the client. */
  protected final OutputStream out() {
    return out;
  }

  /** The command's stderr, to the client. */
  protected final OutputStream err() {
    return err;
  }

  /** Sends the client the command's exit status. */
  protected final void exit(int status) {
    exitCallback.onExit(status);
  }
}
