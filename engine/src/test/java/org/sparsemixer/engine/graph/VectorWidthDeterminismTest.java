package org.sparsemixer.engine.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.WeightPrecision;
import org.sparsemixer.engine.kernels.VectorShapes;

/**
 * The cross-machine determinism promise: the outputs of fixed models and inputs (odd sizes, so every
 * vector tail is taken; linear, DFT and FFT mixing, attention, MoE, pre- and post-norm, dense inputs,
 * an embedding projection) hash to the same SHA-256 whatever the vector width. The surefire executions
 * run this test with 128-, 256- and 512-bit vectors forced ({@code sparsemixer.vector.bits}) and with
 * the machine's own width, and with 1 and 3 threads each time.
 * <p>
 * If every execution fails the same way, the numerics changed on purpose: update the digests. If only
 * some widths fail, a kernel's result now depends on the vector width.
 */
class VectorWidthDeterminismTest {
    private static final Map<String, String> EXPECTED = Map.of(
            "linear-moe-attention", "ef30f5a85f715be21e69fdbe98e1b1ee1fba21658163f299fb4e72e2be02983a",
            "fourier-dft-prenorm-projection", "61544e9a977de6272b48a3ca17824980de3fae604f99fd63ee158ce2fedb66bf",
            "hartley-fft-dense", "8244584c592894ae1d003f97a1396f93fd346363ec67979b22f87d8059d3efea",
            "attention-epg2", "28d7d7f4634a5f220ebd132589896f31fa0db30be9fc450133c8f652bc760bec",
            "linear-moe-attention bf16 weights", "1c4e5384c3969f3ca184d99c5e2af06b1d1c60d09f54b22f1cca9989d8cf83d6",
            "hartley-fft-dense f16 weights", "146a475b3f3e4d990d799979028e09c51934b7c493a94ed0b28f370719a2fee5");

    static Map<String, SparseMixerConfig> configs() {
        Map<String, SparseMixerConfig> m = new LinkedHashMap<>();
        m.put("linear-moe-attention", new SparseMixerConfig(61, 24, 3, List.of(1), List.of(2), 3, 1.0, 1.0, 1.0,
                MixingMechanism.LINEAR, false, 3, 13, 3, 40, SparseMixerConfig.GELU_APPROXIMATE, null, 24, false, false));
        m.put("fourier-dft-prenorm-projection", new SparseMixerConfig(50, 20, 2, List.of(0), List.of(), 4, 1.0, 1.0, 1.0,
                MixingMechanism.FOURIER, false, 2, 12, 2, 36, SparseMixerConfig.GELU_APPROXIMATE, null, 8, true, false));
        m.put("hartley-fft-dense", new SparseMixerConfig(40, 32, 2, List.of(), List.of(), 2, 1.0, 1.0, 1.0,
                MixingMechanism.HARTLEY, true, 4, 10, 2, 50, SparseMixerConfig.GELU_APPROXIMATE, null, 32, false, true));
        m.put("attention-epg2", new SparseMixerConfig(30, 48, 2, List.of(1), List.of(0, 1), 5, 1.0, 0.8, 2.0,
                MixingMechanism.LINEAR, false, 3, 40, 2, 70, SparseMixerConfig.GELU_APPROXIMATE, null, 48, true, false));
        return m;
    }

    static String digest(SparseMixerConfig c, int threads) throws Exception {
        return digest(c, EncoderOptions.threads(threads));
    }

    static String digest(SparseMixerConfig c, EncoderOptions options) throws Exception {
        int batch = c.examplesPerGroup() > 1 ? 2 : 3;
        EncoderInput in = EncoderVsReferenceTest.randomInput(c, batch, c.withDenseInputs() ? 3 : 0, 77);
        try (SparseMixerEncoder encoder = SparseMixerEncoder.create(c, EncoderVsReferenceTest.randomWeights(c, 78),
                options)) {
            EncoderOutput out = encoder.encode(in);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (float[] a : new float[][] {out.sequenceOutput(), out.pooledOutput(), out.encoderOutputs()}) {
                ByteBuffer b = ByteBuffer.allocate(4 * a.length);
                for (float v : a) {
                    b.putInt(Float.floatToRawIntBits(v));
                }
                sha.update(b.array());
            }
            return HexFormat.of().formatHex(sha.digest());
        }
    }

    @Test
    void outputsHashTheSameForEveryVectorWidthAndThreadCount() throws Exception {
        Map<String, String> got = new LinkedHashMap<>();
        for (Map.Entry<String, SparseMixerConfig> e : configs().entrySet()) {
            String one = digest(e.getValue(), 1);
            assertEquals(one, digest(e.getValue(), 3), e.getKey() + ": 1 vs 3 threads");
            got.put(e.getKey(), one);
        }
        // 16-bit weight storage (widened in the kernels) is just as deterministic
        got.put("linear-moe-attention bf16 weights", digest(configs().get("linear-moe-attention"),
                EncoderOptions.threads(3).withWeightPrecision(WeightPrecision.BF16)));
        got.put("hartley-fft-dense f16 weights", digest(configs().get("hartley-fft-dense"),
                EncoderOptions.threads(2).withWeightPrecision(WeightPrecision.F16)));
        assertEquals(EXPECTED, got, "output digests with " + VectorShapes.describe());
    }
}
