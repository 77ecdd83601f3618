package dev.slipway.common.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class PlatformTest {

  @ParameterizedTest
  @CsvSource({
    "linux, LINUX, PosixShell",
    "macos, MACOS, PosixShell",
    "windows, WINDOWS, PowerShell"
  })
  void wireNameNamesPlatformAndShell(String wireName, Platform platform, String shell) {
    assertEquals(platform, Platform.of(wireName));
    assertEquals(wireName, platform.wireName());
    assertEquals(shell, platform.shell().getClass().getSimpleName());
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {"", "Linux", "win", "darwin"})
  void unknownNameListsTheAllowedOnes(String wireName) {
    var e = assertThrows(IllegalArgumentException.class, () -> Platform.of(wireName));
    assertTrue(e.getMessage().contains("linux, macos, windows"), e.getMessage());
  }
}
