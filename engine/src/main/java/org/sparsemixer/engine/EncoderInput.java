package org.sparsemixer.engine;

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
