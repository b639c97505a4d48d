package org.sparsemixer.engine;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * One batch of inputs (SPEC section 3), flattened row-major: {@code wordIds[b * wordLength + t]}.
 * The dense arrays are null unless the model has {@code with_dense_inputs}; {@code denseInputs} is
 * [B, denseLength, W]. Shapes and values are checked against the model when the batch is encoded;
 * the factories here only check that the arrays are rectangular.
 */
public record EncoderInput(
        int batchSize,
        int wordLength,
        int[] wordIds,
        int[] mask,
        int[] typeIds,
        int denseLength,
        float[] denseInputs,
        int[] denseMask,
        int[] denseTypeIds) {

    public static final String INPUT_WORD_IDS = "input_word_ids";
    public static final String INPUT_MASK = "input_mask";
    public static final String INPUT_TYPE_IDS = "input_type_ids";
    public static final String DENSE_INPUTS = "dense_inputs";
    public static final String DENSE_MASK = "dense_mask";
    public static final String DENSE_TYPE_IDS = "dense_type_ids";

    /** Word tokens only, as [B][S] arrays. */
    public static EncoderInput of(int[][] wordIds, int[][] mask, int[][] typeIds) {
        int batch = rows(INPUT_WORD_IDS, wordIds);
        int length = batch == 0 ? 0 : wordIds[0].length;
        return new EncoderInput(batch, length,
                flatten(INPUT_WORD_IDS, wordIds, batch, length),
                flatten(INPUT_MASK, mask, batch, length),
                flatten(INPUT_TYPE_IDS, typeIds, batch, length),
                0, null, null, null);
    }

    /** Word tokens plus dense tokens; {@code denseInputs} is [B][S_d][W]. */
    public static EncoderInput withDense(int[][] wordIds, int[][] mask, int[][] typeIds,
                                         float[][][] denseInputs, int[][] denseMask, int[][] denseTypeIds) {
        EncoderInput words = of(wordIds, mask, typeIds);
        int batch = words.batchSize();
        if (denseInputs == null) {
            throw new IllegalArgumentException(DENSE_INPUTS + " is missing");
        }
        if (denseInputs.length != batch) {
            throw new IllegalArgumentException(DENSE_INPUTS + " has batch size " + denseInputs.length
                    + " but " + INPUT_WORD_IDS + " has " + batch);
        }
        int denseLength = batch == 0 ? 0 : denseInputs[0].length;
        int width = batch == 0 || denseLength == 0 ? 0 : denseInputs[0][0].length;
        float[] dense = new float[Math.multiplyExact(Math.multiplyExact(batch, denseLength), width)];
        for (int b = 0; b < batch; b++) {
            if (denseInputs[b] == null || denseInputs[b].length != denseLength) {
                throw new IllegalArgumentException(DENSE_INPUTS + "[" + b + "] is not of length " + denseLength);
            }
            for (int t = 0; t < denseLength; t++) {
                float[] row = denseInputs[b][t];
                if (row == null || row.length != width) {
                    throw new IllegalArgumentException(DENSE_INPUTS + "[" + b + "][" + t + "] is not of width " + width);
                }
                System.arraycopy(row, 0, dense, (b * denseLength + t) * width, width);
            }
        }
        return new EncoderInput(batch, words.wordLength(), words.wordIds(), words.mask(), words.typeIds(),
                denseLength, dense,
                flatten(DENSE_MASK, denseMask, batch, denseLength),
                flatten(DENSE_TYPE_IDS, denseTypeIds, batch, denseLength));
    }

    /**
     * A deterministic sample batch for a config: random ids in [0, vocab) and type ids in [0, type_vocab);
     * example 0 is unpadded, every other example has a mask of 1 on a random prefix of length >= 1 and 0
     * after it (ids and type ids 0 under the padding). With {@code with_dense_inputs}, the last
     * S_d = S / 4 positions are dense tokens (standard normal values, mask 1, random type ids).
     */
    public static EncoderInput sample(SparseMixerConfig config, int batchSize, long seed) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        SplittableRandom random = new SplittableRandom(seed);
        int s = config.maxSequenceLength();
        int denseLength = config.withDenseInputs() ? s / 4 : 0;
        int wordLength = s - denseLength;
        int n = Math.multiplyExact(batchSize, wordLength);
        int[] ids = new int[n];
        int[] mask = new int[n];
        int[] types = new int[n];
        for (int b = 0; b < batchSize; b++) {
            int valid = b == 0 || wordLength == 0 ? wordLength : 1 + random.nextInt(wordLength);
            for (int t = 0; t < valid; t++) {
                int i = b * wordLength + t;
                ids[i] = random.nextInt(config.vocabSize());
                types[i] = random.nextInt(config.typeVocabSize());
                mask[i] = 1;
            }
        }
        if (!config.withDenseInputs()) {
            return new EncoderInput(batchSize, wordLength, ids, mask, types, 0, null, null, null);
        }
        int width = config.embeddingWidth();
        float[] dense = new float[Math.multiplyExact(batchSize * denseLength, width)];
        for (int i = 0; i < dense.length; i++) {
            dense[i] = (float) random.nextGaussian();
        }
        int[] denseMask = new int[batchSize * denseLength];
        Arrays.fill(denseMask, 1);
        int[] denseTypes = new int[batchSize * denseLength];
        for (int i = 0; i < denseTypes.length; i++) {
            denseTypes[i] = random.nextInt(config.typeVocabSize());
        }
        return new EncoderInput(batchSize, wordLength, ids, mask, types, denseLength, dense, denseMask, denseTypes);
    }

    public boolean hasDenseInputs() {
        return denseInputs != null || denseMask != null || denseTypeIds != null;
    }

    /** S_w + S_d. */
    public int sequenceLength() {
        return wordLength + denseLength;
    }

    private static int rows(String name, int[][] array) {
        if (array == null) {
            throw new IllegalArgumentException(name + " is missing");
        }
        return array.length;
    }

    private static int[] flatten(String name, int[][] array, int batch, int length) {
        if (rows(name, array) != batch) {
            throw new IllegalArgumentException(name + " has batch size " + array.length + " but "
                    + INPUT_WORD_IDS + " has " + batch);
        }
        int[] flat = new int[Math.multiplyExact(batch, length)];
        for (int b = 0; b < batch; b++) {
            if (array[b] == null || array[b].length != length) {
                throw new IllegalArgumentException(name + "[" + b + "] has length "
                        + (array[b] == null ? "null" : array[b].length) + ", expected " + length);
            }
            System.arraycopy(array[b], 0, flat, b * length, length);
        }
        return flat;
    }
}
