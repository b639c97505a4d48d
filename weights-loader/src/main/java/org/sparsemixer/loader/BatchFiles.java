package org.sparsemixer.loader;

import java.io.IOException;
import java.nio.file.Path;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.SparseMixerConfig;

/** Input and output batches as safetensors files with the tensor names of SPEC section 3. STUB. */
public final class BatchFiles {
    private BatchFiles() {
    }

    /** Reads input_word_ids/input_mask/input_type_ids (I32 or I64, [B, S_w]) and dense inputs when present. */
    public static EncoderInput readInputs(Path file) throws IOException {
        throw new UnsupportedOperationException("stub");
    }

    public static void writeInputs(Path file, EncoderInput input) throws IOException {
        throw new UnsupportedOperationException("stub");
    }

    /** Writes F32 sequence_output [B,S,H], pooled_output [B,H], encoder_outputs [L,B,S,H]. */
    public static void writeOutputs(Path file, EncoderOutput output) throws IOException {
        throw new UnsupportedOperationException("stub");
    }

    /** Reads the three output tensors back (also reads the expected outputs of a golden cases file). */
    public static EncoderOutput readOutputs(Path file) throws IOException {
        throw new UnsupportedOperationException("stub");
    }

    /** A deterministic sample batch for a config: random ids, a padded tail in every example but the first. */
    public static EncoderInput sampleBatch(SparseMixerConfig config, int batchSize, long seed) {
        throw new UnsupportedOperationException("stub");
    }
}
