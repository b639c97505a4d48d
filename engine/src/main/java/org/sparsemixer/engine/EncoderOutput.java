package org.sparsemixer.engine;

/**
 * What one call of the encoder returns, row-major:
 * {@code sequenceOutput} [B, S, H], {@code pooledOutput} [B, H], {@code encoderOutputs} [L, B, S, H]
 * (every layer's output; the last equals {@code sequenceOutput}), or null when the encoder was built with
 * {@link EncoderOptions#withEncoderOutputs EncoderOptions.withEncoderOutputs(false)}.
 */
public record EncoderOutput(
        int batchSize,
        int sequenceLength,
        int hiddenSize,
        int numLayers,
        float[] sequenceOutput,
        float[] pooledOutput,
        float[] encoderOutputs) {

    public static final String SEQUENCE_OUTPUT = "sequence_output";
    public static final String POOLED_OUTPUT = "pooled_output";
    public static final String ENCODER_OUTPUTS = "encoder_outputs";

    public float sequenceOutput(int b, int t, int h) {
        return sequenceOutput[(b * sequenceLength + t) * hiddenSize + h];
    }

    public float pooledOutput(int b, int h) {
        return pooledOutput[b * hiddenSize + h];
    }

    /** @throws IllegalStateException when this call did not keep every layer's output */
    public float encoderOutput(int layer, int b, int t, int h) {
        if (encoderOutputs == null) {
            throw new IllegalStateException(ENCODER_OUTPUTS + " were not kept: the encoder was built with "
                    + "EncoderOptions.withEncoderOutputs(false)");
        }
        return encoderOutputs[((layer * batchSize + b) * sequenceLength + t) * hiddenSize + h];
    }
}
