package dev.driverlab.userland.lspci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our lspci against pciutils 3.9.0's own output for 41 real config spaces (172 functions), from
 * shared/testdata/pciutils.
 *
 * <p>Names come from the system pci.ids ({@code apt-get install pci.ids}, version 2023.04.10 on
 * Debian 12). When it is missing, the lines that carry names are left out of the comparison
 * (a note says so) and everything else is still compared.
 *
 * <p>Known differences caused by pci.ids versions, not by the decoder: the reference machine's
 * lspci took unknown subsystem names from udev's hwdb, which was built from an older pci.ids
 * that calls 10ec:8168 "RTL8111/8168/8211/8411 ..." where pci.ids 2023.04.10 says
 * "RTL8111/8168/8411 ..." (two Subsystem lines of tree-asus-p6t6). Each such line is listed in
 * {@link #KNOWN_NAME_VERSION_DIFFERENCES} with what we print instead; any other difference fails.
 */
class LspciReferenceTest {
  /** Expected line to the line we print with pci.ids 2023.04.10, where only the version differs. */
  static final Map<String, String> KNOWN_NAME_VERSION_DIFFERENCES = Map.of(
      "\tSubsystem: ASUSTeK Computer Inc. RTL8111/8168/8211/8411 PCI Express Gigabit Ethernet "
          + "Controller [1043:8367]",
      "\tSubsystem: ASUSTeK Computer Inc. RTL8111/8168/8411 PCI Express Gigabit Ethernet "
          + "Controller [1043:8367]");

  private static final PciIds IDS = ReferenceData.systemIdsPresent() ? PciIds.system()
      : PciIds.empty();
  private static final boolean NAMES = ReferenceData.systemIdsPresent();

  static List<String> dumps() {
    return ReferenceData.dumpNames();
  }

  private static String run(String dump, String... options) {
    return Lspci.format(ReferenceData.dump(dump), IDS, LspciOptions.parse(options));
  }

  @Test
  void allFortyOneDumpsAreThere() {
    assertEquals(41, dumps().size(), "dumps in " + ReferenceData.root());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dumps")
  void hexDumpOf4096BytesMatchesExactly(String dump) {
    String expected = ReferenceData.expected(dump, "xxxx");
    String actual = run(dump, "-xxxx");
    if (!NAMES) {
      System.out.println("note: no pci.ids on this machine; comparing " + dump
          + " -xxxx summary lines by slot only");
      expected = slotsOnly(expected);
      actual = slotsOnly(actual);
    }
    assertSameLines(dump + " -xxxx", expected, actual);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dumps")
  void verboseTreeMatchesExactly(String dump) {
    String expected = ReferenceData.expected(dump, "tv");
    String actual = run(dump, "-tv");
    if (!NAMES) {
      System.out.println("note: no pci.ids on this machine; comparing " + dump
          + " -tv without device names");
      expected = withoutTreeNames(expected);
      actual = withoutTreeNames(actual);
    }
    assertSameLines(dump + " -tv", expected, actual);
  }

  /** Header lines, regions, and the PM, MSI, MSI-X and Express blocks of every function. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("dumps")
  void verboseHeadersRegionsAndKeyCapabilitiesMatchExactly(String dump) {
    Map<String, VerboseBlocks.Function> expected =
        VerboseBlocks.parse(ReferenceData.expected(dump, "vvvnn"));
    Map<String, VerboseBlocks.Function> actual = VerboseBlocks.parse(run(dump, "-vvvnn"));
    assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()),
        dump + ": functions listed");
    StringBuilder problems = new StringBuilder();
    for (VerboseBlocks.Function e : expected.values()) {
      VerboseBlocks.Function a = actual.get(e.slot());
      String diff = LineDiff.describe(comparable(e.header()), comparable(a.header()));
      if (!diff.isEmpty()) {
        problems.append(e.slot()).append(" header:\n").append(diff);
      }
      List<String> ek = flatten(e.keyCapabilities());
      List<String> ak = flatten(a.keyCapabilities());
      diff = LineDiff.describe(ek, ak);
      if (!diff.isEmpty()) {
        problems.append(e.slot()).append(" PM/MSI/MSI-X/Express:\n").append(diff);
      }
    }
    if (problems.length() > 0) {
      fail(dump + " -vvvnn differs from pciutils 3.9.0:\n" + problems);
    }
  }

  /** Prints the share of all -vvvnn lines we reproduce; requires nearly all of them. */
  @Test
  void verboseOutputShareOfMatchingLines() {
    int total = 0;
    int matched = 0;
    int functions = 0;
    int knownVersionLines = 0;
    List<String> imperfect = new ArrayList<>();
    for (String dump : dumps()) {
      List<String> expected = LineDiff.lines(ReferenceData.expected(dump, "vvvnn"));
      List<String> actual = LineDiff.lines(run(dump, "-vvvnn"));
      int m = LineDiff.matchedLines(expected, actual);
      total += expected.size();
      knownVersionLines += (int) expected.stream()
          .filter(KNOWN_NAME_VERSION_DIFFERENCES::containsKey).count();
      matched += m;
      functions += VerboseBlocks.parse(ReferenceData.expected(dump, "vvvnn")).size();
      if (m != expected.size() || actual.size() != expected.size()) {
        imperfect.add(dump + " (" + m + "/" + expected.size() + ")");
      }
    }
    double percent = 100.0 * matched / total;
    System.out.printf("vvvnn: %d of %d lines match (%.2f%%) across %d functions%s%n", matched,
        total, percent, functions, NAMES ? "" : " [no pci.ids: names print as numbers]");
    System.out.println("vvvnn: dumps not matched exactly: " + imperfect);
    assertEquals(172, functions, "functions in the reference outputs");
    if (NAMES) {
      assertTrue(matched >= total - knownVersionLines,
          "only the " + knownVersionLines + " known pci.ids-version lines may differ; imperfect: "
              + imperfect);
    }
  }

  /** Lines as compared: known version differences mapped back, name lines dropped without ids. */
  private static List<String> comparable(List<String> lines) {
    return lines.stream()
        .map(l -> KNOWN_NAME_VERSION_DIFFERENCES.entrySet().stream()
            .filter(en -> en.getValue().equals(l)).map(Map.Entry::getKey).findFirst().orElse(l))
        .filter(l -> NAMES || !carriesName(l))
        .collect(Collectors.toList());
  }

  private static boolean carriesName(String line) {
    return !line.startsWith("\t") || line.startsWith("\tSubsystem:");
  }

  private static List<String> flatten(List<List<String>> blocks) {
    List<String> out = new ArrayList<>();
    blocks.forEach(out::addAll);
    return out;
  }

  /** Keeps hex lines, and only the slot of each summary line. */
  private static String slotsOnly(String hexDump) {
    return hexDump.lines().map(l -> l.matches("[0-9a-f]{2,3}: .*") || l.isEmpty() ? l
        : l.substring(0, l.indexOf(' '))).collect(Collectors.joining("\n"));
  }

  /** Cuts the "  Vendor Device" part after each function in a tree drawing. */
  private static String withoutTreeNames(String tree) {
    return tree.lines().map(l -> l.replaceAll("  \\S.*$", "")).collect(Collectors.joining("\n"));
  }

  private static void assertSameLines(String what, String expected, String actual) {
    String diff = LineDiff.describe(LineDiff.lines(expected), LineDiff.lines(actual));
    if (!diff.isEmpty()) {
      fail(what + " differs from pciutils 3.9.0:\n" + diff);
    }
  }
}
