package dev.slipway.worker.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.slipway.platform.lease.LeaseRepository;
import dev.slipway.platform.lease.LeaseRepository.Head;
import dev.slipway.platform.lease.LeaseRepository.Waiting;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The order in which a drain tries waiting leases: oldest first, a group dropped as a whole. */
class WaitingQueueTest {

  /** A queue of waiting leases as the database would answer it (one type). */
  private static final class Queue extends LeaseRepository {
    final List<Waiting> waiting = new ArrayList<>();
    int reads;

    Queue add(String wants, int count) {
      for (int i = 0; i < count; i++) {
        long seq = waiting.size() + 1;
        waiting.add(new Waiting(wants + seq, seq, wants));
      }
      return this;
    }

    @Override
    public List<Head> heads(String type) {
      reads++;
      List<Head> heads = new ArrayList<>();
      for (Waiting w : waiting) {
        if (heads.stream().noneMatch(h -> h.lease().wants().equals(w.wants()))) {
          heads.add(new Head(w, waiting.stream().filter(o -> o.wants().equals(w.wants())).count()));
        }
      }
      return heads;
    }

    @Override
    public List<Waiting> after(String type, String wants, long seq, int limit) {
      reads++;
      return waiting.stream()
          .filter(w -> w.wants().equals(wants) && w.seq() > seq)
          .sorted(Comparator.comparingLong(Waiting::seq))
          .limit(limit)
          .toList();
    }
  }

  @Test
  void leasesAreTriedOldestFirstAcrossGroupsAndPages() {
    Queue leases = new Queue().add("mac", 3).add("linux", 2).add("mac", 2).add("linux", 1);
    WaitingQueue queue = new WaitingQueue(leases, "host", 2);

    List<Long> tried = new ArrayList<>();
    for (Waiting w = queue.next(); w != null; w = queue.next()) {
      tried.add(w.seq());
      queue.advance();
    }

    assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), tried);
  }

  @Test
  void aDroppedGroupIsNotTriedAgainAndDoesNotHideTheOthers() {
    Queue leases = new Queue().add("mac", 5).add("linux", 2).add("mac", 1).add("linux", 1);
    WaitingQueue queue = new WaitingQueue(leases, "host", 2);

    List<String> tried = new ArrayList<>();
    for (Waiting w = queue.next(); w != null; w = queue.next()) {
      tried.add(w.id());
      if (w.wants().equals("mac")) {
        queue.drop(); // the mac host is busy
      } else {
        queue.advance();
      }
    }

    assertEquals(List.of("mac1", "linux6", "linux7", "linux9"), tried);
  }

  @Test
  void groupsOfOneLeaseCostNoReadAfterTheirHeads() {
    Queue leases = new Queue().add("mac", 1).add("linux", 1).add("windows", 1);
    WaitingQueue queue = new WaitingQueue(leases, "host", 2);

    List<String> tried = new ArrayList<>();
    for (Waiting w = queue.next(); w != null; w = queue.next()) {
      tried.add(w.id());
      queue.advance();
    }

    assertEquals(List.of("mac1", "linux2", "windows3"), tried);
    assertEquals(1, leases.reads, "only the heads were read");
  }
}
