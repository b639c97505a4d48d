package org.sparsemixer.tokenizer;

/**
 * One packed sequence for the encoder, each array {@code seq_length} long: {@code input_word_ids}
 * ({@code [CLS] a [SEP] b [SEP]} then padding), {@code input_mask} (1, then 0 for padding) and
 * {@code input_type_ids} (segment index; 0 for [CLS] and padding).
 */
public record PackedInput(int[] inputWordIds, int[] inputMask, int[] inputTypeIds) {
    public PackedInput {
        if (inputWordIds.length != inputMask.length || inputWordIds.length != inputTypeIds.length) {
            throw new IllegalArgumentException("input_word_ids, input_mask and input_type_ids differ in length: "
                    + inputWordIds.length + ", " + inputMask.length + ", " + inputTypeIds.length);
        }
    }

    public int seqLength() {
        return inputWordIds.length;
    }
}
