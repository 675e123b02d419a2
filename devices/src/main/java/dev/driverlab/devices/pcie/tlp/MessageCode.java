package dev.driverlab.devices.pcie.tlp;

/**
 * Message Codes of Msg/MsgD TLPs (header byte 7) and the routing each uses (PCIe Base Spec §2.2.8,
 * Tables "INTx Mechanism Messages", "Power Management Messages", "Error Signaling Messages" and the
 * others of that section). Routing values are r[2:0] of the Type field: see {@link Tlp#messageRouting()}.
 */
public final class MessageCode {
  private MessageCode() {}

  /** r[2:0] = 000: routed to the Root Complex. */
  public static final int ROUTE_TO_RC = 0;
  /** r[2:0] = 001: routed by address (header bytes 8..15). */
  public static final int ROUTE_BY_ADDRESS = 1;
  /** r[2:0] = 010: routed by ID (header bytes 8..9). */
  public static final int ROUTE_BY_ID = 2;
  /** r[2:0] = 011: broadcast from the Root Complex. */
  public static final int ROUTE_BROADCAST = 3;
  /** r[2:0] = 100: local, terminates at the receiver (INTx travels this way, hop by hop). */
  public static final int ROUTE_LOCAL = 4;
  /** r[2:0] = 101: gathered and routed to the Root Complex (PME_TO_Ack). */
  public static final int ROUTE_GATHERED_TO_RC = 5;

  public static final int UNLOCK = 0x00;
  public static final int LTR = 0x10;
  public static final int OBFF = 0x12;
  public static final int PM_ACTIVE_STATE_NAK = 0x14;
  public static final int PM_PME = 0x18;
  public static final int PME_TURN_OFF = 0x19;
  public static final int PME_TO_ACK = 0x1b;
  public static final int ASSERT_INTA = 0x20;
  public static final int ASSERT_INTB = 0x21;
  public static final int ASSERT_INTC = 0x22;
  public static final int ASSERT_INTD = 0x23;
  public static final int DEASSERT_INTA = 0x24;
  public static final int DEASSERT_INTB = 0x25;
  public static final int DEASSERT_INTC = 0x26;
  public static final int DEASSERT_INTD = 0x27;
  public static final int ERR_COR = 0x30;
  public static final int ERR_NONFATAL = 0x31;
  public static final int ERR_FATAL = 0x33;
  public static final int SET_SLOT_POWER_LIMIT = 0x50;
  public static final int VENDOR_DEFINED_TYPE0 = 0x7e;
  public static final int VENDOR_DEFINED_TYPE1 = 0x7f;

  /** The spec's name for a code ("Assert_INTA"), or null when DriverLab does not know it. */
  public static String name(int code) {
    switch (code) {
      case UNLOCK:
        return "Unlock";
      case LTR:
        return "LTR";
      case OBFF:
        return "OBFF";
      case PM_ACTIVE_STATE_NAK:
        return "PM_Active_State_Nak";
      case PM_PME:
        return "PM_PME";
      case PME_TURN_OFF:
        return "PME_Turn_Off";
      case PME_TO_ACK:
        return "PME_TO_Ack";
      case ASSERT_INTA:
      case ASSERT_INTB:
      case ASSERT_INTC:
      case ASSERT_INTD:
        return "Assert_INT" + (char) ('A' + code - ASSERT_INTA);
      case DEASSERT_INTA:
      case DEASSERT_INTB:
      case DEASSERT_INTC:
      case DEASSERT_INTD:
        return "Deassert_INT" + (char) ('A' + code - DEASSERT_INTA);
      case ERR_COR:
        return "ERR_COR";
      case ERR_NONFATAL:
        return "ERR_NONFATAL";
      case ERR_FATAL:
        return "ERR_FATAL";
      case SET_SLOT_POWER_LIMIT:
        return "Set_Slot_Power_Limit";
      case VENDOR_DEFINED_TYPE0:
        return "Vendor_Defined_Type0";
      case VENDOR_DEFINED_TYPE1:
        return "Vendor_Defined_Type1";
      default:
        return null;
    }
  }

  /** Whether the code is one of the eight INTx Assert/Deassert messages (0x20..0x27). */
  public static boolean isIntx(int code) {
    return code >= ASSERT_INTA && code <= DEASSERT_INTD;
  }

  /** The name of a routing value r[2:0] ("to-rc", "address", "id", "broadcast", "local", "gather"). */
  public static String routingName(int routing) {
    switch (routing) {
      case ROUTE_TO_RC:
        return "to-rc";
      case ROUTE_BY_ADDRESS:
        return "address";
      case ROUTE_BY_ID:
        return "id";
      case ROUTE_BROADCAST:
        return "broadcast";
      case ROUTE_LOCAL:
        return "local";
      case ROUTE_GATHERED_TO_RC:
        return "gather";
      default:
        return "reserved";
    }
  }
}
