package org.sparsemixer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The trimming examples of the fixtures README, three segments included, and Model Garden's closed form. */
class TruncatorTest {
    @Test
    void roundRobinExamples() {
        assertArrayEquals(new int[] {2, 2, 1}, Truncator.ROUND_ROBIN.keep(new int[] {3, 4, 2}, 5));
        assertArrayEquals(new int[] {3, 2}, Truncator.ROUND_ROBIN.keep(new int[] {10, 10}, 5));
        assertArrayEquals(new int[] {1, 4}, Truncator.ROUND_ROBIN.keep(new int[] {1, 10}, 5));
        assertArrayEquals(new int[] {0, 0}, Truncator.ROUND_ROBIN.keep(new int[] {0, 0}, 5));
        assertArrayEquals(new int[] {3, 4, 2}, Truncator.ROUND_ROBIN.keep(new int[] {3, 4, 2}, 100));
    }

    @Test
    void waterfallExamples() {
        assertArrayEquals(new int[] {3, 2, 0}, Truncator.WATERFALL.keep(new int[] {3, 4, 2}, 5));
        assertArrayEquals(new int[] {5, 0}, Truncator.WATERFALL.keep(new int[] {10, 10}, 5));
        assertArrayEquals(new int[] {0, 5}, Truncator.WATERFALL.keep(new int[] {0, 10}, 5));
    }

    @Test
    void roundRobinMatchesModelGardensClosedFormForTwoSegments() {
        for (int a = 0; a < 30; a++) {
            for (int b = 0; b < 30; b++) {
                for (int budget = 0; budget < 40; budget++) {
                    int keepA = Math.min(a, ceilHalf(budget) + Math.max(0, budget / 2 - b));
                    int keepB = Math.min(b, budget / 2 + Math.max(0, ceilHalf(budget) - a));
                    assertArrayEquals(new int[] {keepA, keepB}, Truncator.ROUND_ROBIN.keep(new int[] {a, b}, budget),
                            a + " " + b + " " + budget);
                }
            }
        }
    }

    @Test
    void names() {
        assertEquals(Truncator.ROUND_ROBIN, Truncator.parse("round_robin"));
        assertEquals(Truncator.WATERFALL, Truncator.parse("WATERFALL"));
        assertEquals("round_robin", Truncator.ROUND_ROBIN.configName());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Truncator.parse("greedy"));
        assertEquals("unknown truncator 'greedy': expected round_robin or waterfall", e.getMessage());
    }

    private static int ceilHalf(int n) {
        return (n + 1) / 2;
    }
}
