import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.sparsemixer.engine.WeightPrecision;
import org.sparsemixer.engine.kernels.ComputePool;
import org.sparsemixer.engine.kernels.Epilogue;
import org.sparsemixer.engine.kernels.Gemm;
import org.sparsemixer.engine.kernels.PackedMatrix;
import org.sparsemixer.engine.kernels.StreamedGemm;
import org.sparsemixer.engine.kernels.StreamedMatrix;

/**
 * Probe for issue 13, which led to {@code StreamedGemm}: an expert's product at batch 1 (32 tokens x K against a weight matrix that comes from
 * memory; ROWS, a multiple of 32, for larger batches) computed with the weights as the broadcast operand, read
 * from 1 or 2 streams of 12 columns (written out here) or the engine's {@code StreamedGemm} and {@code StreamedMatrix}
 * (4 streams of 3 columns when this probe found the idea; 5 streams of 2 since, see {@code StreamedGemm}),
 * against the engine's {@code Gemm.multiply} on the same values
 * (prepacked; its streamed path up to 48 rows). One thread, or {@code -Dthreads=N} threads at once, each on
 * its own weight copies (as Base runs one expert per thread); figures are then totals.
 * <p>
 * Layout of the probe's weights for S streams of F = 12 / S columns: groups of F consecutive columns, each
 * group k-major ({@code [group][k][F]}, zero-padded to whole tiles); tile t computes the 12 columns of groups
 * t, t + T, t + 2T, ... (T tiles), so its S streams lie far apart in memory and their cache misses overlap.
 * The activations are transposed once to [K][32] and read as two vectors a step. Each output element is the
 * same fused multiply-add chain in ascending k as the engine's, so the probe checks the results bit for bit.
 * <p>
 * Run (after {@code ./mvnw -q -pl engine -am package -DskipTests}):
 * <pre>
 * java --add-modules jdk.incubator.vector -Xmx8g -cp engine/target/engine-0.1.0-SNAPSHOT.jar \
 *     bench/tools/WeightStreamProbe.java [K] [N] [COPIES] [ROWS]   (default 512 2048 64 32: 256 MB of weights)
 * </pre>
 * The check always writes C; the timed calls do too, unless {@code -Dtransposed=true}: writing a tile's 12 x 32
 * values into 32 rows of C, 12 scattered columns each, costs about a third of the probe's time.
 * Needs 512-bit vectors (AVX-512).
 */
public class WeightStreamProbe {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    static int ROWS = 32;
    /**
     * {@code -Dtransposed=true}: leave each tile in its transposed form (12 columns x 32 rows, as a first expert
     * product would hand it to the second, whose A it is) instead of writing it into C row by row.
     */
    static final boolean TRANSPOSED = Boolean.getBoolean("transposed");

