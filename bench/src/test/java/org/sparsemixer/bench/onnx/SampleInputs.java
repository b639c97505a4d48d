package org.sparsemixer.bench.onnx;

import java.util.SplittableRandom;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.SparseMixerConfig;

/** Deterministic sample batches: random ids, two segments, and padding at the end of odd examples. */
public final class SampleInputs {
    private SampleInputs() {
    }

    public static EncoderInput random(SparseMixerConfig config, int batch, long seed) {
        int s = config.maxSequenceLength();
        SplittableRandom random = new SplittableRandom(seed);
        int[][] ids = new int[batch][s];
        int[][] mask = new int[batch][s];
        int[][] types = new int[batch][s];
        for (int b = 0; b < batch; b++) {
            int length = b % 2 == 0 ? s : Math.max(1, s - s / 4 - b);
            int split = length / 2;
            for (int t = 0; t < s; t++) {
                ids[b][t] = random.nextInt(config.vocabSize());
                mask[b][t] = t < length ? 1 : 0;
                types[b][t] = t >= split && t < length ? Math.min(1, config.typeVocabSize() - 1) : 0;
            }
        }
        return EncoderInput.of(ids, mask, types);
    }
}
