package dev.driverlab.userland.labs;

/** A lab command cannot go on; the message is for the user, as is. */
public final class LabException extends Exception {
  public LabException(String message) {
    super(message);
  }

  public LabException(String message, Throwable cause) {
    super(message, cause);
  }
}
