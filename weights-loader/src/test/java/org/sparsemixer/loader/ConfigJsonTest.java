package org.sparsemixer.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparsemixer.engine.InvalidConfigException;
import org.sparsemixer.engine.InvalidModelException;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.SparseMixerConfig;

class ConfigJsonTest {

    @Test
    void missingKeysTakeTheSpecDefaults() {
        SparseMixerConfig c = ConfigJson.parse("{\"vocab_size\": 32000}");
        assertEquals(32000, c.vocabSize());
        assertEquals(512, c.hiddenSize());
        assertEquals(14, c.numLayers());
        assertEquals(List.of(5, 6, 7, 8), c.moeLayers());
        assertEquals(List.of(10, 11, 12, 13), c.attentionLayers());
        assertEquals(16, c.numExperts());
        assertEquals(1.0, c.trainCapacityFactor());
        assertEquals(1.0, c.evalCapacityFactor());
        assertEquals(1.0, c.examplesPerGroup());
        assertEquals(MixingMechanism.LINEAR, c.mixingMechanism());
        assertFalse(c.useFft());
        assertEquals(8, c.numAttentionHeads());
        assertEquals(512, c.maxSequenceLength());
        assertEquals(16, c.typeVocabSize());
        assertEquals(2048, c.innerDim());
        assertEquals("gelu_approximate", c.innerActivation());
        assertNull(c.outputRange());
        assertEquals(512, c.embeddingWidth());
        assertFalse(c.normFirst());
        assertFalse(c.withDenseInputs());
        assertEquals(SparseMixerConfig.base(32000), c);
    }

    @Test
    void everyKeyIsRead() {
        SparseMixerConfig c = ConfigJson.parse("""
                {"vocab_size": 100, "hidden_size": 32, "num_layers": 4, "moe_layers": [1, 3],
                 "attention_layers": [2, 3], "num_experts": 4, "train_capacity_factor": 2.0,
                 "eval_capacity_factor": 0.5, "examples_per_group": 2, "mixing_mechanism": "hartley",
                 "use_fft": true, "num_attention_heads": 2, "max_sequence_length": 16, "type_vocab_size": 3,
                 "inner_dim": 64, "inner_activation": "gelu_approximate", "output_range": 1,
                 "embedding_width": 16, "norm_first": true, "with_dense_inputs": true}
                """);
        assertEquals(new SparseMixerConfig(100, 32, 4, List.of(1, 3), List.of(2, 3), 4, 2.0, 0.5, 2.0,
                MixingMechanism.HARTLEY, true, 2, 16, 3, 64, "gelu_approximate", 1, 16, true, true), c);
    }

    @Test
    void nullEmbeddingWidthMeansHiddenSize() {
        SparseMixerConfig c = ConfigJson.parse("{\"vocab_size\": 10, \"hidden_size\": 64, \"num_attention_heads\": 4,"
                + " \"embedding_width\": null, \"output_range\": null}");
        assertEquals(64, c.embeddingWidth());
        assertFalse(c.hasEmbeddingProjection());
        assertNull(c.outputRange());
    }

    @Test
    void trainingOnlyKeysAreIgnored() {
        SparseMixerConfig c = ConfigJson.parse("""
                {"vocab_size": 10, "output_dropout": 0.1, "attention_dropout": 0.1, "dropout_rate": 0.1,
                 "attention_dropout_rate": 0.1, "export_metrics": true, "embedding_layer": null,
                 "initializer": {"class_name": "TruncatedNormal", "config": {"stddev": 0.02}}}
                """);
        assertEquals(SparseMixerConfig.base(10), c);
    }

