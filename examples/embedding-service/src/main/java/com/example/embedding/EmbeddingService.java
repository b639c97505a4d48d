package com.example.embedding;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.loader.ModelLoader;

/**
 * Sentence embeddings (the encoder's pooled output) for token-id sequences. One instance serves any number
 * of request threads at once: the encoder is thread-safe and this class keeps no other state.
 */
public final class EmbeddingService implements AutoCloseable {
    /** Untimed calls per batch size before traffic: the first calls run while C2 compiles the kernels. */
    private static final int WARM_UP_CALLS = 3;

    private final SparseMixerEncoder encoder;
    private final int sequenceLength;

    /** Loads the model and warms it up at the batch sizes this service will encode. */
    public EmbeddingService(Path modelDir, int... batchSizes) throws IOException {
        // Only the pooled output is used: skip keeping every layer's output (less garbage, a little faster).
        EncoderOptions options = EncoderOptions.defaults().withEncoderOutputs(false);
        encoder = ModelLoader.load(modelDir, options);
        sequenceLength = encoder.config().maxSequenceLength();
        try {
            encoder.warmUp(WARM_UP_CALLS, batchSizes);
        } catch (RuntimeException e) {
            encoder.close(); // stops its compute threads
            throw e;
        }
    }

    /**
     * One embedding per sequence of token ids (at most max_sequence_length each, padded here).
     *
     * @throws IllegalArgumentException for a sequence that is too long or an id outside the vocabulary
     */
    public float[][] embed(List<int[]> sequences) {
        int batch = sequences.size();
        int[][] ids = new int[batch][sequenceLength];
        int[][] mask = new int[batch][sequenceLength];
        int[][] types = new int[batch][sequenceLength]; // one segment: type id 0
        for (int b = 0; b < batch; b++) {
            int[] tokens = sequences.get(b);
            if (tokens.length > sequenceLength) {
                throw new IllegalArgumentException("sequence " + b + " has " + tokens.length
                        + " tokens, the model takes at most " + sequenceLength);
            }
            System.arraycopy(tokens, 0, ids[b], 0, tokens.length);
            Arrays.fill(mask[b], 0, tokens.length, 1);
        }
        EncoderOutput out = encoder.encode(EncoderInput.of(ids, mask, types));
        int hidden = out.hiddenSize();
        float[][] embeddings = new float[batch][];
        for (int b = 0; b < batch; b++) {
            embeddings[b] = Arrays.copyOfRange(out.pooledOutput(), b * hidden, (b + 1) * hidden);
        }
        return embeddings;
    }

    /** Stops the encoder's compute threads. */
    @Override
    public void close() {
        encoder.close();
    }

    /**
     * {@code EmbeddingService MODEL_DIR SEQUENCES...}: embeds the sequences as one batch and prints one line
     * per sequence, {@code embedding <index>: <values>}. A sequence is comma-separated token ids; sequences
     * are separated by spaces, within an argument or as separate arguments.
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: EmbeddingService MODEL_DIR SEQUENCE... (a sequence: token ids like 5,17,42)");
            System.exit(2);
        }
        List<int[]> sequences = new ArrayList<>();
        for (String arg : Arrays.copyOfRange(args, 1, args.length)) {
            for (String sequence : arg.trim().split("\\s+")) {
                sequences.add(Arrays.stream(sequence.split(",")).mapToInt(Integer::parseInt).toArray());
            }
        }
        try (EmbeddingService service = new EmbeddingService(Path.of(args[0]), sequences.size())) {
            float[][] embeddings = service.embed(sequences);
            for (int i = 0; i < embeddings.length; i++) {
                System.out.println("embedding " + i + ": " + joined(embeddings[i]));
            }
        }
    }

    /** The values separated by spaces, each printed exactly (Float.toString reads back to the same float). */
    private static String joined(float[] values) {
        StringBuilder s = new StringBuilder();
        for (float v : values) {
            s.append(s.isEmpty() ? "" : " ").append(v);
        }
        return s.toString();
    }
}