    /** 12 output columns from 1 weight stream of 12 columns each, 32 rows (two vectors). */
    static void tile1(float[] wp, int w0, float[] at, int aOff, int k, float[] ct) {
        FloatVector c0_0, c0_1, c1_0, c1_1, c2_0, c2_1, c3_0, c3_1, c4_0, c4_1, c5_0, c5_1, c6_0, c6_1, c7_0, c7_1, c8_0, c8_1, c9_0, c9_1, c10_0, c10_1, c11_0, c11_1;
        c0_0 = c0_1 = c1_0 = c1_1 = c2_0 = c2_1 = c3_0 = c3_1 = c4_0 = c4_1 = c5_0 = c5_1 = c6_0 = c6_1 = c7_0 = c7_1 = c8_0 = c8_1 = c9_0 = c9_1 = c10_0 = c10_1 = c11_0 = c11_1 = FloatVector.zero(S);
        for (int kk = 0, ao = aOff; kk < k; kk++, w0 += 12, ao += 32) {
            FloatVector a0 = FloatVector.fromArray(S, at, ao);
            FloatVector a1 = FloatVector.fromArray(S, at, ao + 16);
            FloatVector b0 = FloatVector.broadcast(S, wp[w0]);
            c0_0 = a0.fma(b0, c0_0);
            c0_1 = a1.fma(b0, c0_1);
            FloatVector b1 = FloatVector.broadcast(S, wp[w0 + 1]);
            c1_0 = a0.fma(b1, c1_0);
            c1_1 = a1.fma(b1, c1_1);
            FloatVector b2 = FloatVector.broadcast(S, wp[w0 + 2]);
            c2_0 = a0.fma(b2, c2_0);
            c2_1 = a1.fma(b2, c2_1);
            FloatVector b3 = FloatVector.broadcast(S, wp[w0 + 3]);
            c3_0 = a0.fma(b3, c3_0);
            c3_1 = a1.fma(b3, c3_1);
            FloatVector b4 = FloatVector.broadcast(S, wp[w0 + 4]);
            c4_0 = a0.fma(b4, c4_0);
            c4_1 = a1.fma(b4, c4_1);
            FloatVector b5 = FloatVector.broadcast(S, wp[w0 + 5]);
            c5_0 = a0.fma(b5, c5_0);
            c5_1 = a1.fma(b5, c5_1);
            FloatVector b6 = FloatVector.broadcast(S, wp[w0 + 6]);
            c6_0 = a0.fma(b6, c6_0);
            c6_1 = a1.fma(b6, c6_1);
            FloatVector b7 = FloatVector.broadcast(S, wp[w0 + 7]);
            c7_0 = a0.fma(b7, c7_0);
            c7_1 = a1.fma(b7, c7_1);
            FloatVector b8 = FloatVector.broadcast(S, wp[w0 + 8]);
            c8_0 = a0.fma(b8, c8_0);
            c8_1 = a1.fma(b8, c8_1);
            FloatVector b9 = FloatVector.broadcast(S, wp[w0 + 9]);
            c9_0 = a0.fma(b9, c9_0);
            c9_1 = a1.fma(b9, c9_1);
            FloatVector b10 = FloatVector.broadcast(S, wp[w0 + 10]);
            c10_0 = a0.fma(b10, c10_0);
            c10_1 = a1.fma(b10, c10_1);
            FloatVector b11 = FloatVector.broadcast(S, wp[w0 + 11]);
            c11_0 = a0.fma(b11, c11_0);
            c11_1 = a1.fma(b11, c11_1);
        }
        c0_0.intoArray(ct, 0);
        c0_1.intoArray(ct, 16);
        c1_0.intoArray(ct, 32);
        c1_1.intoArray(ct, 48);
        c2_0.intoArray(ct, 64);
        c2_1.intoArray(ct, 80);
        c3_0.intoArray(ct, 96);
        c3_1.intoArray(ct, 112);
        c4_0.intoArray(ct, 128);
        c4_1.intoArray(ct, 144);
        c5_0.intoArray(ct, 160);
        c5_1.intoArray(ct, 176);
        c6_0.intoArray(ct, 192);
        c6_1.intoArray(ct, 208);
        c7_0.intoArray(ct, 224);
        c7_1.intoArray(ct, 240);
        c8_0.intoArray(ct, 256);
        c8_1.intoArray(ct, 272);
        c9_0.intoArray(ct, 288);
        c9_1.intoArray(ct, 304);
        c10_0.intoArray(ct, 320);
        c10_1.intoArray(ct, 336);
        c11_0.intoArray(ct, 352);
        c11_1.intoArray(ct, 368);
    }

