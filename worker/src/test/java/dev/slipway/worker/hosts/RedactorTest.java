package dev.slipway.worker.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RedactorTest {

  private static String redact(List<String> secrets, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    byte[] padded = Arrays.copyOf(bytes, bytes.length + 3); // bytes past length are left alone
    Redactor.of(secrets).redact(padded, bytes.length);
    return new String(padded, 0, bytes.length, StandardCharsets.UTF_8);
  }

  @ParameterizedTest(name = "{0} in \"{1}\"")
  @CsvSource(
      delimiter = '|',
      value = {
        "s3cr3t      | token=s3cr3t\\n              | token=******\\n",
        "s3cr3t      | s3cr3ts3cr3t and s3cr3t      | ************ and ******",
        "s3cr3t      | nothing here                 | nothing here",
        "abc         | abc is too short to mask     | abc is too short to mask",
        "pässwört    | x pässwört y                 | x ********** y",
        "tail-secret | ends with tail-secr          | ends with tail-secr",
      })
  void masksEveryOccurrenceKeepingTheLength(String secret, String text, String expected) {
    String in = text.replace("\\n", "\n");
    String out = redact(List.of(secret), in);
    assertEquals(expected.replace("\\n", "\n"), out);
    assertEquals(
        in.getBytes(StandardCharsets.UTF_8).length, out.getBytes(StandardCharsets.UTF_8).length);
  }

  @org.junit.jupiter.api.Test
  void eachLineOfAMultiLineSecretIsMaskedOnItsOwn() {
    String key = "-----BEGIN KEY-----\nAAAABBBBCCCC\nDDDDEEEEFFFF\n-----END KEY-----\n";
    assertEquals(
        "x ************ y\n************\n",
        redact(List.of(key), "x AAAABBBBCCCC y\nDDDDEEEEFFFF\n"));
  }

  @org.junit.jupiter.api.Test
  void longerSecretsAreMaskedBeforeTheirPrefixes() {
    assertEquals("*************", redact(List.of("secret", "secret-longer"), "secret-longer"));
  }
}
