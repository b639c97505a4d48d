package org.sparsemixer.server;

import java.util.List;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOutput;

/** Concatenates the inputs of several requests into one call, and cuts the call's outputs back apart. */
final class Batches {
    private Batches() {
    }

    /** The requests' sequences one after another (all of the same word and dense length). */
    static EncoderInput concat(List<InferenceJob> jobs) {
        if (jobs.size() == 1) {
            return jobs.getFirst().input;
        }
        EncoderInput first = jobs.getFirst().input;
        int batch = 0;
        for (InferenceJob job : jobs) {
            batch += job.sequences();
        }
        int sw = first.wordLength();
        int sd = first.denseLength();
        int[] ids = new int[batch * sw];
        int[] mask = new int[batch * sw];
        int[] types = new int[batch * sw];
        boolean dense = first.denseInputs() != null;
        int width = dense && sd > 0 ? first.denseInputs().length / (first.batchSize() * sd) : 0;
        float[] denseInputs = dense ? new float[batch * sd * width] : null;
        int[] denseMask = dense ? new int[batch * sd] : null;
        int[] denseTypes = dense ? new int[batch * sd] : null;
        int at = 0;
        for (InferenceJob job : jobs) {
            EncoderInput in = job.input;
            int n = in.batchSize();
            System.arraycopy(in.wordIds(), 0, ids, at * sw, n * sw);
            System.arraycopy(in.mask(), 0, mask, at * sw, n * sw);
            System.arraycopy(in.typeIds(), 0, types, at * sw, n * sw);
            if (dense) {
                System.arraycopy(in.denseInputs(), 0, denseInputs, at * sd * width, n * sd * width);
                System.arraycopy(in.denseMask(), 0, denseMask, at * sd, n * sd);
                System.arraycopy(in.denseTypeIds(), 0, denseTypes, at * sd, n * sd);
            }
            at += n;
        }
        return new EncoderInput(batch, sw, ids, mask, types, sd, denseInputs, denseMask, denseTypes);
    }

    /** The outputs of sequences [from, from + count) of a call, as if they had been a call of their own. */
    static EncoderOutput slice(EncoderOutput out, int from, int count) {
        if (from == 0 && count == out.batchSize()) {
            return out;
        }
        int s = out.sequenceLength();
        int h = out.hiddenSize();
        int perSequence = s * h;
        float[] sequence = copy(out.sequenceOutput(), from * perSequence, count * perSequence);
        float[] pooled = copy(out.pooledOutput(), from * h, count * h);
        float[] layers = null;
        if (out.encoderOutputs() != null) {
            // [L, B, S, H]: each layer holds the whole batch, so the slice is one run per layer.
            int layerBlock = out.batchSize() * perSequence;
            layers = new float[out.numLayers() * count * perSequence];
            for (int l = 0; l < out.numLayers(); l++) {
                System.arraycopy(out.encoderOutputs(), l * layerBlock + from * perSequence, layers,
                        l * count * perSequence, count * perSequence);
            }
        }
        return new EncoderOutput(count, s, h, out.numLayers(), sequence, pooled, layers);
    }

    private static float[] copy(float[] from, int at, int length) {
        float[] to = new float[length];
        System.arraycopy(from, at, to, 0, length);
        return to;
    }
}
