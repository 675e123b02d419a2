package dev.driverlab.devices.pcie.tlp;

/** Which way a TLP crosses a link: towards the Root Complex (UPSTREAM) or away from it. */
public enum LinkDirection {
  UPSTREAM,
  DOWNSTREAM
}
