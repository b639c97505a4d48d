package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code convert --keras-h5} on Keras weights files written by h5py along tf-keras' save_weights code path:
 * the shared fixture tf-fixtures/p01_keras_h5 (h5py 3, variable-length strings) and the variants of
 * docs/tools/make_keras_h5_fixtures.py (tf-fixtures/keras-h5/). Each must convert to the fixture's
 * expected/model.safetensors, tensor for tensor and bit for bit, with the same tensor set (no output layer
 * norm in the post-norm MoE layers 2 and 3).
 */
class KerasH5ConvertTest {
    @TempDir
    Path tmp;

    static Path tfFixture(String relative) {
        try {
            return Path.of(KerasH5ConvertTest.class.getResource("/tf-fixtures/" + relative).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("tf-fixtures/" + relative + " is not on the test class path", e);
        }
    }

    static Path p01() {
        return tfFixture("p01_keras_h5");
    }

    private Cli.Result convert(Path h5, String... more) {
        String[] args = {"convert", "--keras-h5", h5.toString(), "--config", p01().resolve("expected/config.json").toString(),
            "--output", tmp.resolve("out").toString(), "--force"};
        String[] all = Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return Cli.run(all);
    }

    private void assertConvertsToExpected(Path h5) throws IOException {
        Cli.Result r = convert(h5);
        Cli.assertOk(r);
        assertTrue(r.out().contains("wrote"), r::toString);
        Path out = tmp.resolve("out");
        Map<String, Safetensors.Tensor> want = Safetensors.read(p01().resolve("expected/model.safetensors"));
        Map<String, Safetensors.Tensor> got = Safetensors.read(out.resolve("model.safetensors"));
        assertEquals(new TreeSet<>(want.keySet()), new TreeSet<>(got.keySet()), "tensor set");
        for (Map.Entry<String, Safetensors.Tensor> e : want.entrySet()) {
            Safetensors.Tensor g = got.get(e.getKey());
            assertEquals("F32", g.dtype(), e.getKey());
            assertArrayEquals(e.getValue().shape(), g.shape(), e.getKey());
            assertArrayEquals(e.getValue().data(), g.data(), e.getKey() + ": values differ");
        }
        assertArrayEquals(Files.readAllBytes(p01().resolve("expected/config.json")),
                Files.readAllBytes(out.resolve("config.json")), "config.json is copied unchanged");
    }

    @Test
    void sharedFixtureConvertsBitForBit() throws IOException {
        assertConvertsToExpected(p01().resolve("w.h5"));
        Map<String, Safetensors.Tensor> got = Safetensors.read(tmp.resolve("out/model.safetensors"));
        assertEquals(79, got.size());
        assertTrue(!got.containsKey("transformer/layer_2/output_layer_norm/gamma"), "no invented layer norm");
        assertArrayEquals(new int[] {4, 64}, got.get("transformer/layer_2/moe/experts/intermediate/bias").shape());
        assertArrayEquals(new int[] {4, 32}, got.get("transformer/layer_3/moe/experts/output/bias").shape());
    }

    /**
     * End to end: the converted model reproduces the golden outputs of p01_linear_postnorm_base. Needs a
     * loader that accepts a post-norm model without the output layer norms of its MoE layers (SPEC section 2,
     * "A model directory may therefore omit them there").
     */
    @Test
    void convertedModelReproducesTheGoldenOutputs() throws IOException {
        Cli.assertOk(convert(p01().resolve("w.h5")));
        String golden = "p01_linear_postnorm_base";
        Path out = tmp.resolve("outputs.safetensors");
        Cli.assertOk(Cli.run("run", "--model", tmp.resolve("out").toString(), "--inputs", Fixtures.cases(golden).toString(),
                "--output", out.toString(), "--threads", "2"));
        Fixtures.assertFileMatches(golden, Fixtures.expected(golden), Safetensors.read(out));
    }

    @ParameterizedTest
    @ValueSource(strings = {"p01_h5py2_split.h5", "p01_pretrainer.h5"})
    void h5pyVariantsConvertToTheSameModel(String file) throws IOException {
        assertConvertsToExpected(tfFixture("keras-h5/" + file));
    }

    @Test
    void masked_lmHeadIsSkippedAndNamed() {
        Cli.Result r = convert(tfFixture("keras-h5/p01_pretrainer.h5"));
        Cli.assertOk(r);
        String skipped = r.out().lines().filter(l -> l.startsWith("skipped")).findFirst().orElseThrow();
        assertTrue(skipped.startsWith("skipped 5 weights outside the encoder: "), skipped);
        for (String name : new String[] {"cls/predictions/transform/dense/kernel:0", "cls/predictions/output_bias:0",
                "cls/predictions/transform/LayerNorm/gamma:0"}) {
            assertTrue(skipped.contains(name), skipped);
        }
        assertTrue(!skipped.contains("word_embeddings"), "the shared table is the encoder's: " + skipped);
    }

    @Test
    void bf16OutputIsTheRoundedExpectedModel() throws IOException {
        Cli.assertOk(convert(p01().resolve("w.h5"), "--dtype", "bf16"));
        Map<String, Safetensors.Tensor> want = Safetensors.read(p01().resolve("expected/model.safetensors"));
        Map<String, Safetensors.Tensor> got = Safetensors.read(tmp.resolve("out/model.safetensors"));
        assertEquals(want.keySet(), got.keySet());
        Safetensors.Tensor w = want.get("transformer/layer_0/linear_transform/hidden_kernel");
        Safetensors.Tensor g = got.get("transformer/layer_0/linear_transform/hidden_kernel");
        assertEquals("BF16", g.dtype());
        float[] f = w.floats();
        for (int i = 0; i < f.length; i++) {
            int bits = Float.floatToRawIntBits(f[i]);
            int rounded = (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16;   // nearest, ties to even (finite values)
            int stored = (g.data()[2 * i] & 0xFF) | (g.data()[2 * i + 1] & 0xFF) << 8;
            assertEquals(rounded & 0xFFFF, stored, "element " + i);
        }
    }

    @Test
    void sharedVariableWithDifferentValuesIsRefusedNamingIt() {
        Cli.assertBadInput(convert(tfFixture("keras-h5/p01_shared_mismatch.h5")),
                "'sparse_mixer/word_embeddings/embeddings:0'", "'masked_lm'", "values");
        assertTrue(!Files.exists(tmp.resolve("out/model.safetensors")));
    }

    /** Converts w.h5 with the fixture's config edited ({@code regex} to {@code replacement}); returns the error line. */
    private String refusedWithConfig(String regex, String replacement, String... tokens) throws IOException {
        String config = Files.readString(p01().resolve("expected/config.json"));
        String edited = config.replaceFirst(regex, replacement);
        assertTrue(!edited.equals(config), () -> "the fixture's config has no match for " + regex);
        Path file = tmp.resolve("edited.json");
        Files.writeString(file, edited);
        return Cli.assertBadInput(Cli.run("convert", "--keras-h5", p01().resolve("w.h5").toString(), "--config",
                file.toString(), "--output", tmp.resolve("refused").toString()), tokens);
    }

    @Test
    void configThatDisagreesIsRefusedNamingTheWeights() throws IOException {
        // layer 5 a linear mixing layer: its attention weights are unexpected, its mixing kernels missing
        String line = refusedWithConfig("\"attention_layers\": *\\[\\s*4,\\s*5\\s*\\]", "\"attention_layers\": [4]",
                "unexpected", "missing");
        assertTrue(line.contains("'sparse_mixer/transformer/layer_5/self_attention/"), line);
        assertTrue(line.contains("'transformer/layer_5/linear_transform/hidden_kernel'"), line);
        // pre-norm: MoE layers then need their output layer norms, which the file does not have
        line = refusedWithConfig("\"norm_first\": *false", "\"norm_first\": true", "missing");
        assertTrue(line.contains("'transformer/layer_2/output_layer_norm/gamma'"), line);
        // another inner_dim: every feed-forward kernel has the wrong shape
        line = refusedWithConfig("\"inner_dim\": *64", "\"inner_dim\": 48", "shape");
        assertTrue(line.contains("'sparse_mixer/transformer/layer_0/intermediate/kernel:0' has shape [32, 64]"), line);
        assertTrue(!Files.exists(tmp.resolve("refused/model.safetensors")), "nothing written");
    }

    @Test
    void badFilesAndUsageAreOneLineExitTwo() throws IOException {
        String config = p01().resolve("expected/config.json").toString();
        String out = tmp.resolve("o").toString();
        Cli.assertBadInput(Cli.run("convert", "--keras-h5", p01().resolve("w.h5").toString(), "--output", out), "--config");
        Cli.assertBadInput(Cli.run("convert", "--keras-h5", "a.h5", "--npz", "b.npz", "--config", config, "--output", out),
                "--keras-h5", "--npz", "--model");
        Cli.assertBadInput(Cli.run("convert", "--keras-h5", tmp.resolve("none.h5").toString(), "--config", config,
                "--output", out), "none.h5");
        Path text = tmp.resolve("text.h5");
        Files.writeString(text, "{\"not\": \"hdf5\"}", StandardCharsets.UTF_8);
        Cli.assertBadInput(Cli.run("convert", "--keras-h5", text.toString(), "--config", config, "--output", out), "HDF5");
        byte[] good = Files.readAllBytes(p01().resolve("w.h5"));
        for (int cut : new int[] {0, 7, 96, 1000, 4096, good.length / 3, good.length - 1}) {
            Path truncated = tmp.resolve("cut" + cut + ".h5");
            Files.write(truncated, Arrays.copyOf(good, cut));
            Cli.assertBadInput(Cli.run("convert", "--keras-h5", truncated.toString(), "--config", config, "--output", out),
                    truncated.getFileName().toString());
        }
        // the model directory of another format is not a weights file either
        Cli.assertBadInput(Cli.run("convert", "--keras-h5", p01().resolve("expected/model.safetensors").toString(),
                "--config", config, "--output", out), "HDF5");
        assertTrue(!Files.exists(tmp.resolve("o/model.safetensors")), "nothing written");
    }
}
