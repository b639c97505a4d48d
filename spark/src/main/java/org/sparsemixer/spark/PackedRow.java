package org.sparsemixer.spark;

/**
 * One example as the encoder takes it: {@code input_word_ids}, {@code input_mask} and
 * {@code input_type_ids}, each of the model's sequence length. What a {@link RowInput} makes of a row.
 */
public record PackedRow(int[] wordIds, int[] mask, int[] typeIds) {
}
