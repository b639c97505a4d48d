package org.sparsemixer.loader.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsemixer.engine.InvalidModelException;
import org.sparsemixer.loader.ModelFiles;
import org.sparsemixer.loader.WeightDType;

/** Which variables are the encoder's: by full_name and scope, never by key; errors name the weight. */
class TfCheckpointMappingTest {
    private static final List<String> NAMES = List.of("word_embeddings/embeddings", "position_embedding/embeddings",
            "type_embeddings/embeddings", "embeddings/layer_norm/gamma", "embeddings/layer_norm/beta",
            "pooler_transform/kernel", "pooler_transform/bias");

    @TempDir
    Path tmp;

    /** A checkpoint of scalar float variables: key to full_name (empty: no full_name), with an object graph. */
    private Path checkpoint(Map<String, String> fullNameByKey) throws Exception {
        BundleWriter.Msg root = new BundleWriter.Msg();
        BundleWriter.Msg graph = new BundleWriter.Msg();
        List<BundleWriter.Msg> nodes = new java.util.ArrayList<>();
        int id = 1;
        ByteArrayOutputStream shard = new ByteArrayOutputStream();
        SortedMap<String, byte[]> entries = new TreeMap<>();
        entries.put("", BundleWriter.header(1));
        for (Map.Entry<String, String> e : fullNameByKey.entrySet()) {
            root.message(1, new BundleWriter.Msg().varint(1, id++).string(2, "v" + id));
            nodes.add(new BundleWriter.Msg().message(2, new BundleWriter.Msg().string(1, "VARIABLE_VALUE")
                    .string(2, e.getValue()).string(3, e.getKey())));
            byte[] value = BundleWriter.le32(Float.floatToIntBits(id));
            entries.put(e.getKey(), BundleWriter.floatEntry(shard.size(), value).toByteArray());
            shard.writeBytes(value);
        }
        graph.message(1, root);
        nodes.forEach(n -> graph.message(1, n));
        byte[][] g = BundleWriter.stringTensor(graph.toByteArray(), shard.size());
        shard.writeBytes(g[0]);
        entries.put(TensorBundle.OBJECT_GRAPH_KEY, g[1]);
        Path dir = Files.createTempDirectory(tmp, "ckpt");
        Path prefix = dir.resolve("ckpt-1");
        Files.write(TensorBundle.indexOf(prefix), BundleWriter.table(entries, false));
        Files.write(TensorBundle.shardOf(prefix, 0, 1), shard.toByteArray());
        return prefix;
    }

