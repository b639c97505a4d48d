package org.sparsemixer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparsemixer.engine.graph.SparseMixerEncoder;

class EncoderBenchmarkTest {
    @Test
    void reportsSortedLatenciesAndStageTimes() {
        SparseMixerConfig c = new SparseMixerConfig(20, 16, 3, List.of(1), List.of(2), 2, 1, 1, 1,
                MixingMechanism.LINEAR, false, 2, 8, 2, 32, SparseMixerConfig.GELU_APPROXIMATE, null, 16, false, false);
        TensorSource zeros = (name, shape) -> new float[(int) ModelLayout.elementCount(shape)];
        int[][] ids = new int[2][8];
        int[][] mask = new int[2][8];
        try (SparseMixerEncoder encoder = SparseMixerEncoder.create(c, zeros, EncoderOptions.threads(1))) {
            EncoderBenchmark.Result r = EncoderBenchmark.run(encoder, EncoderInput.of(ids, mask, ids), 1, 5);
            assertEquals(5, r.latenciesNanos().length);
            for (int i = 1; i < 5; i++) {
                assertTrue(r.latenciesNanos()[i - 1] <= r.latenciesNanos()[i]);
            }
            assertTrue(r.percentileMillis(50) <= r.percentileMillis(99));
            long sum = 0;
            for (long l : r.latenciesNanos()) {
                sum += l;
            }
            long staged = r.stageTimes().totalNanos();
            assertTrue(staged > 0 && staged <= sum, "stage time " + staged + " vs total " + sum);
            for (Stage s : List.of(Stage.EMBEDDINGS, Stage.MIXING, Stage.ATTENTION, Stage.FEED_FORWARD,
                    Stage.MOE_ROUTING, Stage.EXPERTS, Stage.POOLER)) {
                assertTrue(r.stageTimes().nanos(s) > 0, s + " was not timed");
            }
            assertEquals(2 / (r.percentileMillis(50) / 1e3), r.sequencesPerSecond(), 1e-6);
        }
    }

    @Test
    void concurrentCallersReportEveryCallAndOverallThroughput() {
        SparseMixerConfig c = new SparseMixerConfig(20, 16, 2, List.of(1), List.of(), 2, 1, 1, 1,
                MixingMechanism.LINEAR, false, 2, 8, 2, 32, SparseMixerConfig.GELU_APPROXIMATE, null, 16, false, false);
        TensorSource zeros = (name, shape) -> new float[(int) ModelLayout.elementCount(shape)];
        int[][] ids = new int[3][8];
        try (SparseMixerEncoder encoder = SparseMixerEncoder.create(c, zeros, EncoderOptions.threads(2))) {
            EncoderBenchmark.Result r = EncoderBenchmark.run(encoder, EncoderInput.of(ids, ids, ids), 1, 4, 3);
            assertEquals(3, r.callers());
            assertEquals(12, r.latenciesNanos().length);
            for (int i = 1; i < 12; i++) {
                assertTrue(r.latenciesNanos()[i - 1] <= r.latenciesNanos()[i]);
            }
            assertTrue(r.wallNanos() >= r.latenciesNanos()[11], "the wall time covers the slowest call");
            assertEquals(3.0 * 12 / (r.wallNanos() / 1e9), r.sequencesPerSecond(), 1e-6 * r.sequencesPerSecond());
            assertTrue(r.gflops() > 0);
        }
    }

    @Test
    void steadyLatencyIsTheMedianOfTheLastHalfAndCallsToSteadyCountsFromOne() {
        SparseMixerConfig c = new SparseMixerConfig(20, 16, 2, List.of(1), List.of(), 2, 1, 1, 1,
                MixingMechanism.LINEAR, false, 2, 8, 2, 32, SparseMixerConfig.GELU_APPROXIMATE, null, 16, false, false);
        long ms = 1_000_000;
        // A cold process: 2000, 900, 300, 125 ms, then steady around 100-120 ms.
        long[] inOrder = {2000 * ms, 900 * ms, 300 * ms, 125 * ms, 108 * ms, 100 * ms, 120 * ms, 104 * ms, 99 * ms, 130 * ms};
        long[] sorted = inOrder.clone();
        java.util.Arrays.sort(sorted);
        EncoderBenchmark.Result r = new EncoderBenchmark.Result(c, 1, 1, 1, sorted, new StageTimes(), 0, inOrder, 5 * ms, -1);
        // Last half: 100, 120, 104, 99, 130 -> median 104.
        assertEquals(104.0, r.steadyMillis(), 1e-9);
        // Within 10 % (<= 114.4 ms): call 5 (108 ms) is the first; call 4 (125 ms) is not.
        assertEquals(5, r.callsToSteady(0.10));
        assertEquals(4, r.callsToSteady(0.25));
        assertEquals(1, r.callsToSteady(100));
    }

    @Test
    void reportsTheWarmUpAndTheCallsInCallOrder() {
        SparseMixerConfig c = new SparseMixerConfig(20, 16, 2, List.of(1), List.of(), 2, 1, 1, 1,
                MixingMechanism.LINEAR, false, 2, 8, 2, 32, SparseMixerConfig.GELU_APPROXIMATE, null, 16, false, false);
        TensorSource zeros = (name, shape) -> new float[(int) ModelLayout.elementCount(shape)];
        try (SparseMixerEncoder encoder = SparseMixerEncoder.create(c, zeros, EncoderOptions.threads(1))) {
            EncoderInput input = EncoderInput.sample(c, 2, 1);
            EncoderBenchmark.Result cold = EncoderBenchmark.run(encoder, input, 0, 6);
            assertEquals(6, cold.callOrderNanos().length);
            long[] resorted = cold.callOrderNanos().clone();
            java.util.Arrays.sort(resorted);
            assertTrue(java.util.Arrays.equals(resorted, cold.latenciesNanos()), "the same calls, in another order");
            long[] counter = {100};
            EncoderBenchmark.Result warm = EncoderBenchmark.run(encoder, input, 2, 3, 1, () -> counter[0] += 1000);
            assertEquals(1000, warm.allocatedBytes(), "the counter is read once before and once after the timed calls");
            assertEquals(-1, cold.allocatedBytes());
            // Not against the cold run's warm-up: with no calls it is a few fixed steps, which a cold JVM can make
            // slower than two small calls later (241 us against 102 us once in CI). Two calls outlast the fastest one.
            assertTrue(warm.warmupNanos() > warm.latenciesNanos()[0], "two warm-up calls take longer than the fastest "
                    + "timed call: " + warm.warmupNanos() + " vs " + warm.latenciesNanos()[0]);
            assertTrue(cold.warmupNanos() >= 0);
        }
    }
}
