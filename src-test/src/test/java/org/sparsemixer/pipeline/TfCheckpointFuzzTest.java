package org.sparsemixer.pipeline;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.sparsemixer.engine.InvalidModelException;
import org.sparsemixer.loader.ModelFiles;
import org.sparsemixer.loader.WeightDType;
import org.sparsemixer.loader.safetensors.DType;
import org.sparsemixer.loader.tf.TensorBundle;
import org.sparsemixer.loader.tf.TfCheckpoint;

/**
 * jqwik fuzzing of the TensorFlow checkpoint reader: each try mutates the {@code .index} of a real
 * TensorFlow-written checkpoint (next to its unchanged data shards) and opens it, identifies the encoder's
 * weights, reads every float tensor and the object graph, and sometimes converts it with its config. Half the
 * mutations re-seal the block checksums afterwards, so they reach the block, protobuf and object-graph
 * parsers instead of stopping at the checksum. Only {@link InvalidModelException} (the reader's
 * TfFormatException included) and {@link NoSuchFileException} (a shard the mutated header names) may escape,
 * within {@link Fuzz#LIMIT} of CPU time, in the 512 MB heap of the fuzz execution.
 */
class TfCheckpointFuzzTest {
    /** Seeds: fixture, checkpoint prefix inside it. */
    private static final String[][] SEEDS = {
        {"p01_train_ckpt", "ckpt/ckpt-1"},
        {"p04_sharded_ckpt", "ckpt/ckpt-1"},
        {"p04_sliced_ckpt", "ckpt/ckpt-1"},
        {"p04_masked_lm_export", "bert_model.ckpt"},
        {"real/serving_half_plus_two_tf2_cpu", "variables/variables"},
        {"real/rust_regression_savedmodel", "variables/variables"},
    };
    private static final byte[] INTERESTING = {0, 1, (byte) 0x7f, (byte) 0x80, (byte) 0xff, 0x08, 0x0a, 0x12, 0x22};

    private static Path dir;
    private static final List<Path> prefixes = new ArrayList<>();
    private static final List<byte[]> indexes = new ArrayList<>();
    private static final List<int[][]> blocks = new ArrayList<>();

    @BeforeContainer
    static void copySeeds() throws IOException {
        dir = Files.createTempDirectory("sparse-mixer-tf-fuzz");
        for (int i = 0; i < SEEDS.length; i++) {
            Path src = TfFixtures.caseDir(SEEDS[i][0]).resolve(SEEDS[i][1]);
            Path copy = dir.resolve("seed" + i).resolve(src.getFileName());
            Files.createDirectories(copy.getParent());
            try (Stream<Path> files = Files.list(src.getParent())) {
                for (Path f : files.toList()) {
                    if (f.getFileName().toString().startsWith(src.getFileName() + ".")) {
                        Files.copy(f, copy.resolveSibling(f.getFileName()));
                    }
                }
            }
            prefixes.add(copy);
            byte[] index = Files.readAllBytes(TensorBundle.indexOf(copy));
            indexes.add(index);
            blocks.add(blocksOf(index));
        }
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        Fuzz.printStats();
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void checkpointIndexes(@ForAll long seed) throws Exception {
        Random r = new Random(seed);
        int pick = r.nextInt(SEEDS.length);
        byte[] mutated = indexes.get(pick);
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            mutated = mutate(mutated, r);
        }
        if (r.nextBoolean() && mutated.length == indexes.get(pick).length) {
            reseal(mutated, blocks.get(pick));
        }
        Path prefix = prefixes.get(pick);
        Files.write(TensorBundle.indexOf(prefix), mutated);
        boolean convert = pick < 4 && r.nextInt(4) == 0;
        byte[] content = mutated;
        try {
            Fuzz.expectOnly("TfCheckpoint " + SEEDS[pick][0], () -> {
                try (TfCheckpoint c = TfCheckpoint.open(prefix, null)) {
                    for (TensorBundle.Entry e : c.bundle().entries().values()) {
                        if (e.dtype().isFloat()) {
                            c.bundle().floats(e, DType.F32);
                        } else if (e.key().equals(TensorBundle.OBJECT_GRAPH_KEY)) {
                            c.bundle().string(e);
                        }
                    }
                }
                if (convert) {
                    Path out = prefix.resolveSibling("out");
                    ModelFiles.convertTfCheckpoint(prefix, null, TfFixtures.config(SEEDS[pick][0]), out, WeightDType.F32,
                            true, null);
                }
            }, InvalidModelException.class, NoSuchFileException.class);
        } catch (AssertionError e) {
            Path saved = Fuzz.save("tf-index-" + SEEDS[pick][0].replace('/', '-'), "seed" + seed, content);
            throw new AssertionError(e.getMessage() + " [case saved to " + saved + "]", e);
        } finally {
            Files.write(TensorBundle.indexOf(prefix), indexes.get(pick));
        }
    }