    @Test
    void unknownKeyIsNamed() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ConfigJson.parse("{\"vocab_size\": 10, \"hiden_size\": 32}"));
        assertEquals("hiden_size", e.key());
        assertTrue(e.getMessage().contains("hiden_size"), e.getMessage());
    }

    @Test
    void customEmbeddingLayerIsRejected() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ConfigJson.parse("{\"vocab_size\": 10, \"embedding_layer\": {\"class_name\": \"X\"}}"));
        assertEquals("embedding_layer", e.key());
    }

    @Test
    void vocabSizeIsRequired() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ConfigJson.parse("{\"hidden_size\": 32, \"num_attention_heads\": 4}"));
        assertEquals("vocab_size", e.key());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "hidden_size        | \"512\"",
        "hidden_size        | 512.5",
        "hidden_size        | 512.0",
        "hidden_size        | true",
        "hidden_size        | null",
        "hidden_size        | [512]",
        "vocab_size         | 1e3",
        "vocab_size         | 3000000000",
        "num_layers         | 1.5",
        "moe_layers         | 5",
        "moe_layers         | \"5,6\"",
        "moe_layers         | null",
        "moe_layers         | [5, 6.5]",
        "moe_layers         | [5, \"6\"]",
        "attention_layers   | {\"a\": 1}",
        "use_fft            | 1",
        "use_fft            | \"true\"",
        "norm_first         | null",
        "with_dense_inputs  | 0",
        "mixing_mechanism   | 1",
        "mixing_mechanism   | \"Linear\"",
        "mixing_mechanism   | \"dft\"",
        "eval_capacity_factor | \"1.0\"",
        "train_capacity_factor | true",
        "examples_per_group | null",
        "inner_activation   | \"relu\"",
        "inner_activation   | 3",
        "output_range       | 1.5",
        "output_range       | \"all\"",
        "embedding_width    | 16.0",
        "embedding_width    | \"16\"",
        "hidden_size        | NaN",
        "eval_capacity_factor | NaN",
        "examples_per_group | Infinity",
        "train_capacity_factor | -Infinity",
    })
    void wrongTypesAreNamed(String key, String value) {
        String json = key.equals("vocab_size") ? "{\"vocab_size\": " + value + "}"
                : "{\"vocab_size\": 10, \"" + key + "\": " + value + "}";
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ConfigJson.parse(json));
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "vocab_size          | 0",
        "hidden_size         | -8",
        "num_layers          | 0",
        "num_experts         | 0",
        "num_attention_heads | 5",
        "moe_layers          | [14]",
        "moe_layers          | [-1]",
        "moe_layers          | [5, 5]",
        "attention_layers    | [20]",
        "eval_capacity_factor | -0.5",
        "examples_per_group  | 0",
        "examples_per_group  | 0.001",
        "inner_dim           | 0",
        "embedding_width     | 0",
        "output_range        | -1",
        "max_sequence_length | 0",
        "type_vocab_size     | 0",
    })
    void invalidValuesAreNamed(String key, String value) {
        String json = key.equals("vocab_size") ? "{\"vocab_size\": " + value + "}"
                : "{\"vocab_size\": 10, \"" + key + "\": " + value + "}";
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ConfigJson.parse(json));
        assertEquals(key, e.key(), e.getMessage());
    }

    @Test
    void notJsonOrNotAnObjectIsAnInvalidModel() {
        for (String text : new String[] {"", "{", "[1, 2]", "\"config\"", "42", "{\"vocab_size\": 10} {}",
                "{\"vocab_size\": 10, \"vocab_size\": 11}", "{'vocab_size': 10}"}) {
            InvalidModelException e = assertThrows(InvalidModelException.class, () -> ConfigJson.parse(text), text);
            assertFalse(e instanceof InvalidConfigException, text + ": " + e.getMessage());
        }
    }

    @Test
    void readNamesTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, "[]");
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> ConfigJson.read(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());

        Files.writeString(file, "{\"vocab_size\": 10, \"num_layers\": \"two\"}");
        InvalidConfigException ce = assertThrows(InvalidConfigException.class, () -> ConfigJson.read(file));
        assertEquals("num_layers", ce.key());
        assertTrue(ce.getMessage().contains(file.toString()), ce.getMessage());
        assertTrue(ce.getMessage().startsWith("config key 'num_layers' must be an integer"), ce.getMessage());
    }

    @Test
    void missingFileNamesThePath(@TempDir Path dir) {
        Path file = dir.resolve("nope").resolve("config.json");
        Exception e = assertThrows(Exception.class, () -> ConfigJson.read(file));
        assertInstanceOf(InvalidModelException.class, e);
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void toJsonWritesEveryKeyAndRoundTrips() throws Exception {
        SparseMixerConfig[] configs = {
            SparseMixerConfig.base(32000),
            new SparseMixerConfig(100, 32, 4, List.of(1, 3), List.of(2, 3), 4, 2.0, 0.5, 1.5,
                    MixingMechanism.FOURIER, true, 2, 16, 3, 64, "gelu_approximate", 7, 16, true, true),
        };
        for (SparseMixerConfig c : configs) {
            String json = ConfigJson.toJson(c);
            var tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
            for (String key : ConfigJson.KEYS) {
                assertTrue(tree.has(key), key + " missing from " + json);
            }
            assertEquals(ConfigJson.KEYS.size(), tree.size());
            assertEquals(c, ConfigJson.parse(json));
        }
        var base = new com.fasterxml.jackson.databind.ObjectMapper().readTree(ConfigJson.toJson(SparseMixerConfig.base(5)));
        assertTrue(base.get("embedding_width").isNull());
        assertTrue(base.get("output_range").isNull());
        assertEquals("linear", base.get("mixing_mechanism").asText());
        // the layout of the exporters' files: two-space indent, "key": value
        assertTrue(ConfigJson.toJson(SparseMixerConfig.base(5)).startsWith("{\n  \"vocab_size\": 5,\n  \"hidden_size\": 512,"),
                ConfigJson.toJson(SparseMixerConfig.base(5)));
    }

    @Test
    void readsTheGoldenFixtureConfig() throws Exception {
        Path file = Path.of(getClass().getResource("/p01_linear_postnorm_base/model/config.json").toURI());
        SparseMixerConfig c = ConfigJson.read(file);
        assertEquals(new SparseMixerConfig(100, 32, 6, List.of(2, 3), List.of(4, 5), 4, 1.0, 1.0, 1.0,
                MixingMechanism.LINEAR, false, 4, 16, 3, 64, "gelu_approximate", null, 32, false, false), c);
    }
}
