package org.sparsemixer.pipeline;

import org.sparsemixer.engine.EncoderInput;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.FlopCount;
import org.sparsemixer.engine.ModelLayout;
import org.sparsemixer.engine.ModelPresets;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.loader.DefaultModel;
import org.sparsemixer.loader.RandomWeights;

/** inspect, convert and init through the command line. */
class ModelToolsCliTest {
    @TempDir
    Path tmp;

    @Test
    void inspectOnBasePrintsParametersAndFlops() throws IOException {
        Path base = tmp.resolve("base");
        Cli.Result init = Cli.run("init", "--config", "base", "--output", base.toString());
        Cli.assertOk(init);
        assertTrue(init.out().contains("wrote"), init.out());

        SparseMixerConfig c = ModelPresets.base();
        long params = ModelLayout.expectedTensors(c).values().stream().mapToLong(ModelLayout::elementCount).sum();
        // Base is post-norm: its 4 MoE layers have no output layer norm (2 x 512 parameters each; SPEC section 2)
        assertEquals(181_803_584L - 4 * 2 * 512, params);
        double flops = FlopCount.forward(c, 1);

        Cli.Result text = Cli.run("inspect", "--model", base.toString());
        Cli.assertOk(text);
        assertTrue(text.out().contains("parameters:  181,799,488"), text.out());
        assertTrue(text.out().contains(String.format(Locale.ROOT, "FLOPs/seq:   %.3g", flops)), text.out());
        for (String component : new String[] {"embeddings", "mixing", "attention", "dense FFN", "experts", "router", "pooler",
                "layer norms"}) {
            assertTrue(text.out().contains("  " + component + " "), component + " in " + text.out());
        }
        assertTrue(java.util.regex.Pattern.compile("transformer/layer_5/moe/experts/intermediate/kernel +F32 +\\[16, 512, 2048\\]"
                + " +67,108,864").matcher(text.out()).find(), text.out());
        assertTrue(text.out().contains("non-finite:  none"), text.out());

        Cli.Result json = Cli.run("inspect", "--model", base.toString(), "--json");
        Cli.assertOk(json);
        JsonNode root = new ObjectMapper().readTree(json.out());
        assertEquals(params, root.get("parameters").get("total").asLong());
        assertEquals(flops, root.get("flops_per_sequence").asDouble());
        assertEquals(4 * params, root.get("weight_memory_bytes").get("engine_f32").asLong());
        assertEquals(ModelLayout.expectedTensors(c).size(), root.get("tensors").size());
        assertEquals(32000, root.get("config").get("vocab_size").asInt());
        long sum = 0;
        for (JsonNode n : root.get("parameters").get("by_component")) {
            sum += n.asLong();
        }
        assertEquals(params, sum);
        // 'init --config base' is the embedded default model: same config, default seed
        assertEquals(DefaultModel.config(), c);
    }

    private static SparseMixerConfig small() {
        return TestModels.small();
    }

    private Path smallConfigFile() throws IOException {
        Path file = tmp.resolve("small-config.json");
        Files.writeString(file, new ObjectMapper().writeValueAsString(TestModels.configMap(small())));
        return file;
    }

