package org.sparsemixer.bench.onnx;

import java.util.ArrayList;
import java.util.List;
import org.sparsemixer.engine.EncoderOutput;

/** Element-wise comparison of two encoder outputs with the SPEC tolerance |got - want| <= 1e-4 + 1e-4 |want|. */
public final class OutputComparison {
    public static final double ABS = 1e-4;
    public static final double REL = 1e-4;

    /** Result for one output tensor; {@code worst} is the index of the largest tolerance-relative error. */
    public record Diff(String output, int elements, long violations, double maxAbs, int worst, float want,
                       float got) {
        @Override
        public String toString() {
            return String.format("%s: %d/%d elements outside tolerance, max |diff| %.3g (at %d: want %s got %s)",
                    output, violations, elements, maxAbs, worst, want, got);
        }
    }

    private OutputComparison() {
    }

    /** Compares every output both sides have (encoder_outputs only when both computed it). */
    public static List<Diff> compare(EncoderOutput want, EncoderOutput got) {
        List<Diff> diffs = new ArrayList<>();
        diffs.add(diff(EncoderOutput.SEQUENCE_OUTPUT, want.sequenceOutput(), got.sequenceOutput()));
        diffs.add(diff(EncoderOutput.POOLED_OUTPUT, want.pooledOutput(), got.pooledOutput()));
        if (want.encoderOutputs() != null && got.encoderOutputs() != null) {
            diffs.add(diff(EncoderOutput.ENCODER_OUTPUTS, want.encoderOutputs(), got.encoderOutputs()));
        }
        return diffs;
    }

    public static Diff diff(String name, float[] want, float[] got) {
        if (got == null || want.length != got.length) {
            return new Diff(name, want.length, want.length, Double.NaN, -1, Float.NaN, Float.NaN);
        }
        long violations = 0;
        double maxAbs = 0;
        double worstRatio = -1;
        int worst = 0;
        for (int i = 0; i < want.length; i++) {
            double d = Math.abs((double) got[i] - want[i]);
            double allowed = ABS + REL * Math.abs(want[i]);
            if (!(d <= allowed)) {
                violations++;
            }
            maxAbs = Math.max(maxAbs, d);
            double ratio = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d / allowed;
            if (ratio > worstRatio) {
                worstRatio = ratio;
                worst = i;
            }
        }
        return new Diff(name, want.length, violations, maxAbs, worst, want[worst], got[worst]);
    }
}
