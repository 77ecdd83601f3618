package dev.slipway.common.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @ParameterizedTest
  @CsvSource({"500ms,500", "90s,90000", "10m,600000", "2h,7200000", " 5s ,5000"})
  void parsesEachUnit(String text, long millis) {
    assertEquals(Duration.ofMillis(millis), Durations.parse(text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "10", "1d", "-5s", "s", "1.5h", "10 m"})
  void refusesOtherForms(String text) {
    assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
  }
}
