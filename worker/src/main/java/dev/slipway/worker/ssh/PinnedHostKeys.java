package dev.slipway.worker.ssh;

import java.net.SocketAddress;
import java.security.PublicKey;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.jboss.logging.Logger;

/**
 * Accepts a host's key only if it is the one pinned for that host. A host with no pinned key yet
 * has the presented key pinned on first contact (through {@link Pinner}) when the operator allows
 * it ({@code slipway.ssh.pin-on-first-contact}), and is refused otherwise.
 */
public final class PinnedHostKeys implements ServerKeyVerifier {

  /** Records a first-contact host key; returns the key pinned afterwards (another may have won). */
  @FunctionalInterface
  public interface Pinner {
    String pin(String resourceId, String hostKey);
  }

  private static final Logger LOG = Logger.getLogger(PinnedHostKeys.class);

  /** A connection attempt: the host it is for, and the mismatch found while connecting. */
  static final class Attempt {
    final HostConnection host;
    private volatile String mismatch;

    Attempt(HostConnection host) {
      this.host = host;
    }

    /** Why the host's key was refused, or null. */
    String mismatch() {
      return mismatch;
    }
  }

  static final AttributeRepository.AttributeKey<Attempt> ATTEMPT =
      new AttributeRepository.AttributeKey<>();

  private final Pinner pinner;
  private final boolean firstContact;

  /**
   * @param firstContact whether a host with no pinned key has the key it presents pinned (else it
   *     is refused until an operator registers its key)
   */
  public PinnedHostKeys(Pinner pinner, boolean firstContact) {
    this.pinner = pinner;
    this.firstContact = firstContact;
  }

  @Override
  public boolean verifyServerKey(ClientSession session, SocketAddress address, PublicKey key) {
    AttributeRepository context = session.getConnectionContext();
    Attempt attempt = context == null ? null : context.getAttribute(ATTEMPT);
    if (attempt == null) {
      return false;
    }
    HostConnection host = attempt.host;
    String presented = PublicKeyEntry.toString(key);
    String pinned = host.hostKey();
    if (pinned == null && !firstContact) {
      attempt.mismatch =
          host.describe()
              + " presented "
              + fingerprint(key)
              + ", and no key is pinned for "
              + host.resourceId()
              + " (slipway.ssh.pin-on-first-contact is off: register the host with its hostKey)";
      return false;
    }
    if (pinned == null) {
      pinned = pinner.pin(host.resourceId(), presented);
      LOG.infof("pinned host key of %s (%s) on first contact", host.resourceId(), fingerprint(key));
    }
    if (sameKey(pinned, key)) {
      return true;
    }
    // kept on the attempt, not the session: a refused session closes, and its attributes with it
    attempt.mismatch =
        host.describe()
            + " presented "
            + fingerprint(key)
            + ", which is not the key pinned for "
            + host.resourceId();
    return false;
  }

  static boolean sameKey(String pinnedLine, PublicKey presented) {
    try {
      PublicKey pinned =
          PublicKeyEntry.parsePublicKeyEntry(pinnedLine.trim()).resolvePublicKey(null, null, null);
      return KeyUtils.compareKeys(pinned, presented);
    } catch (Exception e) {
      LOG.warnf("pinned host key cannot be read: %s", e.getMessage());
      return false;
    }
  }

  private static String fingerprint(PublicKey key) {
    return KeyUtils.getFingerPrint(key);
  }
}