    /** 12 output columns from 2 weight streams of 6 columns each, 32 rows (two vectors). */
    static void tile2(float[] wp, int w0, int w1, float[] at, int aOff, int k, float[] ct) {
        FloatVector c0_0, c0_1, c1_0, c1_1, c2_0, c2_1, c3_0, c3_1, c4_0, c4_1, c5_0, c5_1, c6_0, c6_1, c7_0, c7_1, c8_0, c8_1, c9_0, c9_1, c10_0, c10_1, c11_0, c11_1;
        c0_0 = c0_1 = c1_0 = c1_1 = c2_0 = c2_1 = c3_0 = c3_1 = c4_0 = c4_1 = c5_0 = c5_1 = c6_0 = c6_1 = c7_0 = c7_1 = c8_0 = c8_1 = c9_0 = c9_1 = c10_0 = c10_1 = c11_0 = c11_1 = FloatVector.zero(S);
        for (int kk = 0, ao = aOff; kk < k; kk++, w0 += 6, w1 += 6, ao += 32) {
            FloatVector a0 = FloatVector.fromArray(S, at, ao);
            FloatVector a1 = FloatVector.fromArray(S, at, ao + 16);
            FloatVector b0 = FloatVector.broadcast(S, wp[w0]);
            c0_0 = a0.fma(b0, c0_0);
            c0_1 = a1.fma(b0, c0_1);
            FloatVector b1 = FloatVector.broadcast(S, wp[w0 + 1]);
            c1_0 = a0.fma(b1, c1_0);
            c1_1 = a1.fma(b1, c1_1);
            FloatVector b2 = FloatVector.broadcast(S, wp[w0 + 2]);
            c2_0 = a0.fma(b2, c2_0);
            c2_1 = a1.fma(b2, c2_1);
            FloatVector b3 = FloatVector.broadcast(S, wp[w0 + 3]);
            c3_0 = a0.fma(b3, c3_0);
            c3_1 = a1.fma(b3, c3_1);
            FloatVector b4 = FloatVector.broadcast(S, wp[w0 + 4]);
            c4_0 = a0.fma(b4, c4_0);
            c4_1 = a1.fma(b4, c4_1);
            FloatVector b5 = FloatVector.broadcast(S, wp[w0 + 5]);
            c5_0 = a0.fma(b5, c5_0);
            c5_1 = a1.fma(b5, c5_1);
            FloatVector b6 = FloatVector.broadcast(S, wp[w1]);
            c6_0 = a0.fma(b6, c6_0);
            c6_1 = a1.fma(b6, c6_1);
            FloatVector b7 = FloatVector.broadcast(S, wp[w1 + 1]);
            c7_0 = a0.fma(b7, c7_0);
            c7_1 = a1.fma(b7, c7_1);
            FloatVector b8 = FloatVector.broadcast(S, wp[w1 + 2]);
            c8_0 = a0.fma(b8, c8_0);
            c8_1 = a1.fma(b8, c8_1);
            FloatVector b9 = FloatVector.broadcast(S, wp[w1 + 3]);
            c9_0 = a0.fma(b9, c9_0);
            c9_1 = a1.fma(b9, c9_1);
            FloatVector b10 = FloatVector.broadcast(S, wp[w1 + 4]);
            c10_0 = a0.fma(b10, c10_0);
            c10_1 = a1.fma(b10, c10_1);
            FloatVector b11 = FloatVector.broadcast(S, wp[w1 + 5]);
            c11_0 = a0.fma(b11, c11_0);
            c11_1 = a1.fma(b11, c11_1);
        }
        c0_0.intoArray(ct, 0);
        c0_1.intoArray(ct, 16);
        c1_0.intoArray(ct, 32);
        c1_1.intoArray(ct, 48);
        c2_0.intoArray(ct, 64);
        c2_1.intoArray(ct, 80);
        c3_0.intoArray(ct, 96);
        c3_1.intoArray(ct, 112);
        c4_0.intoArray(ct, 128);
        c4_1.intoArray(ct, 144);
        c5_0.intoArray(ct, 160);
        c5_1.intoArray(ct, 176);
        c6_0.intoArray(ct, 192);
        c6_1.intoArray(ct, 208);
        c7_0.intoArray(ct, 224);
        c7_1.intoArray(ct, 240);
        c8_0.intoArray(ct, 256);
        c8_1.intoArray(ct, 272);
        c9_0.intoArray(ct, 288);
        c9_1.intoArray(ct, 304);
        c10_0.intoArray(ct, 320);
        c10_1.intoArray(ct, 336);
        c11_0.intoArray(ct, 352);
        c11_1.intoArray(ct, 368);
    }

