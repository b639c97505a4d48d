package org.sparsemixer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class FlopCountTest {
    @Test
    void baseIsAbout42GigaflopsPerSequence() {
        // Issue 3 quotes ~42 GFLOP per 512-token sequence for Sparse Mixer Base.
        double gflop = FlopCount.forward(SparseMixerConfig.base(32000), 1) / 1e9;
        assertEquals(42, gflop, 2.5);
    }

    @Test
    void countsOneDenseLayerByHand() {
        // One linear-mixing layer with a dense FFN: S=4, H=8, F=16, B=2, no projection.
        SparseMixerConfig c = new SparseMixerConfig(10, 8, 1, List.of(), List.of(), 1, 1, 1, 1,
                MixingMechanism.LINEAR, false, 2, 4, 2, 16, SparseMixerConfig.GELU_APPROXIMATE, null, 8, false, false);
        double tokens = 8;
        double mixing = 2 * tokens * 8 * 8 + 2 * 2 * 4 * 4 * 8;
        double ffn = 2 * tokens * 8 * 16 * 2;
        double pooler = 2 * 2 * 8 * 8;
        assertEquals(mixing + ffn + pooler, FlopCount.forward(c, 2), 0);
    }

    @Test
    void fastSparseMixerSavesExpertWork() {
        SparseMixerConfig base = SparseMixerConfig.base(32000);
        SparseMixerConfig fast = new SparseMixerConfig(32000, 512, 14, base.moeLayers(), base.attentionLayers(), 16,
                1.0, 0.5, 1.0, MixingMechanism.LINEAR, false, 8, 512, 16, 2048, SparseMixerConfig.GELU_APPROXIMATE,
                null, 512, false, false);
        double saved = FlopCount.forward(base, 1) - FlopCount.forward(fast, 1);
        // 4 MoE layers, half the routed tokens: 512 * 0.5 tokens * 2 GEMMs * 2 * H * F each
        assertEquals(4 * 256 * 2 * 2.0 * 512 * 2048, saved, 0);
    }
}
