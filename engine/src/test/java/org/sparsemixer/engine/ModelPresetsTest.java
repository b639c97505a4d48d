package org.sparsemixer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelPresetsTest {
    @Test
    void baseHasTheSpecDefaults() {
        SparseMixerConfig b = ModelPresets.byName("base");
        assertEquals(512, b.hiddenSize());
        assertEquals(14, b.numLayers());
        assertEquals(List.of(5, 6, 7, 8), b.moeLayers());
        assertEquals(List.of(10, 11, 12, 13), b.attentionLayers());
        assertEquals(16, b.numExperts());
        assertEquals(2048, b.innerDim());
        assertEquals(32000, b.vocabSize());
        assertEquals(32, b.expertCapacity());
    }

    @Test
    void fastOnlyHalvesTheEvalCapacity() {
        SparseMixerConfig base = ModelPresets.base();
        SparseMixerConfig fast = ModelPresets.byName("FAST");
        assertEquals(0.5, fast.evalCapacityFactor());
        assertEquals(16, fast.expertCapacity());
        assertEquals(base.moeLayers(), fast.moeLayers());
        assertEquals(base.trainCapacityFactor(), fast.trainCapacityFactor());
    }

    @Test
    void bertBaseIsDenseAttentionEverywhere() {
        SparseMixerConfig bert = ModelPresets.byName("bert-base");
        assertTrue(bert.moeLayers().isEmpty());
        for (int i = 0; i < 12; i++) {
            assertTrue(bert.isAttentionLayer(i));
        }
        assertEquals(64, bert.headSize());
    }

    @Test
    void unknownPresetIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelPresets.byName("large"));
        assertTrue(e.getMessage().contains("large"), e.getMessage());
    }
}
