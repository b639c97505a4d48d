package org.sparsemixer.bench.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOutput;

/**
 * An ONNX Runtime session over a model written by {@link OnnxExport}: CPU execution provider,
 * {@code threads} intra-op threads, one inter-op thread, sequential execution, all graph optimizations.
 */
public final class OrtEncoder implements AutoCloseable {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final int layers;
    private final int hidden;

    public OrtEncoder(Path model, int threads, int layers, int hidden) throws OrtException {
        this(model, threads, layers, hidden, true, null);
    }

    /**
     * @param spinning  ORT's {@code session.intra_op.allow_spinning} (ORT's default is on)
     * @param optimized where to write ORT's optimized graph, or null
     */
    public OrtEncoder(Path model, int threads, int layers, int hidden, boolean spinning, Path optimized)
            throws OrtException {
        this(model, threads, layers, hidden, spinning, optimized, null);
    }

    /**
     * @param profilePrefix where ORT writes its profile (it appends a date and {@code .json}; see
     *                      {@link #endProfiling()}), or null for no profiling
     */
    public OrtEncoder(Path model, int threads, int layers, int hidden, boolean spinning, Path optimized,
                      Path profilePrefix) throws OrtException {
        this.env = OrtEnvironment.getEnvironment();
        this.layers = layers;
        this.hidden = hidden;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.addConfigEntry("session.intra_op.allow_spinning", spinning ? "1" : "0");
            if (optimized != null) {
                options.setOptimizedModelFilePath(optimized.toString());
            }
            if (profilePrefix != null) {
                options.enableProfiling(profilePrefix.toString());
            }
            this.session = env.createSession(model.toString(), options);
        }
    }

    /** Runs the model on {@code input} (word tokens only). */
    public EncoderOutput encode(EncoderInput input) throws OrtException {
        int batch = input.batchSize();
        int s = input.wordLength();
        long[] shape = {batch, s};
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try (OnnxTensor ids = OnnxTensor.createTensor(env, IntBuffer.wrap(input.wordIds()), shape);
             OnnxTensor mask = OnnxTensor.createTensor(env, IntBuffer.wrap(input.mask()), shape);
             OnnxTensor types = OnnxTensor.createTensor(env, IntBuffer.wrap(input.typeIds()), shape)) {
            feeds.put(EncoderInput.INPUT_WORD_IDS, ids);
            feeds.put(EncoderInput.INPUT_MASK, mask);
            feeds.put(EncoderInput.INPUT_TYPE_IDS, types);
            try (OrtSession.Result result = session.run(feeds)) {
                float[] seq = floats(result.get(EncoderOutput.SEQUENCE_OUTPUT));
                float[] pooled = floats(result.get(EncoderOutput.POOLED_OUTPUT));
                float[] all = floats(result.get(EncoderOutput.ENCODER_OUTPUTS));
                return new EncoderOutput(batch, s, hidden, layers, seq, pooled, all);
            }
        }
    }

    private static float[] floats(Optional<OnnxValue> value) {
        if (value.isEmpty()) {
            return null;
        }
        FloatBuffer buf = ((OnnxTensor) value.get()).getFloatBuffer();
        float[] out = new float[buf.remaining()];
        buf.get(out);
        return out;
    }

    /** Ends ORT's profiling and returns the profile file it wrote. */
    public Path endProfiling() throws OrtException {
        return Path.of(session.endProfiling());
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
