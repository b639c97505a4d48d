package org.sparsemixer.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The server's warm-up makes at most --warmup calls at each batch size, at least two, and stops at a size once a
 * call took within 10 % of the one before.
 */
class WarmUpRuleTest {
    private static final long MS = 1_000_000;

    /** Scripted call times per batch size, in ms; records the sizes called, in order. */
    private static final class Script {
        final Map<Integer, Deque<Long>> times;
        final List<Integer> called = new ArrayList<>();

        Script(Map<Integer, List<Long>> times) {
            this.times = new java.util.HashMap<>();
            times.forEach((size, ms) -> this.times.put(size, new ArrayDeque<>(ms)));
        }

        long call(int size) {
            called.add(size);
            return times.get(size).removeFirst() * MS;
        }
    }

    @Test
    void aSizeIsDoneWhenACallIsWithinTenPercentOfTheOneBefore() {
        // Base from a cold JVM: batch 1 falls for 6 calls (capped at 5), batch 8 settles at its 2nd
        Script s = new Script(Map.of(1, List.of(2300L, 300L, 240L, 200L, 180L, 178L),
                8, List.of(1500L, 1400L, 1390L)));
        ServedModel.WarmUp w = ServedModel.warmUp(5, new int[] {1, 8}, s::call);
        assertArrayEquals(new int[] {5, 2}, w.calls());
        assertEquals(List.of(1, 1, 1, 1, 1, 8, 8), s.called);
        assertEquals((2300 + 300 + 240 + 200 + 180 + 1500 + 1400) * MS, w.nanos());
    }

    @Test
    void aSlowerCallIsNotSteady() {
        // 200 after 100 is no sign of a warm size (a GC, another process); 190 after 200 is
        Script s = new Script(Map.of(1, List.of(100L, 200L, 190L, 50L)));
        assertArrayEquals(new int[] {3}, ServedModel.warmUp(5, new int[] {1}, s::call).calls());
    }

    @Test
    void atMostTheGivenCallsAndAtLeastTwo() {
        Script twoSteady = new Script(Map.of(1, List.of(100L, 100L, 100L)));
        assertArrayEquals(new int[] {2}, ServedModel.warmUp(5, new int[] {1}, twoSteady::call).calls());
        Script one = new Script(Map.of(1, List.of(100L, 100L)));
        assertArrayEquals(new int[] {1}, ServedModel.warmUp(1, new int[] {1}, one::call).calls());
        Script none = new Script(Map.of(1, List.of()));
        ServedModel.WarmUp w = ServedModel.warmUp(0, new int[] {1}, none::call);
        assertArrayEquals(new int[] {0}, w.calls());
        assertEquals(0, w.nanos());
        assertTrue(none.called.isEmpty());
    }
}
