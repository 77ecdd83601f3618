package dev.slipway.common.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventCodecTest {

  @Test
  void roundTripsAnEnvelopeAndItsPayload() {
    var request = new LeaseRequested("l1", "host", Map.of("platform", "linux"), null, "b1");
    Envelope sent = EventCodec.envelope(EventTypes.LEASE_REQUESTED, "l1", request);
    Envelope received = EventCodec.decode(EventCodec.encode(sent));
    assertEquals(sent.id(), received.id());
    assertEquals(sent.time(), received.time());
    assertEquals(request, EventCodec.data(received, LeaseRequested.class));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "garbage",
        "{}",
        "[1,2]",
        "{\"id\":\"x\",\"type\":\"lease.requested\"}",
        "{\"id\":\"x\",\"type\":\"t\",\"data\":null}"
      })
  void rejectsWhatIsNotAnEnvelope(String text) {
    assertThrows(MalformedEventException.class, () -> EventCodec.decode(text));
  }

  @Test
  void rejectsAPayloadOfTheWrongShape() {
    Envelope e =
        EventCodec.decode("{\"id\":\"x\",\"type\":\"t\",\"data\":{\"seq\":\"notanumber\"}}");
    assertThrows(MalformedEventException.class, () -> EventCodec.data(e, CommandOutput.class));
  }
}
