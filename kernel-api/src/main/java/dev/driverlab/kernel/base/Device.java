package dev.driverlab.kernel.base;

/**
 * {@code struct device}: a named device in the driver model, with the driver bound to it, its driver
 * data and its DMA masks. {@code PciDev} embeds one, as in Linux ({@code &pdev->dev}).
 */
public class Device implements ErrPtr {
  private final String name;
  private final int err;
  private Object drvdata;
  private String driverName;
  public long dma_mask = 0xffff_ffffL;
  public long coherent_dma_mask = 0xffff_ffffL;
  private final Device parent;

  public Device(String name, Device parent) {
    this.name = name;
    this.parent = parent;
    this.err = 0;
  }

  protected Device(int err) {
    this.name = "ERR_PTR(" + err + ")";
    this.parent = null;
    this.err = err;
  }

  /** An ERR_PTR(-errno) device. */
  public static Device errPtr(int err) {
    return new Device(err);
  }

  @Override
  public int errCode() {
    return err;
  }

  /** dev_name(). */
  public String name() {
    return name;
  }

  public Device parent() {
    return parent;
  }

  public Object drvdata() {
    return drvdata;
  }

  public void setDrvdata(Object o) {
    this.drvdata = o;
  }

  public String driverName() {
    return driverName;
  }

  public void setDriverName(String n) {
    this.driverName = n;
  }

  /** "edu 0000:03:00.0: " as dev_info prefixes it ("0000:03:00.0: " with no driver bound). */
  public String logPrefix() {
    return (driverName == null ? "" : driverName + " ") + name + ": ";
  }

  @Override
  public String toString() {
    return name;
  }
}
