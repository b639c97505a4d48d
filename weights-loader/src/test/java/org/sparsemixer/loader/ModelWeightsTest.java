package org.sparsemixer.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.InvalidModelException;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.loader.safetensors.SafeTensorsFile;
import org.sparsemixer.loader.safetensors.SafeTensorsFormatException;
import org.sparsemixer.loader.safetensors.SafeTensorsFormatException.Rule;
import org.sparsemixer.loader.safetensors.SafeTensorsWriter;
import org.sparsemixer.loader.safetensors.TensorInfo;

/** Name normalisation, sharded models and their index, and that nothing stays open or mapped after a load. */
class ModelWeightsTest {
    @TempDir
    Path tmp;

    private static Path fixture() throws Exception {
        return ModelLoaderTest.fixtureModel();
    }

    /** The fixture's tensors (raw bytes), renamed. */
    private static Map<String, TensorInfo> fixtureTensors(Map<String, byte[]> bytes) throws Exception {
        try (SafeTensorsFile f = SafeTensorsFile.open(fixture().resolve(ModelLoader.WEIGHTS_FILE))) {
            for (String name : f.tensors().keySet()) {
                bytes.put(name, f.bytes(name));
            }
            return new LinkedHashMap<>(f.tensors());
        }
    }

    /** Writes the fixture model with renamed tensors, split over {@code shards} files (1: a single file). */
    private Path writeModel(String dirName, UnaryOperator<String> rename, int shards, Map<String, String> weightMap)
            throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(dirName));
        Files.copy(fixture().resolve(ModelLoader.CONFIG_FILE), dir.resolve(ModelLoader.CONFIG_FILE));
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        Map<String, TensorInfo> infos = fixtureTensors(bytes);
        List<SafeTensorsWriter> writers = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            writers.add(new SafeTensorsWriter());
        }
        int k = 0;
        for (TensorInfo t : infos.values()) {
            String name = rename.apply(t.name());
            int shard = k++ % shards;
            writers.get(shard).addRaw(name, t.dtype(), t.shape(), bytes.get(t.name()));
            weightMap.put(name, shardName(shard, shards));
        }
        if (shards == 1) {
            writers.getFirst().write(dir.resolve(ModelLoader.WEIGHTS_FILE));
        } else {
            for (int i = 0; i < shards; i++) {
                writers.get(i).write(dir.resolve(shardName(i, shards)));
            }
            writeIndex(dir, weightMap);
        }
        return dir;
    }

    private static String shardName(int i, int n) {
        return String.format("model-%05d-of-%05d.safetensors", i + 1, n);
    }

    private static void writeIndex(Path dir, Map<String, String> weightMap) throws IOException {
        StringBuilder sb = new StringBuilder("{\"metadata\": {\"total_size\": 123}, \"weight_map\": {");
        String sep = "";
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            sb.append(sep).append('"').append(e.getKey()).append("\": \"").append(e.getValue()).append('"');
            sep = ", ";
        }
        Files.writeString(dir.resolve(ModelLoader.INDEX_FILE), sb.append("}}").toString());
    }

    private static EncoderOutput encode(Path modelDir) throws IOException {
        try (SparseMixerEncoder e = ModelLoader.load(modelDir, EncoderOptions.threads(1))) {
            return e.encode(EncoderInput.sample(e.config(), 2, 3));
        }
    }

    private static void assertSameOutputs(EncoderOutput want, EncoderOutput got) {
        assertArrayEquals(want.sequenceOutput(), got.sequenceOutput());
        assertArrayEquals(want.pooledOutput(), got.pooledOutput());
        assertArrayEquals(want.encoderOutputs(), got.encoderOutputs());
    }

    // ---- names

    @Test
    void outputIndexSuffixAndCommonPrefixAreDropped() throws Exception {
        EncoderOutput want = encode(fixture());
        assertSameOutputs(want, encode(writeModel("suffix", n -> n + ":0", 1, new LinkedHashMap<>())));
        assertSameOutputs(want, encode(writeModel("prefix", n -> "sparse_mixer/" + n + ":0", 1, new LinkedHashMap<>())));
        assertSameOutputs(want, encode(writeModel("deep", n -> "model/sparse_mixer/" + n, 1, new LinkedHashMap<>())));
    }

    @Test
    void prefixChoiceMaximisesMatches() {
        Set<String> expected = Set.of("word_embeddings/embeddings", "transformer/layer_0/x", "pooler_transform/kernel");
        assertEquals("", TensorNames.commonPrefix(List.of("word_embeddings/embeddings", "pooler_transform/kernel"), expected));
        assertEquals("enc/", TensorNames.commonPrefix(List.of("enc/word_embeddings/embeddings", "enc/pooler_transform/kernel"),
                expected));
        // "transformer/" is common to these names but dropping it matches nothing: kept
        assertEquals("", TensorNames.commonPrefix(List.of("transformer/layer_0/x", "transformer/layer_1/y"), expected));
        assertEquals("", TensorNames.commonPrefix(List.of(), expected));
        Map<String, String> m = TensorNames.normalise(List.of("a/word_embeddings/embeddings:0", "a/pooler_transform/kernel"),
                expected, "f");
        assertEquals(Map.of("a/word_embeddings/embeddings:0", "word_embeddings/embeddings",
                "a/pooler_transform/kernel", "pooler_transform/kernel"), m);
    }

    @Test
    void namesThatCollideAfterNormalisationAreAnError() throws Exception {
        Path dir = writeModel("collide", n -> n, 1, new LinkedHashMap<>());
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        fixtureTensors(bytes);
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensorsFile f = SafeTensorsFile.open(dir.resolve(ModelLoader.WEIGHTS_FILE))) {
            for (TensorInfo t : f.tensors().values()) {
                w.addRaw(t.name(), t.dtype(), t.shape(), f.bytes(t.name()));
            }
            TensorInfo bias = f.info("pooler_transform/bias");
            w.addRaw("pooler_transform/bias:0", bias.dtype(), bias.shape(), f.bytes(bias.name()));
        }
        w.write(dir.resolve(ModelLoader.WEIGHTS_FILE));
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> encode(dir));
        assertTrue(e.getMessage().contains("'pooler_transform/bias'") && e.getMessage().contains("'pooler_transform/bias:0'"),
                e.getMessage());
    }

    @Test
    void errorsNameTheStoredNames() throws Exception {
        Path dir = writeModel("stored", n -> n.equals("pooler_transform/bias") ? "enc/pooler/bias:0" : "enc/" + n + ":0", 1,
                new LinkedHashMap<>());
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> encode(dir));
        assertTrue(e.getMessage().contains("missing tensor: 'pooler_transform/bias'"), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected tensor: 'enc/pooler/bias:0'"), e.getMessage());
    }

    @Test
    void aHostileLayerCountIsRefusedBeforeBuildingTheLayout() throws Exception {
        Path dir = writeModel("layers", n -> n, 1, new LinkedHashMap<>());
        String config = Files.readString(dir.resolve(ModelLoader.CONFIG_FILE)).replaceFirst("\"num_layers\": *6",
                "\"num_layers\": 2000000000");
        Files.writeString(dir.resolve(ModelLoader.CONFIG_FILE), config);
        long start = System.nanoTime();
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> encode(dir));
        assertTrue(e.getMessage().contains("num_layers 2000000000"), e.getMessage());
        assertTrue(System.nanoTime() - start < 2_000_000_000L, "quick");
    }

    // ---- sharded models

    @Test
    void shardedModelLoadsLikeTheSingleFile() throws Exception {
        EncoderOutput want = encode(fixture());
        Path dir = writeModel("sharded", n -> "sparse_mixer/" + n + ":0", 3, new LinkedHashMap<>());
        assertFalse(Files.exists(dir.resolve(ModelLoader.WEIGHTS_FILE)));
        assertSameOutputs(want, encode(dir));
        try (ModelWeights w = ModelWeights.open(dir)) {
            assertTrue(w.sharded());
            assertEquals(3, w.files().size());
            assertEquals(dir.resolve(ModelLoader.INDEX_FILE), w.source());
        }
    }

    @Test
    void shardsInASubdirectoryAreAllowed() throws Exception {
        Map<String, String> map = new LinkedHashMap<>();
        Path dir = writeModel("subdir", n -> n, 2, map);
        Files.createDirectories(dir.resolve("shards"));
        for (String shard : Set.copyOf(map.values())) {
            Files.move(dir.resolve(shard), dir.resolve("shards").resolve(shard));
        }
        map.replaceAll((k, v) -> "./shards/" + v);
        writeIndex(dir, map);
        assertSameOutputs(encode(fixture()), encode(dir));
    }

    private SafeTensorsFormatException assertIndexRejected(Path dir, Rule rule, String... mustContain) {
        SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> encode(dir));
        assertEquals(rule, e.rule(), e.getMessage());
        assertTrue(e.getMessage().contains(dir.resolve(ModelLoader.INDEX_FILE).toString()), e.getMessage());
        for (String s : mustContain) {
            assertTrue(e.getMessage().contains(s), "'" + s + "' in " + e.getMessage());
        }
        return e;
    }

    @Test
    void indexPathsMustStayInsideTheModelDirectory() throws Exception {
        Map<String, String> map = new LinkedHashMap<>();
        Path dir = writeModel("traversal", n -> n, 2, map);
        Files.copy(dir.resolve(shardName(0, 2)), tmp.resolve("outside.safetensors"));
        String victim = map.keySet().iterator().next();
        for (String bad : new String[] {"../outside.safetensors", "/etc/passwd", tmp.resolve("outside.safetensors").toString(),
                "shards/../../outside.safetensors", "a//b.safetensors", "", ".", "..", "c:x.safetensors",
                "..\\\\outside.safetensors"}) {
            Map<String, String> m = new LinkedHashMap<>(map);
            m.put(victim, bad);
            writeIndex(dir, m);
            SafeTensorsFormatException e = assertIndexRejected(dir, Rule.INDEX_PATH_OUTSIDE, "'" + victim + "'");
            assertEquals(victim, e.tensor());
        }
    }

    @Test
    void indexCrossChecks() throws Exception {
        Map<String, String> map = new LinkedHashMap<>();
        Path dir = writeModel("cross", n -> n, 2, map);
        List<String> names = new ArrayList<>(map.keySet());
        String first = names.get(0);   // in shard 1
        String second = names.get(1);  // in shard 2

        Map<String, String> m = new LinkedHashMap<>(map);
        m.put(first, shardName(1, 2));
        writeIndex(dir, m);
        assertIndexRejected(dir, Rule.INDEX_TENSOR_MISPLACED, "'" + first + "'", "weight_map puts it in");

        m = new LinkedHashMap<>(map);
        m.remove(second);
        writeIndex(dir, m);
        assertIndexRejected(dir, Rule.INDEX_TENSOR_MISPLACED, "'" + second + "'", "not listed");

        m = new LinkedHashMap<>(map);
        m.put("ghost/kernel", shardName(0, 2));
        writeIndex(dir, m);
        assertIndexRejected(dir, Rule.INDEX_TENSOR_MISPLACED, "'ghost/kernel'", "does not hold it");

        m = new LinkedHashMap<>(map);
        m.put(first, "model-missing.safetensors");
        writeIndex(dir, m);
        assertIndexRejected(dir, Rule.INDEX_MISSING_SHARD, "model-missing.safetensors", "does not exist");

        // the same tensor in two shards
        writeIndex(dir, map);
        Path shard2 = dir.resolve(shardName(1, 2));
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensorsFile f = SafeTensorsFile.open(shard2); SafeTensorsFile f1 = SafeTensorsFile.open(dir.resolve(shardName(0, 2)))) {
            for (TensorInfo t : f.tensors().values()) {
                w.addRaw(t.name(), t.dtype(), t.shape(), f.bytes(t.name()));
            }
            TensorInfo t = f1.info(first);
            w.addRaw(first, t.dtype(), t.shape(), f1.bytes(first));
        }
        w.write(shard2);
        assertIndexRejected(dir, Rule.INDEX_TENSOR_MISPLACED, "'" + first + "'", "both");
    }

    @Test
    void malformedIndexes() throws Exception {
        Map<String, String> map = new LinkedHashMap<>();
        Path dir = writeModel("malformed", n -> n, 2, map);
        Path index = dir.resolve(ModelLoader.INDEX_FILE);
        String first = map.keySet().iterator().next();
        for (String text : new String[] {"", "[]", "{", "{\"metadata\": {}}", "{\"weight_map\": []}",
                "{\"weight_map\": {\"" + first + "\": 3}}", "{\"weight_map\": {}, \"weight_map\": {}}"}) {
            Files.writeString(index, text);
            assertIndexRejected(dir, Rule.INDEX_MALFORMED);
        }
        Files.writeString(index, "{\"weight_map\": {\"" + first + "\": \"a.safetensors\", \"" + first + "\": \"b.safetensors\"}}");
        SafeTensorsFormatException e = assertIndexRejected(dir, Rule.INDEX_MALFORMED, "twice");
        assertEquals(first, e.tensor());
        Files.write(index, new byte[] {'{', (byte) 0xFF, '}'});
        assertIndexRejected(dir, Rule.INDEX_MALFORMED, "UTF-8");

        StringBuilder many = new StringBuilder("{\"weight_map\": {");
        for (int i = 0; i <= 1024; i++) {
            many.append(i == 0 ? "" : ",").append("\"t").append(i).append("\": \"s").append(i).append(".safetensors\"");
        }
        Files.writeString(index, many.append("}}"));
        assertIndexRejected(dir, Rule.INDEX_TOO_MANY_SHARDS, "1024");

        Files.delete(index);
        try (RandomAccessFile f = new RandomAccessFile(index.toFile(), "rw")) {
            f.setLength(100_000_001L); // sparse: no disk used
        }
        assertIndexRejected(dir, Rule.INDEX_TOO_LARGE);
    }

    @Test
    void theSingleFileWinsOverAnIndex() throws Exception {
        Path dir = writeModel("both", n -> n, 1, new LinkedHashMap<>());
        Files.writeString(dir.resolve(ModelLoader.INDEX_FILE), "not even JSON");
        assertSameOutputs(encode(fixture()), encode(dir));
    }

    // ---- nothing stays open or mapped

    @Test
    void noWeightsFileStaysOpenOrMappedAfterLoad() throws Exception {
        Path proc = Path.of("/proc/self");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(proc.resolve("fd")), "needs Linux /proc");
        Path single = writeModel("single", n -> n, 1, new LinkedHashMap<>());
        Path sharded = writeModel("shards", n -> n, 3, new LinkedHashMap<>());
        for (Path dir : List.of(single, sharded)) {
            try (SparseMixerEncoder e = ModelLoader.load(dir, EncoderOptions.threads(2))) {
                String root = dir.toRealPath().toString();
                assertFalse(Files.readString(proc.resolve("maps")).contains(root), "a weights file is still mapped");
                try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
                    for (Path fd : fds.toList()) {
                        try {
                            String target = Files.readSymbolicLink(fd).toString();
                            assertFalse(target.startsWith(root), "still open: " + target);
                        } catch (IOException gone) {
                            // the fd of the listing itself
                        }
                    }
                }
                EncoderInput in = EncoderInput.sample(e.config(), 1, 1);
                assertEquals(e.config().hiddenSize(), e.encode(in).hiddenSize());
            }
        }
    }

    @Test
    void closedEncoderThrowsIllegalState() throws Exception {
        SparseMixerEncoder e = ModelLoader.load(fixture(), EncoderOptions.threads(1));
        SparseMixerConfig c = e.config();
        e.close();
        assertThrows(IllegalStateException.class, () -> e.encode(EncoderInput.sample(c, 1, 1)));
    }
}
