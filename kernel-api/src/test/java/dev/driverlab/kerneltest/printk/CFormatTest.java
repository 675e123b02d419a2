package dev.driverlab.kerneltest.printk;

import static dev.driverlab.kernel.printk.CFormat.format;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** C format strings as lib/vsprintf.c prints them. */
class CFormatTest {
  @Test
  void signedDecimal() {
    assertEquals("42 -7", format("%d %i", 42, -7));
  }

  @Test
  void unsignedOfAnIntIsItsThirtyTwoBitValue() {
    assertEquals("4294967295", format("%u", -1));
  }

  @Test
  void unsignedLongOfMinusOneIsTwoToTheSixtyFourMinusOne() {
    assertEquals("18446744073709551615", format("%lu", -1L));
  }

  @Test
  void hexLowerAndUpper() {
    assertEquals("ff FF", format("%x %X", 255, 255));
  }

  @Test
  void zeroPaddedHexOfANegativeIntShowsThirtyTwoBits() {
    assertEquals("0000beef ffffffff", format("%08x %08x", 0xbeef, -1));
  }

  @Test
  void longLongHexKeepsSixtyFourBits() {
    assertEquals("ffff888000000000", format("%llx", 0xffff_8880_0000_0000L));
  }

  @Test
  void sizeTDecimal() {
    assertEquals("4096", format("%zu", 4096L));
  }

  @Test
  void stringAndNullString() {
    assertEquals("edu (null)", format("%s %s", "edu", null));
  }

  @Test
  void pointerPrintsSixteenHexDigits() {
    assertEquals("ffffc90000001000", format("%p", 0xffff_c900_0000_1000L));
    assertEquals("0000000000001000", format("%px", 0x1000L));
    assertEquals("0x00000000fee00000", format("%pa", 0xfee0_0000L));
  }

  @Test
  void percentPercentIsOnePercent() {
    assertEquals("100%", format("%d%%", 100));
  }

  @Test
  void widthAndLeftJustify() {
    assertEquals("[   42][42   ]", format("[%5d][%-5d]", 42, 42));
  }

  @Test
  void zeroPaddedUnsignedWorksAsInC() {
    assertEquals("00042", format("%05u", 42));
  }

  @Test
  void precisionOnIntegersGivesMinimumDigits() {
    assertEquals("042 -042", format("%.3d %.3d", 42, -42));
  }

  @Test
  void minusFlagWinsOverZeroFlag() {
    assertEquals("2a  |", format("%-04x|", 42));
  }

  @Test
  void alternateFormAddsPrefixes() {
    assertEquals("0xff 0XFF 0377 0", format("%#x %#X %#o %#x", 255, 255, 255, 0));
  }

  @Test
  void signFlagsOnSignedConversions() {
    assertEquals("+5  5 -5", format("%+d % d %+d", 5, 5, -5));
  }

  @Test
  void starTakesWidthFromTheArguments() {
    assertEquals("   ab|ab   |", format("%*s|%*s|", 5, "ab", -5, "ab"));
  }

  @Test
  void stringPrecisionTruncates() {
    assertEquals("abc", format("%.3s", "abcdef"));
  }

  @Test
  void charFromNumberOrCharacter() {
    assertEquals("AB", format("%c%c", 65, 'B'));
  }

  @Test
  void narrowingLengthModifiers() {
    assertEquals("ff ffff -1 -56", format("%hhx %hx %hhd %hhd", -1, -1, 255, 200));
  }

  @Test
  void lengthModifiersOfMinusOneLong() {
    assertEquals("-1 ffffffffffffffff", format("%ld %lx", -1L, -1L));
  }

  @Test
  void missingArgumentsFormatAsZeroOrNull() {
    assertEquals("0 (null)", format("%d %s"));
  }

  @Test
  void textWithoutConversionsIsUnchanged() {
    assertEquals("plain text", format("plain text"));
  }
}
