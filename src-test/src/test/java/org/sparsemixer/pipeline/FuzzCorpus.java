package org.sparsemixer.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.loader.BatchFiles;
import org.sparsemixer.loader.ConfigJson;
import org.sparsemixer.loader.ModelLoader;
import org.sparsemixer.loader.WeightDType;

/**
 * The valid seed files the fuzzers mutate, and the models the mutated files are tried against, in a
 * temporary directory. {@link #close} deletes it and closes the encoders.
 */
final class FuzzCorpus implements AutoCloseable {
    /** Encodes per config seed before the timed cases (see {@link Fuzz#warmUpEngine}). */
    private static final int WARM_UP_CALLS = 20;
    final Path dir;
    /** TestModels.small(): attention + dense FFN, linear mixing + MoE; its config.json and weights. */
    final Path model;
    final SparseMixerEncoder encoder;
    /** The same with dense inputs (with_dense_inputs, examples_per_group 2.0). */
    final SparseMixerEncoder denseEncoder;
    final EncoderInput input;
    final List<byte[]> weightSeeds = new ArrayList<>();
    final List<String> configSeeds = new ArrayList<>();
    /** A sharded copy of {@link #model}: two shards and model.safetensors.index.json (whose text is indexSeed). */
    final Path sharded;
    final String indexSeed;
    /** Inputs files; the dense ones are at odd indexes. */
    final List<byte[]> inputSeeds = new ArrayList<>();
    /**
     * Keras .h5 weights files written by h5py (the shared p01 fixture and two variants: fixed-length split
     * lists, a masked-LM head sharing the embedding table), the offsets of their metadata bytes (everything
     * but dataset data, where mutations find parser bugs), and the config.json they convert with.
     */
    final List<byte[]> h5Seeds = new ArrayList<>();
    final List<int[]> h5Metadata = new ArrayList<>();
    final Path h5Config;

