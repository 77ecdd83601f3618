package dev.slipway.worker.allocation;

import dev.slipway.platform.lease.LeaseRepository;
import dev.slipway.platform.lease.LeaseRepository.Waiting;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.PriorityQueue;

/**
 * The waiting leases of one type in the order a drain tries them: oldest first, over the whole
 * queue, however long. Leases that ask for the same thing (attributes, pinning, repository) form a
 * group; the drain says after each lease whether to go on with its group ({@link #advance}) or to
 * leave the rest of it for this time ({@link #drop}, it could not be served). Only the oldest lease
 * of each group is read up front, the next ones a page at a time, so a long queue of leases that
 * cannot be served costs one row per group, and never hides a lease of another group behind it. A
 * group of one lease (the common case: one lease waits for each thing) costs no read after its
 * head. A lease that joins a group while a drain runs is left to the drain its own request makes.
 */
final class WaitingQueue {

  private final LeaseRepository leases;
  private final String type;
  private final int page;
  private final PriorityQueue<Group> groups =
      new PriorityQueue<>(Comparator.comparingLong((Group g) -> g.head.seq()));
  private Group current;

  WaitingQueue(LeaseRepository leases, String type, int page) {
    this.leases = leases;
    this.type = type;
    this.page = page;
    for (LeaseRepository.Head head : leases.heads(type)) {
      groups.add(new Group(head.lease(), head.inGroup()));
    }
  }

  /**
   * The oldest lease of the groups still in the queue, or null when none is left. Each call must be
   * followed by {@link #advance} or {@link #drop} before the next.
   */
  Waiting next() {
    current = groups.poll();
    return current == null ? null : current.head;
  }

  /** The lease {@link #next} gave was dealt with: its group's next lease takes its place. */
  void advance() {
    if (current != null && current.advance()) {
      groups.add(current);
    }
    current = null;
  }

  /** The lease {@link #next} gave could not be served: the rest of its group is not tried. */
  void drop() {
    current = null;
  }

  /** The leases of one group, read a page at a time. */
  private final class Group {
    private Waiting head;
    private final Deque<Waiting> read = new ArrayDeque<>();
    private boolean allRead;

    /** A group of {@code size} leases, {@code head} the oldest: a group of one is read whole. */
    Group(Waiting head, long size) {
      this.head = head;
      this.allRead = size <= 1;
    }

    /** Moves to the group's next lease; returns whether there is one. */
    boolean advance() {
      if (read.isEmpty() && !allRead) {
        var next = leases.after(type, head.wants(), head.seq(), page);
        read.addAll(next);
        allRead = next.size() < page;
      }
      head = read.poll();
      return head != null;
    }
  }
}
