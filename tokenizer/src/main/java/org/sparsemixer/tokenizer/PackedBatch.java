package org.sparsemixer.tokenizer;

import java.util.List;

/** Packed rows of a batch as {@code int[B][S]} arrays, the shape of {@code EncoderInput.of(ids, mask, types)}. */
public record PackedBatch(int[][] inputWordIds, int[][] inputMask, int[][] inputTypeIds) {
    public static PackedBatch of(List<PackedInput> rows) {
        int[][] ids = new int[rows.size()][];
        int[][] mask = new int[rows.size()][];
        int[][] types = new int[rows.size()][];
        for (int b = 0; b < rows.size(); b++) {
            ids[b] = rows.get(b).inputWordIds();
            mask[b] = rows.get(b).inputMask();
            types[b] = rows.get(b).inputTypeIds();
        }
        return new PackedBatch(ids, mask, types);
    }

    public int batchSize() {
        return inputWordIds.length;
    }
}
