package org.sparsemixer.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.ModelPresets;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.loader.RandomWeights;

/**
 * One whole forward pass of a preset model (random weights) at batch 1 and 8.
 * Run: {@code java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar EncoderBench}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 4)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx12g", "-XX:+UseParallelGC",
        "-XX:ObjectAlignmentInBytes=64"})
public class EncoderBench {
    @Param({"base", "fast", "bert-base"})
    public String config;

    @Param({"1", "8"})
    public int batch;

    @Param({"2"})
    public int threads;

    private SparseMixerEncoder encoder;
    private EncoderInput input;

    @Setup(Level.Trial)
    public void setUp() {
        SparseMixerConfig c = ModelPresets.byName(config);
        try (RandomWeights weights = new RandomWeights(c, 42)) {
            encoder = SparseMixerEncoder.create(c, weights, EncoderOptions.threads(threads));
        }
        input = EncoderInput.sample(c, batch, 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        encoder.close();
    }

    @Benchmark
    public EncoderOutput encode() {
        return encoder.encode(input);
    }
}
