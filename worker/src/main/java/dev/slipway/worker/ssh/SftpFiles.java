package dev.slipway.worker.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.extensions.openssh.OpenSSHPosixRenameExtension;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;

/**
 * {@link RemoteFiles} over the host's pooled SFTP client. A rename that replaces is {@code
 * posix-rename@openssh.com} where the server has it (OpenSSH, Apache SSHD), an SFTP v5+ rename with
 * overwrite otherwise; a v3 server with neither gets the old file removed, then the rename (which
 * is not atomic).
 */
final class SftpFiles implements RemoteFiles {

  private static final int BUFFER = 64 * 1024;

  private final SftpClient sftp;

  SftpFiles(SftpClient sftp) {
    this.sftp = sftp;
  }

  @Override
  public String canonical(String path) throws IOException {
    try {
      String resolved = sftp.canonicalPath(path);
      return resolved.length() > 1 && resolved.endsWith("/")
          ? resolved.substring(0, resolved.length() - 1)
          : resolved;
    } catch (SftpException e) {
      throw refused(e);
    }
  }

  @Override
  public Entry lstat(String path) throws IOException {
    SftpClient.Attributes attributes;
    try {
      attributes = sftp.lstat(path);
    } catch (SftpException e) {
      if (e.getStatus() == SftpConstants.SSH_FX_NO_SUCH_FILE) {
        return null;
      }
      throw refused(e);
    }
    if (attributes.isSymbolicLink()) {
      return new Entry(Type.LINK, 0);
    }
    if (attributes.isDirectory()) {
      return new Entry(Type.DIRECTORY, 0);
    }
    if (attributes.isRegularFile()) {
      return new Entry(Type.FILE, attributes.getSize());
    }
    return new Entry(Type.OTHER, 0);
  }

  @Override
  public String readLink(String path) throws IOException {
    try {
      return sftp.readLink(path);
    } catch (SftpException e) {
      throw refused(e);
    }
  }

  @Override
  public void list(String path, Names names) throws IOException, TransferRefused {
    // a handle of our own, closed also when a name is refused halfway through the listing
    try (SftpClient.CloseableHandle dir = sftp.openDir(path)) {
      for (List<SftpClient.DirEntry> batch = sftp.readDir(dir);
          batch != null;
          batch = sftp.readDir(dir)) {
        for (SftpClient.DirEntry entry : batch) {
          names.name(entry.getFilename());
        }
      }
    } catch (SftpException e) {
      throw refused(e);
    }
  }

  @Override
  public void mkdir(String path) throws IOException {
    try {
      sftp.mkdir(path);
    } catch (SftpException e) {
      throw refused(e);
    }
  }

  @Override
  public InputStream read(String path) throws IOException {
    try {
      return sftp.read(path, BUFFER);
    } catch (SftpException e) {
      throw refused(e);
    }
  }

  @Override
  public OutputStream createNew(String path) throws IOException {
    try {
      return sftp.write(
          path,
          BUFFER,
          SftpClient.OpenMode.Write,
          SftpClient.OpenMode.Create,
          SftpClient.OpenMode.Exclusive);
    } catch (SftpException e) {
      throw refused(e);
    }
  }

  @Override
  public void replace(String from, String to) throws IOException {
    try {
      OpenSSHPosixRenameExtension posix = sftp.getExtension(OpenSSHPosixRenameExtension.class);
      if (posix != null && posix.isSupported()) {
        posix.posixRename(from, to);
        return;
      }
      if (sftp.getVersion() >= SftpConstants.SFTP_V5) {
        sftp.rename(from, to, SftpClient.CopyMode.Atomic, SftpClient.CopyMode.Overwrite);
        return;
      }
      // SFTP v3 without the extension: a rename never replaces a file; not atomic
      remove(to);
      sftp.rename(from, to);
    } catch (SftpException e) {
      throw refused(e);
    }
  }

  @Override
  public void remove(String path) throws IOException {
    try {
      sftp.remove(path);
    } catch (SftpException e) {
      if (e.getStatus() != SftpConstants.SSH_FX_NO_SUCH_FILE) {
        throw refused(e);
      }
    }
  }

  private static RemoteFileRefused refused(SftpException e) {
    return new RemoteFileRefused(SftpConstants.getStatusName(e.getStatus()), e.getMessage(), e);
  }
}
