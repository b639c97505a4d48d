package org.sparsemixer.loader.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.sparsemixer.loader.ModelFiles;
import org.sparsemixer.loader.ModelLoader;
import org.sparsemixer.loader.WeightDType;
import org.sparsemixer.loader.safetensors.DType;
import org.sparsemixer.loader.safetensors.SafeTensorsFile;

/**
 * Every TensorFlow-written fixture converts to exactly the expected model directory, and every key is
 * identified as case.json says; the real third-party checkpoints read as TensorFlow read them.
 */
class TfCheckpointFixturesTest {
    static final List<String> CASES = TfFixtures.CASES;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @FieldSource("CASES")
    void convertsToTheExpectedModelDirectoryBitForBit(String name) throws Exception {
        Path expected = TfFixtures.caseDir(name).resolve("expected");
        Path out = tmp.resolve(name);
        ModelFiles.convertTfCheckpoint(TfFixtures.prefix(name), null, expected.resolve(ModelLoader.CONFIG_FILE), out,
                WeightDType.F32, false, null);
        assertArrayEquals(Files.readAllBytes(expected.resolve(ModelLoader.CONFIG_FILE)),
                Files.readAllBytes(out.resolve(ModelLoader.CONFIG_FILE)), "config.json copied unchanged");
        try (SafeTensorsFile want = SafeTensorsFile.open(expected.resolve(ModelLoader.WEIGHTS_FILE));
             SafeTensorsFile got = SafeTensorsFile.open(out.resolve(ModelLoader.WEIGHTS_FILE))) {
            assertEquals(want.tensors().keySet(), got.tensors().keySet(), name + ": tensor set");
            for (String t : want.tensors().keySet()) {
                assertEquals(want.info(t).dtype(), got.info(t).dtype(), t);
                assertArrayEquals(want.info(t).shape(), got.info(t).shape(), t);
                assertArrayEquals(want.bytes(t), got.bytes(t), name + ": " + t);
            }
        }
    }

    @ParameterizedTest
    @FieldSource("CASES")
    void identifiesEveryKeyAsCaseJsonSays(String name) throws Exception {
        JsonNode c = TfFixtures.caseJson(name);
        try (TfCheckpoint ckpt = TfCheckpoint.open(TfFixtures.prefix(name), null)) {
            Map<String, TfCheckpoint.Variable> byKey = new HashMap<>();
            ckpt.variables().forEach(v -> byKey.put(v.key(), v));
            assertEquals(c.get("num_keys_listed").asInt(), byKey.size(), name + ": keys");
            for (JsonNode w : c.get("weights")) {
                TfCheckpoint.Variable v = byKey.get(w.get("key").asText());
                assertNotNull(v, w.get("key").asText());
                assertEquals(w.get("name").asText(), v.name(), v.key());
                assertEquals(w.get("full_name").asText(), v.fullName(), v.key());
                assertEquals(w.get("dtype").asText(), v.dtype().toString(), v.key());
                assertArrayEquals(ints(w.get("tf_shape")), v.shape(), v.key());
            }
            for (JsonNode s : c.get("skip")) {
                TfCheckpoint.Variable v = byKey.get(s.get("key").asText());
                assertNotNull(v, s.get("key").asText());
                assertNull(v.name(), v.key() + " is skipped (" + s.get("reason").asText() + ")");
                assertNotNull(v.skipReason(), v.key());
                assertEquals(s.get("dtype").asText(), v.dtype().toString(), v.key());
            }
            assertEquals(c.get("weights").size(), ckpt.weights().size());
            assertEquals(c.get("index_header").get("num_shards").asInt(), ckpt.bundle().numShards());
        }
    }

