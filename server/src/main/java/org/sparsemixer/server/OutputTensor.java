package org.sparsemixer.server;

import java.util.Arrays;
import java.util.Optional;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.SparseMixerConfig;

/** The encoder's outputs as the protocols name them, with their shapes; every one is FP32. */
public enum OutputTensor {
    POOLED_OUTPUT(EncoderOutput.POOLED_OUTPUT),
    SEQUENCE_OUTPUT(EncoderOutput.SEQUENCE_OUTPUT),
    ENCODER_OUTPUTS(EncoderOutput.ENCODER_OUTPUTS);

    private final String tensorName;

    OutputTensor(String tensorName) {
        this.tensorName = tensorName;
    }

    public String tensorName() {
        return tensorName;
    }

    public static Optional<OutputTensor> byName(String name) {
        return Arrays.stream(values()).filter(o -> o.tensorName.equals(name)).findFirst();
    }

    /** The shape for {@code batch} sequences; {@code batch = -1} gives the metadata shape. */
    public long[] shape(SparseMixerConfig c, int batch) {
        return switch (this) {
            case POOLED_OUTPUT -> new long[] {batch, c.hiddenSize()};
            case SEQUENCE_OUTPUT -> new long[] {batch, c.maxSequenceLength(), c.hiddenSize()};
            // [L, B, S, H] as the engine and the golden fixtures lay it out: the batch is the second dimension.
            case ENCODER_OUTPUTS -> new long[] {c.numLayers(), batch, c.maxSequenceLength(), c.hiddenSize()};
        };
    }

    /** This output's values in {@code out}, row-major. */
    public float[] values(EncoderOutput out) {
        return switch (this) {
            case POOLED_OUTPUT -> out.pooledOutput();
            case SEQUENCE_OUTPUT -> out.sequenceOutput();
            case ENCODER_OUTPUTS -> out.encoderOutputs();
        };
    }
}