    /** The probe's layout for {@code streams} streams; returns {packed, tiles}. */
    static float[] pack(float[] w, int k, int n, int streams) {
        // (the engine's own layout is StreamedMatrix)
        int f = 12 / streams;
        int groups = (n + f - 1) / f;
        int tiles = (groups + streams - 1) / streams;
        float[] out = new float[tiles * streams * k * f];
        for (int g = 0; g < groups; g++) {
            for (int kk = 0; kk < k; kk++) {
                for (int o = 0; o < f && g * f + o < n; o++) {
                    out[(g * k + kk) * f + o] = w[kk * n + g * f + o];
                }
            }
        }
        return out;
    }

    static void multiply(float[] wp, int k, int n, int streams, float[] at, float[] ct, float[] c, boolean write) {
        // One loop per kernel: a single loop calling either kernel was compiled for the first one seen and
        // then ran the other at a few GFLOP/s.
        if (streams == 1) {
            multiply1(wp, k, n, at, ct, c, write);
        } else {
            multiply2(wp, k, n, at, ct, c, write);
        }
    }

    static void multiply1(float[] wp, int k, int n, float[] at, float[] ct, float[] c, boolean write) {
        int tiles = (n + 11) / 12;
        for (int t = 0; t < tiles; t++) {
            for (int block = 0; block < ROWS / 32; block++) {
                tile1(wp, t * k * 12, at, block * k * 32, k, ct);
                if (write) {
                    writeTile(ct, t, tiles, 12, block, n, c);
                }
            }
        }
    }

    static void multiply2(float[] wp, int k, int n, float[] at, float[] ct, float[] c, boolean write) {
        int tiles = ((n + 5) / 6 + 1) / 2;
        int stride = tiles * k * 6;
        for (int t = 0; t < tiles; t++) {
            for (int block = 0; block < ROWS / 32; block++) {
                tile2(wp, t * k * 6, t * k * 6 + stride, at, block * k * 32, k, ct);
                if (write) {
                    writeTile(ct, t, tiles, 6, block, n, c);
                }
            }
        }
    }

    /** A finished tile's 12 columns (f per stream) into rows of C. */
    static void writeTile(float[] ct, int t, int tiles, int f, int block, int n, float[] c) {
        for (int r = 0; r < 12; r++) {
            int col = (t + (r / f) * tiles) * f + r % f;
            if (col < n) {
                for (int tok = 0; tok < 32; tok++) {
                    c[(block * 32 + tok) * n + col] = ct[r * 32 + tok];
                }
            }
        }
    }