    private static Map<String, String> encoder(String keyPrefix, String scope) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String n : NAMES) {
            m.put(keyPrefix + n.replace('/', '_') + "/.ATTRIBUTES/VARIABLE_VALUE", scope + n);
        }
        return m;
    }

    @Test
    void twoEncodersNeedAPrefix() throws Exception {
        Map<String, String> vars = encoder("a/", "sparse_mixer/");
        vars.putAll(encoder("b/", "sparse_mixer_1/"));
        Path p = checkpoint(vars);
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> TfCheckpoint.open(p, null));
        assertTrue(e.getMessage().contains("2 encoders") && e.getMessage().contains("'sparse_mixer_1'")
                && e.getMessage().contains("--prefix"), e.getMessage());
        try (TfCheckpoint c = TfCheckpoint.open(p, "sparse_mixer_1")) {
            assertEquals(NAMES.size(), c.weights().size());
            c.weights().values().forEach(v -> assertTrue(v.key().startsWith("b/"), v.key()));
            assertTrue(c.variables().stream().filter(v -> v.key().startsWith("a/"))
                    .allMatch(v -> v.skipReason().contains("another encoder")));
        }
    }

    @Test
    void aWeightHeldTwiceIsAnError() throws Exception {
        Map<String, String> vars = encoder("encoder/", "sparse_mixer/");
        vars.put("model/copy/.ATTRIBUTES/VARIABLE_VALUE", "sparse_mixer/pooler_transform/bias");
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> TfCheckpoint.open(checkpoint(vars), null));
        assertTrue(e.getMessage().contains("'pooler_transform/bias' is held twice"), e.getMessage());
    }

    @Test
    void theKeyDoesNotDecideTheName() throws Exception {
        // keys that look like other weights' object paths; the full_names say otherwise
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("encoder/_pooler_layer/bias/.ATTRIBUTES/VARIABLE_VALUE", "sparse_mixer/word_embeddings/embeddings");
        vars.put("optimizer/_trainable_variables/0/.ATTRIBUTES/VARIABLE_VALUE", "sparse_mixer/pooler_transform/bias");
        vars.put("encoder/_embedding_layer/embeddings/.ATTRIBUTES/VARIABLE_VALUE", "cls/predictions/output_bias");
        try (TfCheckpoint c = TfCheckpoint.open(checkpoint(vars), null)) {
            assertEquals("encoder/_pooler_layer/bias/.ATTRIBUTES/VARIABLE_VALUE", c.weights().get("word_embeddings/embeddings").key());
            assertEquals("optimizer/_trainable_variables/0/.ATTRIBUTES/VARIABLE_VALUE", c.weights().get("pooler_transform/bias").key());
            assertEquals(2, c.weights().size());
        }
        // without full_names, the object path of the encoder names them
        Map<String, String> noNames = new LinkedHashMap<>();
        noNames.put("encoder/_pooler_layer/bias/.ATTRIBUTES/VARIABLE_VALUE", "");
        noNames.put("encoder/_transformer_layers/3/_feedforward_cls/_experts/output_layer/kernel/.ATTRIBUTES/VARIABLE_VALUE", "");
        try (TfCheckpoint c = TfCheckpoint.open(checkpoint(noNames), null)) {
            assertEquals(java.util.Set.of("pooler_transform/bias", "transformer/layer_3/moe/experts/output/kernel"),
                    c.weights().keySet());
        }
    }

    @Test
    void missingAndMisshapenWeightsAreNamed() throws Exception {
        Path config = TfFixtures.caseDir("p01_train_ckpt").resolve("expected/config.json");
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> ModelFiles.convertTfCheckpoint(
                TfFixtures.prefix("p04_savedmodel"), null, config, tmp.resolve("out"), WeightDType.F32, false, null));
        assertTrue(e.getMessage().contains("wrong shape") || e.getMessage().contains("missing tensor"), e.getMessage());
        assertTrue(e.getMessage().contains("variables.index"), e.getMessage());
        e = assertThrows(InvalidModelException.class, () -> ModelFiles.convertTfCheckpoint(
                TfFixtures.prefix("p01_train_ckpt"), "no_such_scope", config, tmp.resolve("out2"), WeightDType.F32, false, null));
        assertTrue(e.getMessage().contains("no Sparse Mixer encoder weights in that name scope")
                && e.getMessage().contains("'no_such_scope'"), e.getMessage());
        assertTrue(!Files.exists(tmp.resolve("out2").resolve("model.safetensors")), "nothing written");
    }

    @Test
    void checkpointDirectoriesResolveAsTensorFlowDoes() throws Exception {
        Path ckptDir = TfFixtures.caseDir("p01_train_ckpt").resolve("ckpt");
        assertEquals(ckptDir.resolve("ckpt-1"), TfCheckpoint.resolvePrefix(ckptDir));
        Path export = TfFixtures.caseDir("p04_masked_lm_export");
        assertEquals(export.resolve("bert_model.ckpt"), TfCheckpoint.resolvePrefix(export));
        assertEquals(export.resolve("bert_model.ckpt"), TfCheckpoint.resolvePrefix(export.resolve("bert_model.ckpt")));
        Path saved = TfFixtures.caseDir("p04_savedmodel").resolve("saved_model");
        assertEquals(saved.resolve("variables/variables"), TfCheckpoint.savedModelPrefix(saved));
        assertThrows(java.nio.file.NoSuchFileException.class, () -> TfCheckpoint.resolvePrefix(tmp.resolve("nothing")));
        assertThrows(InvalidModelException.class, () -> TfCheckpoint.resolvePrefix(tmp));
    }
}