    private static byte[] mutate(byte[] b, Random r) {
        if (b.length == 0) {
            return b;
        }
        byte[] out = b.clone();
        switch (r.nextInt(6)) {
            case 0 -> {   // bit flips
                for (int i = 1 + r.nextInt(4); i > 0; i--) {
                    out[r.nextInt(out.length)] ^= (byte) (1 << r.nextInt(8));
                }
                return out;
            }
            case 1 -> {   // an interesting byte
                out[r.nextInt(out.length)] = INTERESTING[r.nextInt(INTERESTING.length)];
                return out;
            }
            case 2 -> {   // a run of 0xff (huge varints) or zeros
                int at = r.nextInt(out.length);
                byte v = r.nextBoolean() ? (byte) 0xff : 0;
                Arrays.fill(out, at, Math.min(out.length, at + 1 + r.nextInt(12)), v);
                return out;
            }
            case 3 -> {   // truncation
                return Arrays.copyOf(b, r.nextInt(b.length + 1));
            }
            case 4 -> {   // a span duplicated or removed
                int from = r.nextInt(b.length);
                int to = Math.min(b.length, from + 1 + r.nextInt(32));
                return r.nextBoolean() ? Fuzz.concat(Arrays.copyOf(b, to), Arrays.copyOfRange(b, from, b.length))
                        : Fuzz.concat(Arrays.copyOf(b, from), Arrays.copyOfRange(b, to, b.length));
            }
            default -> {  // a little-endian 32-bit field set to an edge value
                if (out.length < 4) {
                    return out;
                }
                int[] values = {0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 1 << 20, 48};
                ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putInt(r.nextInt(out.length - 3),
                        values[r.nextInt(values.length)]);
                return out;
            }
        }
    }

    /** Rewrites the masked CRC32C of each block (offset, size) after a same-length mutation. */
    private static void reseal(byte[] b, int[][] blockHandles) {
        for (int[] h : blockHandles) {
            CRC32C crc = new CRC32C();
            crc.update(b, h[0], h[1] + 1);
            int c = (int) crc.getValue();
            int masked = ((c >>> 15) | (c << 17)) + 0xa282ead8;
            ByteBuffer.wrap(b, h[0] + h[1] + 1, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(masked);
        }
    }

    /** The (offset, size) of every block of a valid index: the footer's two, and the data blocks the index block lists. */
    private static int[][] blocksOf(byte[] b) {
        int[] at = {b.length - 48};
        List<int[]> out = new ArrayList<>();
        out.add(new int[] {(int) varint(b, at), (int) varint(b, at)});
        int[] index = {(int) varint(b, at), (int) varint(b, at)};
        out.add(index);
        int restarts = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(index[0] + index[1] - 4);
        int end = index[0] + index[1] - 4 - 4 * restarts;
        int[] p = {index[0]};
        while (p[0] < end) {
            varint(b, p);                      // shared key bytes
            int unshared = (int) varint(b, p);
            varint(b, p);                      // value length
            p[0] += unshared;
            out.add(new int[] {(int) varint(b, p), (int) varint(b, p)});
        }
        return out.toArray(new int[0][]);
    }

    private static long varint(byte[] b, int[] at) {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            byte x = b[at[0]++];
            v |= (long) (x & 0x7f) << shift;
            if (x >= 0) {
                return v;
            }
        }
    }
}