    FuzzCorpus() {
        try {
            dir = Files.createTempDirectory("sparse-mixer-fuzz");
            SparseMixerConfig small = TestModels.small();
            model = TestModels.writeModel(dir.resolve("model"), small, 11);
            encoder = ModelLoader.load(model, EncoderOptions.threads(1));
            SparseMixerConfig dense = TestModels.small(2.0, true);
            denseEncoder = SparseMixerEncoder.create(dense, TestModels.weights(12), EncoderOptions.threads(1));
            input = EncoderInput.sample(small, 2, 3);

            // weights: the tests' own writer, the loader's writer (metadata, padding), BF16, and odd dtypes
            weightSeeds.add(Files.readAllBytes(model.resolve(ModelLoader.WEIGHTS_FILE)));
            Path saved = dir.resolve("saved");
            ModelLoader.save(saved, small, TestModels.weights(13));
            weightSeeds.add(Files.readAllBytes(saved.resolve(ModelLoader.WEIGHTS_FILE)));
            Path bf16 = dir.resolve("bf16.safetensors");
            ModelLoader.writeWeights(bf16, small, TestModels.weights(14), WeightDType.BF16, null);
            weightSeeds.add(Files.readAllBytes(bf16));
            Map<String, Safetensors.Tensor> odd = new LinkedHashMap<>();
            odd.put("f16", new Safetensors.Tensor("F16", new int[] {2, 3}, new byte[12]));
            odd.put("f64", new Safetensors.Tensor("F64", new int[] {2}, le(Double.doubleToLongBits(1.5), Double.doubleToLongBits(-2))));
            odd.put("i64", new Safetensors.Tensor("I64", new int[] {2}, le(1L << 40, -3)));
            odd.put("u8", new Safetensors.Tensor("U8", new int[] {3}, new byte[] {1, 2, 3}));
            odd.put("bool", new Safetensors.Tensor("BOOL", new int[] {1}, new byte[] {1}));
            odd.put("empty", new Safetensors.Tensor("F32", new int[] {0, 5}, new byte[0]));
            odd.put("scalar", new Safetensors.Tensor("F32", new int[] {}, new byte[4]));
            Path oddFile = dir.resolve("odd.safetensors");
            Safetensors.write(oddFile, odd);
            weightSeeds.add(Files.readAllBytes(oddFile));

            // configs: the test models, spectral and pre-norm variants, Base, and every golden fixture's
            configSeeds.add(Files.readString(model.resolve(ModelLoader.CONFIG_FILE)));
            configSeeds.add(ConfigJson.toJson(dense));
            configSeeds.add(ConfigJson.toJson(new SparseMixerConfig(20, 8, 2, List.of(1), List.of(), 2, 1.0, 1.0, 1.0,
                    MixingMechanism.FOURIER, true, 2, 6, 2, 8, SparseMixerConfig.GELU_APPROXIMATE, null, 4, true, false)));
            configSeeds.add(ConfigJson.toJson(new SparseMixerConfig(20, 8, 2, List.of(), List.of(0), 2, 1.0, 0.5, 1.0,
                    MixingMechanism.HARTLEY, false, 2, 10, 2, 8, SparseMixerConfig.GELU_APPROXIMATE, null, 8, false, false)));
            configSeeds.add(ConfigJson.toJson(SparseMixerConfig.base(32000)));
            for (String name : Fixtures.CASES) {
                configSeeds.add(Files.readString(Fixtures.model(name).resolve(ModelLoader.CONFIG_FILE)));
            }

            // the same model sharded: even-numbered tensors in shard 1, the others in shard 2
            sharded = dir.resolve("sharded");
            Files.createDirectories(sharded);
            Files.copy(model.resolve(ModelLoader.CONFIG_FILE), sharded.resolve(ModelLoader.CONFIG_FILE));
            Map<String, Safetensors.Tensor> all = Safetensors.read(model.resolve(ModelLoader.WEIGHTS_FILE));
            List<Map<String, Safetensors.Tensor>> shards = List.of(new LinkedHashMap<>(), new LinkedHashMap<>());
            StringBuilder index = new StringBuilder("{\"metadata\": {\"total_size\": 0}, \"weight_map\": {");
            int k = 0;
            for (Map.Entry<String, Safetensors.Tensor> e : all.entrySet()) {
                shards.get(k % 2).put(e.getKey(), e.getValue());
                index.append(k == 0 ? "" : ", ").append('"').append(e.getKey()).append("\": \"shard-").append(k % 2 + 1)
                        .append(".safetensors\"");
                k++;
            }
            indexSeed = index.append("}}").toString();
            Safetensors.write(sharded.resolve("shard-1.safetensors"), shards.get(0));
            Safetensors.write(sharded.resolve("shard-2.safetensors"), shards.get(1));
            Files.writeString(sharded.resolve(ModelLoader.INDEX_FILE), indexSeed);
            ModelLoader.load(sharded, EncoderOptions.threads(1)).close();   // the seed is valid

            // inputs: I32 and I64 word inputs, and dense inputs
            Path words = dir.resolve("words.safetensors");
            BatchFiles.writeInputs(words, input);
            inputSeeds.add(Files.readAllBytes(words));
            Path denseFile = dir.resolve("dense.safetensors");
            BatchFiles.writeInputs(denseFile, EncoderInput.sample(dense, 2, 4));
            inputSeeds.add(Files.readAllBytes(denseFile));
            Map<String, Safetensors.Tensor> i64 = new LinkedHashMap<>();
            int s = small.maxSequenceLength();
            i64.put(EncoderInput.INPUT_WORD_IDS, Safetensors.Tensor.i64(new int[] {2, s}, input.wordIds()));
            i64.put(EncoderInput.INPUT_MASK, Safetensors.Tensor.i64(new int[] {2, s}, input.mask()));
            i64.put(EncoderInput.INPUT_TYPE_IDS, Safetensors.Tensor.i64(new int[] {2, s}, input.typeIds()));
            Path i64File = dir.resolve("i64.safetensors");
            Safetensors.write(i64File, i64);
            inputSeeds.add(Files.readAllBytes(i64File));
            inputSeeds.add(Files.readAllBytes(denseFile));

            for (String h5 : List.of("p01_keras_h5/w.h5", "keras-h5/p01_h5py2_split.h5", "keras-h5/p01_pretrainer.h5")) {
                Path seed = KerasH5ConvertTest.tfFixture(h5);
                h5Seeds.add(Files.readAllBytes(seed));
                h5Metadata.add(metadataOffsets(seed));
            }
            h5Config = KerasH5ConvertTest.p01().resolve("expected/config.json");
            Fuzz.warmUpEngine(configSeeds, WARM_UP_CALLS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Offsets of the bytes of an HDF5 file that are not the data of a contiguous dataset. */
    private static int[] metadataOffsets(Path h5) throws IOException {
        int size = Math.toIntExact(Files.size(h5));
        java.util.BitSet data = new java.util.BitSet(size);
        try (io.jhdf.HdfFile f = new io.jhdf.HdfFile(h5)) {
            java.util.ArrayDeque<io.jhdf.api.Group> groups = new java.util.ArrayDeque<>(List.of(f));
            while (!groups.isEmpty()) {
                for (io.jhdf.api.Node n : groups.pop().getChildren().values()) {
                    if (n instanceof io.jhdf.api.Group g) {
                        groups.push(g);
                    } else if (n instanceof io.jhdf.api.dataset.ContiguousDataset d && d.getStorageInBytes() > 0) {
                        int from = Math.toIntExact(d.getDataAddress());
                        data.set(from, Math.toIntExact(from + d.getStorageInBytes()));
                    }
                }
            }
        }
        return java.util.stream.IntStream.range(0, size).filter(i -> !data.get(i)).toArray();
    }

    /** The encoder a seed inputs file (by index) is meant for. */
    SparseMixerEncoder encoderForInputs(int seedIndex) {
        return seedIndex % 2 == 0 ? encoder : denseEncoder;
    }

    /** A model directory with the good config.json and {@code weights} as model.safetensors. */
    Path modelWithWeights(byte[] weights) throws IOException {
        Path d = dir.resolve("mutated-weights");
        Files.createDirectories(d);
        Files.copy(model.resolve(ModelLoader.CONFIG_FILE), d.resolve(ModelLoader.CONFIG_FILE),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.write(d.resolve(ModelLoader.WEIGHTS_FILE), weights);
        return d;
    }

    /** A model directory with the good weights and {@code config} as config.json. */
    Path modelWithConfig(String config) throws IOException {
        Path d = dir.resolve("mutated-config");
        Files.createDirectories(d);
        Files.copy(model.resolve(ModelLoader.WEIGHTS_FILE), d.resolve(ModelLoader.WEIGHTS_FILE),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(d.resolve(ModelLoader.CONFIG_FILE), config);
        return d;
    }

    /** The sharded model with {@code index} as its model.safetensors.index.json. */
    Path shardedWithIndex(String index) throws IOException {
        Files.writeString(sharded.resolve(ModelLoader.INDEX_FILE), index);
        return sharded;
    }

    /** A scratch file holding {@code content}. */
    Path file(String name, byte[] content) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, content);
        return f;
    }

    private static byte[] le(long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }

    @Override
    public void close() throws IOException {
        encoder.close();
        denseEncoder.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
