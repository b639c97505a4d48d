package org.sparsemixer.loader;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.sparsemixer.engine.ModelLayout;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.TensorSource;
import org.sparsemixer.engine.kernels.ComputePool;

/**
 * Deterministic random weights for a config, generated on demand: layer-norm gamma = 1 and beta = 0;
 * every other tensor (kernels, embeddings and biases) from a normal distribution with standard deviation
 * {@value #STDDEV}, truncated at two standard deviations by resampling (like the Keras
 * {@code TruncatedNormal} initializer).
 *
 * <p>Each tensor is cut into fixed blocks of {@value #BLOCK} elements and each block has its own
 * generator, seeded from the seed, a 64-bit hash of the tensor name and the block index. Blocks are
 * filled in parallel, so generation is fast and its result depends only on (seed, name, shape), never
 * on the thread count or on the order tensors are asked for.
 */
public final class RandomWeights implements TensorSource, AutoCloseable {
    public static final double STDDEV = 0.02;
    static final int BLOCK = 1 << 16;

    private final SparseMixerConfig config;
    private final long seed;
    private final Map<String, int[]> expected;
    private final ComputePool pool;

    /** Generates on all available processors. */
    public RandomWeights(SparseMixerConfig config, long seed) {
        this(config, seed, Runtime.getRuntime().availableProcessors());
    }

    public RandomWeights(SparseMixerConfig config, long seed, int threads) {
        this.config = config;
        this.seed = seed;
        this.expected = ModelLayout.expectedTensors(config);
        this.pool = new ComputePool(threads);
    }

    public SparseMixerConfig config() {
        return config;
    }

    public long seed() {
        return seed;
    }

    @Override
    public float[] floats(String name, int[] shape) {
        return generate(name, shape, 0, ModelLayout.elementCount(checkShape(name, shape)));
    }

    /** Generates only the blocks that cover the slice: the same values {@link #floats} has there. */
    @Override
    public float[] slice(String name, int[] shape, int index) {
        long perSlice = ModelLayout.elementCount(checkShape(name, shape)) / shape[0];
        if (index < 0 || index >= shape[0]) {
            throw new IllegalArgumentException("tensor '" + name + "' has no slice " + index);
        }
        return generate(name, shape, index * perSlice, perSlice);
    }

    private int[] checkShape(String name, int[] shape) {
        int[] want = expected.get(name);
        if (want == null) {
            throw new IllegalArgumentException("tensor '" + name + "' is not part of this model");
        }
        if (!Arrays.equals(want, shape)) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(want)
                    + ", asked for " + Arrays.toString(shape));
        }
        return shape;
    }

    /** Elements [first, first + count) of the tensor. */
    private float[] generate(String name, int[] shape, long first, long count) {
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + count + " elements, too many for one array");
        }
        float[] out = new float[(int) count];
        if (name.endsWith("/gamma")) {
            Arrays.fill(out, 1f);
            return out;
        }
        if (name.endsWith("/beta")) {
            return out;
        }
        long tensorSeed = mix(seed ^ mix(hash(name)));
        long end = first + count;
        int firstBlock = (int) (first / BLOCK);
        int blocks = (int) ((end + BLOCK - 1) / BLOCK) - firstBlock;
        pool.forRange(blocks, 1, (from, to) -> {
            float[] block = null;
            for (int b = firstBlock + from; b < firstBlock + to; b++) {
                long blockStart = (long) b * BLOCK;
                long blockSeed = mix(tensorSeed + 0x9E3779B97F4A7C15L * (b + 1));
                long lo = Math.max(first, blockStart);
                long hi = Math.min(end, blockStart + BLOCK);
                if (lo == blockStart) {
                    // the range holds the block's start: its values are the stream's first ones
                    fillBlock(out, (int) (lo - first), (int) (hi - first), blockSeed);
                } else {
                    // the range starts inside the block: generate its head and copy the wanted part
                    if (block == null) {
                        block = new float[BLOCK];
                    }
                    fillBlock(block, 0, (int) (hi - blockStart), blockSeed);
                    System.arraycopy(block, (int) (lo - blockStart), out, (int) (lo - first), (int) (hi - lo));
                }
            }
        });
        return out;
    }

    private static void fillBlock(float[] out, int from, int to, long blockSeed) {
        SplittableRandom random = new SplittableRandom(blockSeed);
        for (int i = from; i < to; i++) {
            double g;
            do {
                g = random.nextGaussian();
            } while (g < -2.0 || g > 2.0);
            out[i] = (float) (g * STDDEV);
        }
    }

    /** FNV-1a over the UTF-8 bytes: a hash fixed by this code, not by the JDK. */
    static long hash(String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** The SplitMix64 finalizer. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    @Override
    public void close() {
        pool.close();
    }
}
