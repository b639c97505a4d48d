package org.sparsemixer.loader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.loader.safetensors.SafeTensorsFile;
import org.sparsemixer.loader.safetensors.SafeTensorsWriter;
import org.sparsemixer.loader.safetensors.TensorInfo;

/**
 * Input and output batches as safetensors files with the tensor names of SPEC section 3.
 * Readers look only at the tensors they need, so a golden {@code cases.safetensors} (inputs and
 * expected outputs in one file) serves both as an input file and as an output file. Problems with a
 * file's contents are {@link IllegalArgumentException}s naming the tensor.
 */
public final class BatchFiles {
    private static final String[] WORD_INPUTS = {
        EncoderInput.INPUT_WORD_IDS, EncoderInput.INPUT_MASK, EncoderInput.INPUT_TYPE_IDS};
    private static final String[] DENSE_INPUTS = {
        EncoderInput.DENSE_INPUTS, EncoderInput.DENSE_MASK, EncoderInput.DENSE_TYPE_IDS};

    private BatchFiles() {
    }

    /** Reads input_word_ids/input_mask/input_type_ids (I32 or I64, [B, S_w]) and dense inputs when present. */
    public static EncoderInput readInputs(Path file) throws IOException {
        try (SafeTensorsFile f = open(file, "inputs")) {
            List<String> missing = new ArrayList<>();
            for (String name : WORD_INPUTS) {
                if (!f.contains(name)) {
                    missing.add(name);
                }
            }
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException(file + ": missing input " + String.join(", ", missing)
                        + " (an inputs file needs " + String.join(", ", WORD_INPUTS) + ")");
            }
            TensorInfo ids = intTensor(f, EncoderInput.INPUT_WORD_IDS, 2);
            int batch = ids.dim(0);
            int wordLength = ids.dim(1);
            for (String name : new String[] {EncoderInput.INPUT_MASK, EncoderInput.INPUT_TYPE_IDS}) {
                requireShape(f, intTensor(f, name, 2), new int[] {batch, wordLength}, EncoderInput.INPUT_WORD_IDS);
            }
            int[] wordIds = f.ints(EncoderInput.INPUT_WORD_IDS);
            int[] mask = f.ints(EncoderInput.INPUT_MASK);
            int[] typeIds = f.ints(EncoderInput.INPUT_TYPE_IDS);

            List<String> densePresent = new ArrayList<>();
            List<String> denseMissing = new ArrayList<>();
            for (String name : DENSE_INPUTS) {
                (f.contains(name) ? densePresent : denseMissing).add(name);
            }
            if (densePresent.isEmpty()) {
                return new EncoderInput(batch, wordLength, wordIds, mask, typeIds, 0, null, null, null);
            }
            if (!denseMissing.isEmpty()) {
                throw new IllegalArgumentException(file + ": missing input " + String.join(", ", denseMissing)
                        + " (dense inputs need all of " + String.join(", ", DENSE_INPUTS) + "; the file has "
                        + String.join(", ", densePresent) + ")");
            }
            TensorInfo dense = f.info(EncoderInput.DENSE_INPUTS);
            if (!dense.dtype().isFloat()) {
                throw new IllegalArgumentException(file + ": input " + EncoderInput.DENSE_INPUTS + " has dtype "
                        + dense.dtype() + "; a float dtype (F32) is needed");
            }
            requireRank(f, dense, 3);
            if (dense.dim(0) != batch) {
                throw new IllegalArgumentException(file + ": input " + EncoderInput.DENSE_INPUTS + " has batch size "
                        + dense.dim(0) + " but " + EncoderInput.INPUT_WORD_IDS + " has " + batch);
            }
            int denseLength = dense.dim(1);
            for (String name : new String[] {EncoderInput.DENSE_MASK, EncoderInput.DENSE_TYPE_IDS}) {
                requireShape(f, intTensor(f, name, 2), new int[] {batch, denseLength}, EncoderInput.DENSE_INPUTS);
            }
            return new EncoderInput(batch, wordLength, wordIds, mask, typeIds, denseLength,
                    f.floats(EncoderInput.DENSE_INPUTS), f.ints(EncoderInput.DENSE_MASK), f.ints(EncoderInput.DENSE_TYPE_IDS));
        }
    }

    public static void writeInputs(Path file, EncoderInput input) throws IOException {
        int b = input.batchSize();
        int sw = input.wordLength();
        SafeTensorsWriter w = new SafeTensorsWriter()
                .addI32(EncoderInput.INPUT_WORD_IDS, new int[] {b, sw}, input.wordIds())
                .addI32(EncoderInput.INPUT_MASK, new int[] {b, sw}, input.mask())
                .addI32(EncoderInput.INPUT_TYPE_IDS, new int[] {b, sw}, input.typeIds());
        if (input.hasDenseInputs()) {
            if (input.denseInputs() == null || input.denseMask() == null || input.denseTypeIds() == null) {
                throw new IllegalArgumentException("dense inputs need all of " + String.join(", ", DENSE_INPUTS));
            }
            int sd = input.denseLength();
            int width = sd == 0 || b == 0 ? 0 : input.denseInputs().length / (b * sd);
            w.addF32(EncoderInput.DENSE_INPUTS, new int[] {b, sd, width}, input.denseInputs())
                    .addI32(EncoderInput.DENSE_MASK, new int[] {b, sd}, input.denseMask())
                    .addI32(EncoderInput.DENSE_TYPE_IDS, new int[] {b, sd}, input.denseTypeIds());
        }
        w.write(file);
    }

    /** Writes F32 sequence_output [B,S,H], pooled_output [B,H], encoder_outputs [L,B,S,H]. */
    public static void writeOutputs(Path file, EncoderOutput output) throws IOException {
        int b = output.batchSize();
        int s = output.sequenceLength();
        int h = output.hiddenSize();
        int l = output.numLayers();
        new SafeTensorsWriter()
                .addF32(EncoderOutput.SEQUENCE_OUTPUT, new int[] {b, s, h}, output.sequenceOutput())
                .addF32(EncoderOutput.POOLED_OUTPUT, new int[] {b, h}, output.pooledOutput())
                .addF32(EncoderOutput.ENCODER_OUTPUTS, new int[] {l, b, s, h}, output.encoderOutputs())
                .write(file);
    }

    /** Reads the three output tensors back (also reads the expected outputs of a golden cases file). */
    public static EncoderOutput readOutputs(Path file) throws IOException {
        try (SafeTensorsFile f = open(file, "outputs")) {
            List<String> missing = new ArrayList<>();
            for (String name : new String[] {EncoderOutput.SEQUENCE_OUTPUT, EncoderOutput.POOLED_OUTPUT,
                    EncoderOutput.ENCODER_OUTPUTS}) {
                if (!f.contains(name)) {
                    missing.add(name);
                }
            }
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException(file + ": missing output " + String.join(", ", missing));
            }
            TensorInfo seq = floatTensor(f, EncoderOutput.SEQUENCE_OUTPUT, 3);
            int b = seq.dim(0);
            int s = seq.dim(1);
            int h = seq.dim(2);
            requireShape(f, floatTensor(f, EncoderOutput.POOLED_OUTPUT, 2), new int[] {b, h}, EncoderOutput.SEQUENCE_OUTPUT);
            TensorInfo enc = floatTensor(f, EncoderOutput.ENCODER_OUTPUTS, 4);
            int l = enc.dim(0);
            requireShape(f, enc, new int[] {l, b, s, h}, EncoderOutput.SEQUENCE_OUTPUT);
            return new EncoderOutput(b, s, h, l, f.floats(EncoderOutput.SEQUENCE_OUTPUT),
                    f.floats(EncoderOutput.POOLED_OUTPUT), f.floats(EncoderOutput.ENCODER_OUTPUTS));
        }
    }

    private static SafeTensorsFile open(Path file, String what) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, what + " file not found");
        }
        return SafeTensorsFile.open(file);
    }

    private static TensorInfo intTensor(SafeTensorsFile f, String name, int rank) {
        TensorInfo t = f.info(name);
        if (!t.dtype().isInt()) {
            throw new IllegalArgumentException(f.path() + ": input " + name + " has dtype " + t.dtype()
                    + "; I32 or I64 is needed");
        }
        requireRank(f, t, rank);
        return t;
    }

    private static TensorInfo floatTensor(SafeTensorsFile f, String name, int rank) {
        TensorInfo t = f.info(name);
        if (!t.dtype().isFloat()) {
            throw new IllegalArgumentException(f.path() + ": " + name + " has dtype " + t.dtype() + "; F32 is needed");
        }
        requireRank(f, t, rank);
        return t;
    }

    private static void requireRank(SafeTensorsFile f, TensorInfo t, int rank) {
        if (t.rank() != rank) {
            throw new IllegalArgumentException(f.path() + ": " + t.name() + " has rank " + t.rank() + " (shape "
                    + Arrays.toString(t.shape()) + "); rank " + rank + " is needed");
        }
    }

    private static void requireShape(SafeTensorsFile f, TensorInfo t, int[] shape, String reference) {
        if (!t.hasShape(shape)) {
            int batchAxis = t.name().equals(EncoderOutput.ENCODER_OUTPUTS) ? 1 : 0;
            String why = t.dim(batchAxis) != shape[batchAxis]
                    ? "batch size " + t.dim(batchAxis) + " but " + reference + " has " + shape[batchAxis]
                    + " (shape " + Arrays.toString(t.shape()) + ", needed " + Arrays.toString(shape) + ")"
                    : "shape " + Arrays.toString(t.shape()) + " but " + Arrays.toString(shape) + " is needed to match " + reference;
            throw new IllegalArgumentException(f.path() + ": " + t.name() + " has " + why);
        }
    }
}