    @Test
    void slicedTensorsAreReassembledFromTheirSlices() throws Exception {
        JsonNode c = TfFixtures.caseJson("p04_sliced_ckpt");
        try (TensorBundle b = TensorBundle.open(TfFixtures.prefix("p04_sliced_ckpt"))) {
            var slices = c.get("sliced_tensors").get("slices");
            List<String> keys = new ArrayList<>();
            slices.fieldNames().forEachRemaining(keys::add);
            assertEquals(2, keys.size());
            for (String key : keys) {
                TensorBundle.Entry e = b.entries().get(key);
                assertTrue(e.sliced(), key);
                assertEquals(slices.get(key).size(), e.slices().size(), key);
            }
            // the slice keys are exactly TensorFlow's (OrderedCode), as case.json gives them raw
            for (JsonNode s : c.get("sliced_tensors").get("slice_entries")) {
                long[][] extent = new long[s.get("extent").size()][];
                for (int d = 0; d < extent.length; d++) {
                    extent[d] = new long[] {s.get("extent").get(d).get(0).asLong(), s.get("extent").get(d).get(1).asLong()};
                }
                byte[] raw = Base64.getDecoder().decode(s.get("raw_key_b64").asText());
                assertEquals(new String(raw, java.nio.charset.StandardCharsets.ISO_8859_1),
                        SliceKeys.encode(s.get("of").asText(), extent));
            }
        }
    }

    @Test
    void bf16VariablesAreWidenedExactly() throws Exception {
        try (TensorBundle b = TensorBundle.open(TfFixtures.prefix("p04_bf16_ckpt"))) {
            TensorBundle.Entry e = b.entries().get("encoder/_pooler_layer/kernel/.ATTRIBUTES/VARIABLE_VALUE");
            assertEquals(TfDType.BFLOAT16, e.dtype());
            byte[] raw = b.bytes(e);
            float[] got = b.floats(e, DType.F32);
            ByteBuffer le = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < got.length; i++) {
                assertEquals(Float.intBitsToFloat((le.getShort(2 * i) & 0xffff) << 16), got[i], "element " + i);
            }
        }
    }

    @Test
    void realCheckpointsReadAsTensorFlowReadThem() throws Exception {
        Path real = TfFixtures.root().resolve("real");
        JsonNode all = new ObjectMapper().readTree(Files.readString(real.resolve("tensors.json")));
        int checked = 0;
        for (JsonNode ck : all.get("checkpoints")) {
            Path prefix = real.resolve(ck.get("prefix").asText());
            try (TfCheckpoint c = TfCheckpoint.open(prefix, null)) {
                TensorBundle b = c.bundle();
                assertEquals(ck.get("tensors").size(), b.entries().size(), ck.get("name").asText());
                Map<String, String> fullNames = new HashMap<>();
                c.variables().forEach(v -> fullNames.put(v.key(), v.fullName()));
                for (JsonNode t : ck.get("tensors")) {
                    String key = t.get("key").asText();
                    TensorBundle.Entry e = b.entries().get(key);
                    assertNotNull(e, key);
                    assertEquals(t.get("dtype").asText(), e.dtype().toString(), key);
                    assertArrayEquals(ints(t.get("shape")), e.shape(), key);
                    if (t.has("full_name")) {
                        assertEquals(t.get("full_name").asText(), fullNames.get(key), key);
                    }
                    if (e.dtype() == TfDType.STRING) {
                        byte[] s = b.string(e);
                        assertArrayEquals(Base64.getDecoder().decode(t.get("value_b64").asText()), s, key);
                        assertEquals(t.get("sha256").asText(),
                                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s)), key);
                    } else if (e.dtype() == TfDType.INT64) {
                        ByteBuffer le = ByteBuffer.wrap(b.bytes(e)).order(ByteOrder.LITTLE_ENDIAN);
                        for (int i = 0; i < t.get("values").size(); i++) {
                            assertEquals(t.get("values").get(i).asLong(), le.getLong(8 * i), key);
                        }
                    } else {
                        float[] v = b.floats(e, DType.F32);
                        assertEquals(t.get("values").size(), v.length, key);
                        for (int i = 0; i < v.length; i++) {
                            assertEquals((float) t.get("values").get(i).asDouble(), v[i], key);
                        }
                    }
                    checked++;
                }
                // none of them is a Sparse Mixer encoder: nothing is taken as an encoder weight
                assertTrue(c.weights().isEmpty(), ck.get("name").asText());
            }
        }
        assertEquals(4 + 5 + 7, checked);
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }
}