    public static void main(String[] args) {
        int k = args.length > 0 ? Integer.parseInt(args[0]) : 512;
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 2048;
        int copies = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        ROWS = args.length > 3 ? Integer.parseInt(args[3]) : 32;
        SplittableRandom random = new SplittableRandom(13);
        float[] a = new float[ROWS * k];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextGaussian();
        }
        // A transposed per block of 32 rows: [block][k][32]
        float[] at = new float[ROWS * k];
        for (int tok = 0; tok < ROWS; tok++) {
            for (int kk = 0; kk < k; kk++) {
                at[(tok / 32 * k + kk) * 32 + tok % 32] = a[tok * k + kk];
            }
        }
        int[] streamCounts = {1, 2};
        PackedMatrix[] engine = new PackedMatrix[copies];
        StreamedMatrix[] streamed = new StreamedMatrix[copies];
        float[][][] probe = new float[streamCounts.length][copies][];
        for (int q = 0; q < copies; q++) {
            float[] w = new float[k * n];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (random.nextGaussian() * 0.02);
            }
            engine[q] = PackedMatrix.pack(w, 0, k, n, WeightPrecision.F32);
            streamed[q] = StreamedMatrix.pack(w, 0, k, n);
            for (int s = 0; s < streamCounts.length; s++) {
                probe[s][q] = pack(w, k, n, streamCounts[s]);
            }
        }
        float[] expected = new float[ROWS * n];
        float[] actual = new float[ROWS * n];
        float[] ct = new float[12 * 32];
        for (int s = 0; s < streamCounts.length; s++) {
            Gemm.multiply(a, 0, k, ROWS, engine[copies - 1], expected, 0, n, Epilogue.none());
            multiply(probe[s][copies - 1], k, n, streamCounts[s], at, ct, actual, true);
            if (!Arrays.equals(expected, actual)) {
                throw new AssertionError(streamCounts[s] + " streams: results differ from Gemm.multiply");
            }
        }
        float[] streamedT = new float[ROWS * n];
        StreamedGemm.multiply(ComputePool.singleThreaded(), at, ROWS, streamed[copies - 1], null, false, streamedT);
        StreamedGemm.transposeOut(streamedT, ROWS, n, actual, 0);
        if (!Arrays.equals(expected, actual)) {
            throw new AssertionError("StreamedGemm: results differ from Gemm.multiply");
        }
        System.out.printf("%dx%dx%d, %d weight copies (%d MB), %d thread(s), results bit-identical to Gemm.multiply%n",
                ROWS, k, n, copies, (long) copies * k * n * 4 >> 20, Integer.getInteger("threads", 1));
        String[] names = {"engine", "1 stream", "2 streams", "StreamedGemm"};
        List<List<Double>> rates = new ArrayList<>();
        for (int v = 0; v < names.length; v++) {
            rates.add(new ArrayList<>());
        }
        int threads = Integer.getInteger("threads", 1);
        for (int round = 0; round < 9; round++) {
            for (int v = 0; v < names.length; v++) {
                int variant = v;
                long[] calls = new long[threads];
                long start = System.nanoTime();
                Thread[] workers = new Thread[threads];
                for (int th = 0; th < threads; th++) {
                    int id = th;
                    // each thread its own outputs and its own share of the weight copies, as experts run in Base
                    workers[th] = new Thread(() -> {
                        float[] out = new float[ROWS * n];
                        float[] outT = new float[ROWS * n];
                        float[] tile = new float[12 * 32];
                        int done = 0;
                        while (System.nanoTime() - start < 300_000_000L) {
                            int q = (done * threads + id) % copies;
                            if (variant == 0) {
                                Gemm.multiply(a, 0, k, ROWS, engine[q], out, 0, n, Epilogue.none());
                            } else if (variant == 3) {
                                StreamedGemm.multiply(ComputePool.singleThreaded(), at, ROWS, streamed[q], null, false,
                                        outT);
                                if (!TRANSPOSED) {
                                    StreamedGemm.transposeOut(outT, ROWS, n, out, 0);
                                }
                            } else {
                                multiply(probe[variant - 1][q], k, n, streamCounts[variant - 1], at, tile, out,
                                        !TRANSPOSED);
                            }
                            done++;
                        }
                        calls[id] = done;
                    });
                    workers[th].start();
                }
                for (Thread worker : workers) {
                    try {
                        worker.join();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
                long total = java.util.Arrays.stream(calls).sum();
                if (round >= 2) {
                    rates.get(v).add(2.0 * ROWS * k * n * total / (System.nanoTime() - start));
                }
            }
        }
        for (int v = 0; v < names.length; v++) {
            List<Double> r = rates.get(v);
            Collections.sort(r);
            System.out.printf("%-10s %6.1f GFLOP/s (median of %d rounds; %.2fx the engine)%n", names[v],
                    r.get(r.size() / 2), r.size(), r.get(r.size() / 2) / median(rates.get(0)));
        }
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
