package org.sparsemixer.engine;

import java.util.Arrays;
import org.sparsemixer.engine.graph.SparseMixerEncoder;

/**
 * Times repeated forward passes of one encoder on one batch: latency percentiles, throughput,
 * achieved GFLOP/s (from {@link FlopCount}) and the time per {@link Stage}.
 */
public final class EncoderBenchmark {
    /**
     * @param latenciesNanos one entry per measured call, sorted ascending
     * @param stageTimes     summed over the measured calls
     */
    public record Result(SparseMixerConfig config, int batch, int threads, long[] latenciesNanos,
                         StageTimes stageTimes) {
        public double percentileMillis(double p) {
            int index = (int) Math.ceil(p / 100.0 * latenciesNanos.length) - 1;
            return latenciesNanos[Math.max(0, Math.min(latenciesNanos.length - 1, index))] / 1e6;
        }

        public double meanMillis() {
            return Arrays.stream(latenciesNanos).average().orElse(0) / 1e6;
        }

        /** Sequences per second at the median latency. */
        public double sequencesPerSecond() {
            return batch / (percentileMillis(50) / 1e3);
        }

        public double tokensPerSecond() {
            return sequencesPerSecond() * config.maxSequenceLength();
        }

        /** Matrix-product GFLOP/s at the median latency. */
        public double gflops() {
            return FlopCount.forward(config, batch) / (percentileMillis(50) / 1e3) / 1e9;
        }

        /** Average time per call spent in {@code stage}. */
        public double stageMillis(Stage stage) {
            return stageTimes.nanos(stage) / 1e6 / latenciesNanos.length;
        }
    }

    private EncoderBenchmark() {
    }

    public static Result run(SparseMixerEncoder encoder, EncoderInput input, int warmup, int iterations) {
        if (warmup < 0 || iterations < 1) {
            throw new IllegalArgumentException("need warmup >= 0 and iterations >= 1, got " + warmup + " and " + iterations);
        }
        for (int i = 0; i < warmup; i++) {
            encoder.encode(input);
        }
        StageTimes times = new StageTimes();
        long[] latencies = new long[iterations];
        for (int i = 0; i < iterations; i++) {
            long start = System.nanoTime();
            encoder.encode(input, times);
            latencies[i] = System.nanoTime() - start;
        }
        Arrays.sort(latencies);
        return new Result(encoder.config(), input.batchSize(), encoder.threads(), latencies, times);
    }
}
