package dev.driverlab.kernel.printk;

import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.base.Device;

/**
 * printk and its wrappers with Linux names. Levels are prefixed the Linux way ({@link #KERN_INFO} is
 * "\0016"); format strings are C's ({@link CFormat}). IRQ-safe, never sleeps.
 */
public final class Printk {
  private Printk() {}

  public static final String KERN_SOH = "\u0001";
  public static final String KERN_EMERG = KERN_SOH + "0", KERN_ALERT = KERN_SOH + "1", KERN_CRIT = KERN_SOH + "2";
  public static final String KERN_ERR = KERN_SOH + "3", KERN_WARNING = KERN_SOH + "4", KERN_NOTICE = KERN_SOH + "5";
  public static final String KERN_INFO = KERN_SOH + "6", KERN_DEBUG = KERN_SOH + "7", KERN_CONT = KERN_SOH + "c";
  /** Level used when the format has no KERN_ prefix (CONFIG_MESSAGE_LOGLEVEL_DEFAULT). */
  public static final int DEFAULT_LEVEL = 4;

  /** Logs {@code fmt} (optionally prefixed with a KERN_ level); returns the number of characters. */
  public static int printk(String fmt, Object... args) {
    int level = DEFAULT_LEVEL;
    if (fmt.startsWith(KERN_CONT)) {
      String text = CFormat.format(fmt.substring(KERN_CONT.length()), args);
      Kernel.current().dmesg().append(level, text);
      return text.length();
    }
    if (fmt.length() >= 2 && fmt.charAt(0) == '\u0001' && Character.isDigit(fmt.charAt(1))) {
      level = fmt.charAt(1) - '0';
      fmt = fmt.substring(2);
    }
    String text = CFormat.format(fmt, args);
    Kernel.current().dmesg().log(level, text);
    return text.length();
  }

  public static int pr_emerg(String fmt, Object... a) {
    return printk(KERN_EMERG + fmt, a);
  }

  public static int pr_err(String fmt, Object... a) {
    return printk(KERN_ERR + fmt, a);
  }

  public static int pr_warn(String fmt, Object... a) {
    return printk(KERN_WARNING + fmt, a);
  }

  public static int pr_notice(String fmt, Object... a) {
    return printk(KERN_NOTICE + fmt, a);
  }

  public static int pr_info(String fmt, Object... a) {
    return printk(KERN_INFO + fmt, a);
  }

  public static int pr_debug(String fmt, Object... a) {
    return printk(KERN_DEBUG + fmt, a);
  }

  /** pr_cont: continues the previous line (KERN_CONT). */
  public static int pr_cont(String fmt, Object... a) {
    return printk(KERN_CONT + fmt, a);
  }

  /**
   * {@code dev_err(dev, ...)}: prefixed with the driver and device name, as Linux does; a null device
   * prints "(NULL device *): " (drivers/base/core.c, __dev_printk).
   */
  public static int dev_err(Device dev, String fmt, Object... a) {
    return devPrintk(KERN_ERR, dev, fmt, a);
  }

  public static int dev_warn(Device dev, String fmt, Object... a) {
    return devPrintk(KERN_WARNING, dev, fmt, a);
  }

  public static int dev_info(Device dev, String fmt, Object... a) {
    return devPrintk(KERN_INFO, dev, fmt, a);
  }

  public static int dev_dbg(Device dev, String fmt, Object... a) {
    return devPrintk(KERN_DEBUG, dev, fmt, a);
  }

  /** The prefix is added after formatting, so a '%' in a device or driver name is printed as is. */
  private static int devPrintk(String level, Device dev, String fmt, Object... a) {
    String prefix = dev == null ? "(NULL device *): " : dev.logPrefix();
    return printk(level + "%s%s", prefix, CFormat.format(fmt, a));
  }
}
