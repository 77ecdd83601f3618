package dev.slipway.local;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Values a topic watcher hands to the client waiting for them, by key (a lease's activation, a
 * build's end): the client waits on a future, so waiting takes no CPU from the stack it measures. A
 * value may arrive before anyone waits for it.
 */
final class Arrivals<T> {

  private final Map<String, CompletableFuture<T>> waiting = new ConcurrentHashMap<>();

  void arrived(String key, T value) {
    future(key).complete(value);
  }

  /** The value for {@code key}; waits up to {@code seconds} for it. */
  T await(String key, long seconds) throws Exception {
    try {
      return future(key).get(seconds, TimeUnit.SECONDS);
    } finally {
      waiting.remove(key);
    }
  }

  private CompletableFuture<T> future(String key) {
    return waiting.computeIfAbsent(key, k -> new CompletableFuture<>());
  }
}
