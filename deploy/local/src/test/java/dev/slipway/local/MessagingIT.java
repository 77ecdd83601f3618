package dev.slipway.local;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.common.events.CommandFinished;
import dev.slipway.common.events.Envelope;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.LeaseReleaseRequested;
import dev.slipway.common.events.LeaseRequested;
import dev.slipway.common.events.Topics;
import dev.slipway.stack.TopicReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** At-least-once delivery: redelivered events change nothing; garbage goes to the DLQ. */
class MessagingIT {

  static E2eStack stack;
  static String pool;
  static KafkaProducer<String, String> producer;

  @BeforeAll
  static void start() throws Exception {
    stack = E2eStack.get();
    pool = stack.register(stack.sshHost(), 2);
    producer = TopicReader.producer(stack.broker.bootstrapServers());
  }

  @AfterAll
  static void stop() {
    producer.close();
  }

  @Test
  void sameCommandResultDeliveredTwiceChangesNothingTheSecondTime() throws Exception {
    String build = stack.api.submitBuild(stack.plan(pool, "echo once"));
    JsonNode first = stack.api.awaitFinished(build, Duration.ofSeconds(60));
    assertEquals("passed", first.get("status").asText());
    ConsumerRecord<String, String> result = findResultOf(build);

    // the very same event again, then a conflicting one with a new id for the same command
    producer.send(new ProducerRecord<>(result.topic(), result.key(), result.value())).get();
    Envelope original = EventCodec.decode(result.value());
    ObjectNode data = ((ObjectNode) original.data().deepCopy()).put("exitCode", 1);
    Envelope conflicting =
        new Envelope(
            UUID.randomUUID().toString(),
            EventTypes.COMMAND_FINISHED,
            original.time(),
            original.key(),
            original.schema(),
            data);
    producer
        .send(new ProducerRecord<>(result.topic(), result.key(), EventCodec.encode(conflicting)))
        .get();

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> processed("coordinator.command-results", conflicting.id()));
    assertEquals(1, countProcessed("coordinator.command-results", original.id()));
    JsonNode after = stack.api.build(build);
    assertEquals(first.get("status"), after.get("status"));
    assertEquals(first.get("finishedAt"), after.get("finishedAt"));
    assertEquals(first.get("steps"), after.get("steps"));
  }

  @Test
  void garbageGoesToTheDeadLetterTopicAndTheNextGoodMessageIsProcessed() throws Exception {
    String marker = "garbage-" + UUID.randomUUID();
    for (String topic : List.of(Topics.COMMAND_RESULTS, Topics.LEASE_REQUESTS)) {
      for (int partition = 0; partition < 3; partition++) {
        producer.send(new ProducerRecord<>(topic, partition, marker, "{not json " + marker)).get();
      }
    }

    String build = stack.api.submitBuild(stack.plan(pool, "echo after-garbage"));
    JsonNode finished = stack.api.awaitFinished(build, Duration.ofSeconds(60));

    assertEquals("passed", finished.get("status").asText(), finished.toString());
    for (String topic : List.of(Topics.COMMAND_RESULTS, Topics.LEASE_REQUESTS)) {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  read(Topics.deadLetter(topic)).stream()
                          .filter(r -> r.value().contains(marker))
                          .count()
                      == 3);
    }
  }

  @Test
  void leaseRequestsArrivingTogetherAreAppliedInFewerTransactionsThanEvents() throws Exception {
    String batchPool = stack.register(stack.sshHost(), LEASES);
    List<String> leases = pendingLeases(batchPool, LEASES);
    List<Envelope> requests = requests(leases, batchPool);

    send(requests);

    await().atMost(Duration.ofSeconds(30)).until(() -> active(leases) == LEASES);
    await().atMost(Duration.ofSeconds(30)).until(() -> applied(requests) == LEASES);
    int transactions = transactionsThatApplied(requests);
    assertTrue(
        transactions <= LEASES / 3,
        LEASES + " requests sent at once applied in " + transactions + " transactions");
  }

  @Test
  void aRequestDeliveredTwiceInItsBatchIsAppliedOnceAndTheBatchHolds() throws Exception {
    String batchPool = stack.register(stack.sshHost(), LEASES);
    List<String> leases = pendingLeases(batchPool, LEASES);
    List<Envelope> requests = new ArrayList<>();
    List<Envelope> sent = new ArrayList<>();
    for (String lease : leases) {
      Envelope request = request(lease, batchPool);
      requests.add(request);
      sent.add(request);
      sent.add(request); // as a producer that retried would: the same event, next in line
    }

    send(sent);

    await().atMost(Duration.ofSeconds(30)).until(() -> active(leases) == LEASES);
    await().atMost(Duration.ofSeconds(30)).until(() -> applied(requests) == LEASES);
    int transactions = transactionsThatApplied(requests);
    assertTrue(
        transactions <= LEASES / 3,
        "a batch replayed event by event applies each in a transaction of its own: "
            + transactions
            + " transactions for "
            + LEASES);
    assertEquals(LEASES, slotsHeld(batchPool), "each lease took one slot");
  }

  @Test
  void releasesArrivingTogetherFreeEverySlotInFewerTransactions() throws Exception {
    String batchPool = stack.register(stack.sshHost(), LEASES);
    List<String> leases = pendingLeases(batchPool, LEASES);
    List<Envelope> requests = requests(leases, batchPool);
    send(requests);
    await().atMost(Duration.ofSeconds(30)).until(() -> active(leases) == LEASES);
    List<Envelope> releases = new ArrayList<>();
    // in an order other than their requests'
    List<String> backwards = new ArrayList<>(leases);
    Collections.reverse(backwards);
    for (String lease : backwards) {
      releases.add(
          EventCodec.envelope(
              EventTypes.LEASE_RELEASE_REQUESTED,
              lease,
              new LeaseReleaseRequested(lease, OWNER, "done")));
    }

    send(releases);

    await().atMost(Duration.ofSeconds(30)).until(() -> released(leases) == LEASES);
    await().atMost(Duration.ofSeconds(30)).until(() -> applied(releases) == LEASES);
    assertEquals(0, slotsHeld(batchPool), "every slot was given back");
    int transactions = transactionsThatApplied(releases);
    assertTrue(
        transactions <= LEASES / 3,
        LEASES + " releases sent at once applied in " + transactions + " transactions");
  }

  @Test
  void aBadEventAmongLeaseRequestsIsDeadLetteredAloneAndTheOthersAreApplied() throws Exception {
    String batchPool = stack.register(stack.sshHost(), LEASES);
    List<String> leases = pendingLeases(batchPool, LEASES);
    List<Envelope> events = new ArrayList<>();
    // a request like the others, but its attributes are not a map: it fails in their batch
    Envelope bad =
        EventCodec.envelope(
            EventTypes.LEASE_REQUESTED,
            "lease-bad",
            Map.of("leaseId", "lease-bad", "type", "host", "attributes", "not a map"));
    for (String lease : leases) {
      events.add(request(lease, batchPool));
      if (events.size() == LEASES / 2) {
        events.add(bad);
      }
    }

    send(events);

    await().atMost(Duration.ofSeconds(60)).until(() -> active(leases) == LEASES);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                read(Topics.deadLetter(Topics.LEASE_REQUESTS)).stream()
                    .anyMatch(r -> r.value().contains(bad.id())));
    List<Envelope> good = events.stream().filter(e -> e != bad).toList();
    await().atMost(Duration.ofSeconds(30)).until(() -> applied(good) == LEASES);
    assertEquals(
        List.of(bad.id()),
        read(Topics.deadLetter(Topics.LEASE_REQUESTS)).stream()
            .filter(r -> events.stream().anyMatch(e -> r.value().contains(e.id())))
            .map(r -> EventCodec.decode(r.value()).id())
            .toList(),
        "only the bad event is dead-lettered");
  }

  private static final int LEASES = 30;
  private static final String OWNER = "messaging-it";

  /** The lease.requested event of {@code lease}, a host of {@code pool}. */
  private static Envelope request(String lease, String pool) {
    return EventCodec.envelope(
        EventTypes.LEASE_REQUESTED,
        lease,
        new LeaseRequested(lease, "host", Map.of("pool", pool), null, OWNER));
  }

  /** The lease.requested event of each of {@code leases}, hosts of {@code pool}. */
  private static List<Envelope> requests(List<String> leases, String pool) {
    return leases.stream().map(lease -> request(lease, pool)).toList();
  }

  /** {@code count} pending host leases of {@code pool}, stored without announcing them. */
  private static List<String> pendingLeases(String pool, int count) throws Exception {
    List<String> ids = new ArrayList<>();
    try (Connection c = stack.sql();
        PreparedStatement insert =
            c.prepareStatement(
                "insert into leases (id, type, attributes, status, owner)"
                    + " values (?, 'host', cast(? as jsonb), 'pending', ?)")) {
      for (int i = 0; i < count; i++) {
        String id = "lease-" + UUID.randomUUID();
        insert.setString(1, id);
        insert.setString(2, "{\"pool\": \"" + pool + "\"}");
        insert.setString(3, OWNER);
        insert.executeUpdate();
        ids.add(id);
      }
    }
    return ids;
  }

  /**
   * Sends {@code events} to slipway.lease-requests all at once, in one partition so that the
   * allocator gets them in this order and together.
   */
  private static void send(List<Envelope> events) {
    for (Envelope e : events) {
      producer.send(new ProducerRecord<>(Topics.LEASE_REQUESTS, 0, e.key(), EventCodec.encode(e)));
    }
    producer.flush();
  }

  private static int active(List<String> leases) throws Exception {
    return count("select count(*) from leases where status = 'active' and id = any(?)", leases);
  }

  private static int released(List<String> leases) throws Exception {
    return count("select count(*) from leases where status = 'released' and id = any(?)", leases);
  }

  /** How many leases the hosts of {@code pool} hold, by their slot count. */
  private static int slotsHeld(String pool) throws Exception {
    try (Connection c = stack.sql();
        PreparedStatement q =
            c.prepareStatement(
                "select coalesce(sum(leases_held), 0) from resources"
                    + " where type = 'host' and attributes ->> 'pool' = ?")) {
      q.setString(1, pool);
      try (ResultSet rs = q.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private static int applied(List<Envelope> events) throws Exception {
    return count(
        "select count(*) from processed_events where consumer = 'allocator.lease-requests'"
            + " and event_id = any(?)",
        events.stream().map(Envelope::id).toList());
  }

  /** In how many transactions the allocator applied {@code events}: each has its own now(). */
  private static int transactionsThatApplied(List<Envelope> events) throws Exception {
    return count(
        "select count(distinct processed_at) from processed_events"
            + " where consumer = 'allocator.lease-requests' and event_id = any(?)",
        events.stream().map(Envelope::id).toList());
  }

  private static int count(String query, List<String> ids) throws Exception {
    try (Connection c = stack.sql();
        PreparedStatement q = c.prepareStatement(query)) {
      q.setArray(1, c.createArrayOf("text", ids.toArray()));
      try (ResultSet rs = q.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private static ConsumerRecord<String, String> findResultOf(String build) {
    List<ConsumerRecord<String, String>> found = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              for (ConsumerRecord<String, String> r : read(Topics.COMMAND_RESULTS)) {
                if (build.equals(r.key()) && r.value().contains(EventTypes.COMMAND_FINISHED)) {
                  CommandFinished f =
                      EventCodec.data(EventCodec.decode(r.value()), CommandFinished.class);
                  assertTrue(f.succeeded());
                  found.add(r);
                }
              }
              return !found.isEmpty();
            });
    return found.get(0);
  }

  static List<ConsumerRecord<String, String>> read(String topic) {
    return TopicReader.readAll(stack.broker.bootstrapServers(), topic);
  }

  private static boolean processed(String consumer, String eventId) throws Exception {
    return countProcessed(consumer, eventId) > 0;
  }

  private static int countProcessed(String consumer, String eventId) throws Exception {
    try (Connection c = stack.sql();
        PreparedStatement q =
            c.prepareStatement(
                "select count(*) from processed_events where consumer = ? and event_id = ?")) {
      q.setString(1, consumer);
      q.setString(2, eventId);
      try (ResultSet rs = q.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }
}