    @Test
    void initWithAConfigFileEqualsTheInMemoryRandomWeights() throws IOException {
        Path model = tmp.resolve("init");
        Cli.assertOk(Cli.run("init", "--config", smallConfigFile().toString(), "--output", model.toString()));
        Path out = tmp.resolve("out.safetensors");
        Cli.assertOk(Cli.run("run", "--model", model.toString(), "--output", out.toString()));
        Map<String, Safetensors.Tensor> got = Safetensors.read(out);
        EncoderOutput want;
        try (RandomWeights w = new RandomWeights(small(), DefaultModel.SEED);
             SparseMixerEncoder e = SparseMixerEncoder.create(small(), w, EncoderOptions.threads(1))) {
            want = e.encode(EncoderInput.sample(small(), 1, 1));
        }
        Tolerance.assertBitIdentical("sequence_output", want.sequenceOutput(), got.get(EncoderOutput.SEQUENCE_OUTPUT).floats());
        Tolerance.assertBitIdentical("pooled_output", want.pooledOutput(), got.get(EncoderOutput.POOLED_OUTPUT).floats());
        Tolerance.assertBitIdentical("encoder_outputs", want.encoderOutputs(), got.get(EncoderOutput.ENCODER_OUTPUTS).floats());

        // another seed, other weights; the same seed again, the same bytes
        Path seeded = tmp.resolve("seed7");
        Cli.assertOk(Cli.run("init", "--config", smallConfigFile().toString(), "--output", seeded.toString(), "--seed", "7"));
        assertNotEquals(Files.size(seeded.resolve("model.safetensors")), 0);
        assertTrue(!java.util.Arrays.equals(Files.readAllBytes(seeded.resolve("model.safetensors")),
                Files.readAllBytes(model.resolve("model.safetensors"))));
        Path again = tmp.resolve("again");
        Cli.assertOk(Cli.run("init", "--config", smallConfigFile().toString(), "--output", again.toString()));
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(again.resolve("model.safetensors")),
                Files.readAllBytes(model.resolve("model.safetensors"))));

        // an existing model is not overwritten without --force
        Cli.assertBadInput(Cli.run("init", "--config", "fast", "--output", model.toString()), "--force");
        Cli.assertOk(Cli.run("init", "--config", smallConfigFile().toString(), "--output", model.toString(), "--force",
                "--seed", "7"));
    }

    /** A .npz written here from the .npy format spec (NumPy is not available): float32 entries, stored. */
    private static void writeNpz(Path file, Map<String, Safetensors.Tensor> tensors, String prefix) throws IOException {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Map.Entry<String, Safetensors.Tensor> e : tensors.entrySet()) {
                StringBuilder shape = new StringBuilder("(");
                int[] s = e.getValue().shape();
                for (int i = 0; i < s.length; i++) {
                    shape.append(i == 0 ? "" : ", ").append(s[i]);
                }
                shape.append(s.length == 1 ? ",)" : ")");
                String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
                int total = (10 + dict.length() + 1 + 63) / 64 * 64;
                byte[] text = (dict + " ".repeat(total - 10 - dict.length() - 1) + "\n").getBytes(StandardCharsets.ISO_8859_1);
                ByteBuffer header = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
                header.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) text.length);
                zip.putNextEntry(new ZipEntry(prefix + e.getKey() + ":0.npy"));
                zip.write(header.array());
                zip.write(text);
                zip.write(e.getValue().data());
                zip.closeEntry();
            }
        }
    }

    @Test
    void convertNpzRoundTrip() throws IOException {
        Path model = TestModels.writeModel(tmp.resolve("model"), small(), 5);
        Path npz = tmp.resolve("model.npz");
        writeNpz(npz, Safetensors.read(model.resolve("model.safetensors")), "sparse_mixer/");
        Path converted = tmp.resolve("converted");
        Cli.Result r = Cli.run("convert", "--npz", npz.toString(), "--config", model.resolve("config.json").toString(),
                "--output", converted.toString());
        Cli.assertOk(r);
        Map<String, Safetensors.Tensor> a = Safetensors.read(model.resolve("model.safetensors"));
        Map<String, Safetensors.Tensor> b = Safetensors.read(converted.resolve("model.safetensors"));
        assertEquals(a.keySet(), b.keySet());
        for (String name : a.keySet()) {
            assertTrue(java.util.Arrays.equals(a.get(name).data(), b.get(name).data()), name);
        }
        Path o1 = tmp.resolve("o1.safetensors");
        Path o2 = tmp.resolve("o2.safetensors");
        Cli.assertOk(Cli.run("run", "--model", model.toString(), "--output", o1.toString()));
        Cli.assertOk(Cli.run("run", "--model", converted.toString(), "--output", o2.toString()));
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(o1), Files.readAllBytes(o2)));

        // bf16 straight from the npz, then inspect it
        Path bf16 = tmp.resolve("bf16");
        Cli.assertOk(Cli.run("convert", "--npz", npz.toString(), "--config", model.resolve("config.json").toString(),
                "--output", bf16.toString(), "--dtype", "BF16"));
        Cli.Result inspect = Cli.run("inspect", "--model", bf16.toString());
        Cli.assertOk(inspect);
        assertTrue(inspect.out().contains("pooler_transform/kernel") && inspect.out().contains("BF16"), inspect.out());
    }

    @Test
    void usageErrorsAreOneLineExitTwo() throws IOException {
        Path model = TestModels.writeModel(tmp.resolve("model"), small(), 5);
        String out = tmp.resolve("o").toString();
        Cli.assertBadInput(Cli.run("convert", "--output", out), "--model", "--npz");
        Cli.assertBadInput(Cli.run("convert", "--model", model.toString(), "--npz", "x.npz", "--output", out), "--model");
        Cli.assertBadInput(Cli.run("convert", "--npz", "x.npz", "--output", out), "--config");
        Cli.assertBadInput(Cli.run("convert", "--model", model.toString(), "--config", "c.json", "--output", out), "--config");
        Cli.assertBadInput(Cli.run("convert", "--model", model.toString(), "--output", out, "--dtype", "f64"), "f64");
        Cli.assertBadInput(Cli.run("convert", "--model", model.toString()), "--output");
        Cli.assertBadInput(Cli.run("convert", "--model", model.toString(), "--output", model.toString(), "--force"), "input");
        Cli.assertBadInput(Cli.run("convert", "--npz", tmp.resolve("none.npz").toString(), "--config",
                model.resolve("config.json").toString(), "--output", out), "none.npz");
        Files.writeString(tmp.resolve("bad.npz"), "not a zip");
        Cli.assertBadInput(Cli.run("convert", "--npz", tmp.resolve("bad.npz").toString(), "--config",
                model.resolve("config.json").toString(), "--output", out), "bad.npz");
        Cli.assertBadInput(Cli.run("init", "--config", "huge", "--output", out), "huge", "preset");
        Cli.assertBadInput(Cli.run("init", "--config", "base"), "--output");
        Cli.assertBadInput(Cli.run("init", "--config", "base", "--output", out, "--seed", "x"), "--seed");
        Cli.assertBadInput(Cli.run("inspect"), "--model");
        Cli.assertBadInput(Cli.run("inspect", "--model", tmp.resolve("none").toString()), "none");
        Cli.assertBadInput(Cli.run("run", "--model", model.toString(), "--weights-dtype", "int8"), "int8");
        Cli.Result help = Cli.run("--help");
        for (String command : new String[] {"run", "inspect", "convert", "init"}) {
            assertTrue(help.out().contains("  " + command), command + " in " + help.out());
        }
    }
}
