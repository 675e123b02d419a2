package dev.driverlab.userland.lspci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class LspciOptionsTest {

  @Test
  void parsesCombinedSwitches() {
    LspciOptions o = LspciOptions.parse("-vvvnn");
    assertEquals(3, o.verbosity());
    assertEquals(2, o.numeric());
    assertEquals(0, o.hexLevel());
    assertFalse(o.tree());
    LspciOptions t = LspciOptions.parse("-tv");
    assertTrue(t.tree());
    assertEquals(1, t.verbosity());
    assertEquals(4, LspciOptions.parse("-xxxx").hexLevel());
    assertEquals(4, LspciOptions.parse("-xxxxx").hexLevel());
  }

  @Test
  void slotSelectorMayFollowOrBeAttached() {
    assertEquals(new SlotFilter(SlotFilter.ANY, 0, 0x1f, 3),
        LspciOptions.parse("-s", "00:1f.3").slots());
    assertEquals(new SlotFilter(SlotFilter.ANY, SlotFilter.ANY, 2, SlotFilter.ANY),
        LspciOptions.parse("-vs02").slots());
  }

  @Test
  void builderMakesTheSameValue() {
    assertEquals(LspciOptions.parse("-vvnn", "-s", "1:"),
        LspciOptions.builder().verbosity(2).numeric(2).slots("1:").build());
  }

  @Test
  void unknownSwitchIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LspciOptions.parse("-q"));
    assertEquals("lspci: invalid option -- 'q'", e.getMessage());
  }

  @ParameterizedTest(name = "-s {0}: {1}")
  @CsvSource(delimiter = '|', value = {
      "zz|-s: Invalid slot number",
      "x|-s: Invalid slot number",
      "20|-s: Invalid slot number",
      "0.8|-s: Invalid function number",
      "100:|-s: Invalid bus number",
      "80000000::|-s: Invalid domain number",
      "1.2.3|-s: Invalid slot/function number",
      "1:2:3:4|-s: Too many fields",
  })
  void badSelectorsUseLspcisWords(String selector, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LspciOptions.parse("-s", selector));
    assertEquals(message, e.getMessage());
  }

  @Test
  void selectorsWithWildcards() {
    SlotFilter f = SlotFilter.parse("*:*.1");
    assertTrue(f.matches(5, 3, 7, 1));
    assertFalse(f.matches(0, 0, 0, 0));
    assertEquals(SlotFilter.ALL, SlotFilter.parse(":"));
    assertEquals(SlotFilter.ALL, SlotFilter.parse("."));
    assertEquals(SlotFilter.ALL, SlotFilter.parse("*:*:*"));
    assertEquals(new SlotFilter(1, 0, 2, SlotFilter.ANY), SlotFilter.parse("1:0:2"));
    assertEquals(new SlotFilter(SlotFilter.ANY, SlotFilter.ANY, SlotFilter.ANY, 0),
        SlotFilter.parse(".0"));
  }
}
