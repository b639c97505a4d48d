package org.sparsemixer.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.sparsemixer.engine.kernels.Activations;
import org.sparsemixer.engine.kernels.LayerNorm;
import org.sparsemixer.engine.kernels.Softmax;

/**
 * GELU over 512 x 2048 elements (one FFN intermediate), layer norm (with residual) and masked softmax over
 * 512 rows of 512, each vectorized kernel against its scalar twin. Times per call; divide by the element
 * count (1,048,576 for GELU, 262,144 for the others) for ns/element.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:ObjectAlignmentInBytes=64"})
@State(Scope.Benchmark)
public class ElementwiseBench {
    static final int ROWS = 512;
    static final int H = 512;
    static final int F = 2048;

    float[] geluSource;
    float[] geluWork;
    float[] x;
    float[] residual;
    float[] gamma;
    float[] beta;
    float[] out;
    float[] scores;
    float[] scoresWork;
    int[] mask;

    @Setup(Level.Trial)
    public void setUp() {
        geluSource = GemmBench.random(1, ROWS * F);
        for (int i = 0; i < geluSource.length; i++) {
            geluSource[i] *= 8f;
        }
        geluWork = geluSource.clone();
        x = GemmBench.random(2, ROWS * H);
        residual = GemmBench.random(3, ROWS * H);
        gamma = GemmBench.random(4, H);
        beta = GemmBench.random(5, H);
        out = new float[ROWS * H];
        scores = GemmBench.random(6, ROWS * H);
        scoresWork = scores.clone();
        mask = new int[H];
        for (int i = 0; i < H; i++) {
            mask[i] = i < 400 ? 1 : 0;
        }
    }

    @Benchmark
    public float[] geluVector() {
        System.arraycopy(geluSource, 0, geluWork, 0, geluWork.length);
        Activations.gelu(geluWork, 0, geluWork.length);
        return geluWork;
    }

    @Benchmark
    public float[] geluScalarTwin() {
        System.arraycopy(geluSource, 0, geluWork, 0, geluWork.length);
        Activations.geluScalar(geluWork, 0, geluWork.length);
        return geluWork;
    }

    @Benchmark
    public float[] geluDoubleReference() {
        System.arraycopy(geluSource, 0, geluWork, 0, geluWork.length);
        for (int i = 0; i < geluWork.length; i++) {
            geluWork[i] = Activations.gelu(geluWork[i]);
        }
        return geluWork;
    }

    @Benchmark
    public float[] layerNormVector() {
        for (int r = 0; r < ROWS; r++) {
            LayerNorm.row(x, residual, r * H, gamma, beta, out, H);
        }
        return out;
    }

    @Benchmark
    public float[] layerNormScalarTwin() {
        for (int r = 0; r < ROWS; r++) {
            LayerNorm.rowScalar(x, residual, r * H, gamma, beta, out, H);
        }
        return out;
    }

    @Benchmark
    public float[] softmaxVector() {
        System.arraycopy(scores, 0, scoresWork, 0, scores.length);
        for (int r = 0; r < ROWS; r++) {
            Softmax.maskedRow(scoresWork, r * H, H, mask, 0);
        }
        return scoresWork;
    }

    @Benchmark
    public float[] softmaxScalarTwin() {
        System.arraycopy(scores, 0, scoresWork, 0, scores.length);
        for (int r = 0; r < ROWS; r++) {
            Softmax.maskedRowScalar(scoresWork, r * H, H, mask, 0);
        }
        return scoresWork;
    }
}
