package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code convert --tf-checkpoint / --saved-model} and {@code inspect --tf-checkpoint} on the TensorFlow-written
 * fixtures: each converted model reproduces the golden outputs of the case it was written from; broken
 * checkpoints are exit code 2 with one error line.
 */
class TfConvertCliTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "p01_train_ckpt, --tf-checkpoint, ckpt, p01_linear_postnorm_base",
        "p04_sharded_ckpt, --tf-checkpoint, ckpt/ckpt-1, p04_normfirst_factorized",
        "p04_sliced_ckpt, --tf-checkpoint, ckpt, p04_normfirst_factorized",
        "p04_masked_lm_export, --tf-checkpoint, '', p04_normfirst_factorized",
        "p04_savedmodel, --saved-model, saved_model, p04_normfirst_factorized",
    })
    void convertedCheckpointsReproduceTheGoldenOutputs(String name, String option, String path, String golden) throws Exception {
        Path out = tmp.resolve("model");
        Path input = path.isEmpty() ? TfFixtures.caseDir(name) : TfFixtures.caseDir(name).resolve(path);
        Cli.Result c = Cli.run("convert", option, input.toString(), "--config", TfFixtures.config(name).toString(),
                "--output", out.toString());
        Cli.assertOk(c);
        assertTrue(c.out().startsWith("wrote " + out), c::toString);
        Path outputs = tmp.resolve("out.safetensors");
        Cli.assertOk(Cli.run("run", "--model", out.toString(), "--inputs", Fixtures.cases(golden).toString(),
                "--output", outputs.toString(), "--threads", "2"));
        Fixtures.assertFileMatches(name, Fixtures.expected(golden), Safetensors.read(outputs));
    }

    @Test
    void bf16CheckpointConvertsToTheWidenedValuesAndRuns() throws Exception {
        // its weights are the p04 weights rounded to bf16, so the golden outputs no longer apply: check the
        // file against the expected directory and that it runs
        Path out = tmp.resolve("model");
        Cli.assertOk(Cli.run("convert", "--tf-checkpoint", TfFixtures.caseDir("p04_bf16_ckpt").resolve("ckpt").toString(),
                "--config", TfFixtures.config("p04_bf16_ckpt").toString(), "--output", out.toString()));
        assertEquals(Safetensors.read(TfFixtures.caseDir("p04_bf16_ckpt").resolve("expected/model.safetensors")).keySet(),
                Safetensors.read(out.resolve("model.safetensors")).keySet());
        Cli.assertOk(Cli.run("run", "--model", out.toString(), "--threads", "1"));
    }

    @Test
    void inspectListsEveryKeyWithItsNameOrWhyItIsSkipped() {
        Cli.Result r = Cli.run("inspect", "--tf-checkpoint", TfFixtures.caseDir("p04_masked_lm_export").toString());
        Cli.assertOk(r);
        assertTrue(r.out().matches("(?s).*masked_lm/embedding_table/\\.ATTRIBUTES/VARIABLE_VALUE +word_embeddings/embeddings"
                + " +float32 +\\[100, 16\\].*"), r::toString);
        assertTrue(r.out().matches("(?s).*masked_lm/output_bias\\.Sbias/\\.ATTRIBUTES/VARIABLE_VALUE +skipped: not an encoder"
                + " weight +float32 +\\[100\\].*"), r::toString);
        assertTrue(r.out().contains("of which 65 encoder weights (name scope 'sparse_mixer')"), r::toString);
        Cli.Result json = Cli.run("inspect", "--tf-checkpoint", TfFixtures.caseDir("p04_sliced_ckpt").resolve("ckpt").toString(),
                "--json");
        Cli.assertOk(json);
        assertTrue(json.out().contains("\"slices\" : 7"), json::toString);
    }

    private Path copyOf(String name, String sub) throws IOException {
        Path src = TfFixtures.caseDir(name).resolve(sub);
        Path dst = Files.createTempDirectory(tmp, name);
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : files.toList()) {
                Files.copy(f, dst.resolve(f.getFileName()));
            }
        }
        return dst;
    }

    @Test
    void brokenCheckpointsAreOneLineErrors() throws Exception {
        String config = TfFixtures.config("p04_sharded_ckpt").toString();
        Path sharded = copyOf("p04_sharded_ckpt", "ckpt");
        Files.delete(sharded.resolve("ckpt-1.data-00001-of-00004"));
        Cli.assertBadInput(Cli.run("convert", "--tf-checkpoint", sharded.toString(), "--config", config, "--output",
                tmp.resolve("o1").toString()), "ckpt-1.data-00001-of-00004", "missing");

        Path flipped = copyOf("p01_train_ckpt", "ckpt");
        Path index = flipped.resolve("ckpt-1.index");
        byte[] b = Files.readAllBytes(index);
        b[b.length - 1] ^= 1;
        Files.write(index, b);
        Cli.assertBadInput(Cli.run("inspect", "--tf-checkpoint", flipped.toString()), "ckpt-1.index", "magic");
        Files.write(index, java.util.Arrays.copyOf(b, 20));
        Cli.assertBadInput(Cli.run("convert", "--tf-checkpoint", flipped.toString(), "--config",
                TfFixtures.config("p01_train_ckpt").toString(), "--output", tmp.resolve("o2").toString()), "truncated");

        Path data = copyOf("p04_savedmodel", "saved_model/variables");
        Path shard = data.resolve("variables.data-00000-of-00001");
        byte[] d = Files.readAllBytes(shard);
        d[d.length / 2] ^= 1;
        Files.write(shard, d);
        Cli.assertBadInput(Cli.run("convert", "--tf-checkpoint", data.resolve("variables").toString(), "--config", config,
                "--output", tmp.resolve("o3").toString()), "checksum");
        assertTrue(!Files.exists(tmp.resolve("o3").resolve("model.safetensors")), "no half-written model");

        // the wrong config: missing and misshapen tensors named
        Cli.assertBadInput(Cli.run("convert", "--saved-model", TfFixtures.caseDir("p04_savedmodel").resolve("saved_model").toString(),
                "--config", TfFixtures.config("p01_train_ckpt").toString(), "--output", tmp.resolve("o4").toString()), "config.json");
        // usage
        Cli.assertBadInput(Cli.run("convert", "--tf-checkpoint", tmp.toString(), "--npz", "x.npz", "--config", config,
                "--output", tmp.resolve("o5").toString()), "exactly one");
        Cli.assertBadInput(Cli.run("convert", "--tf-checkpoint", tmp.resolve("none").toString(), "--config", config,
                "--output", tmp.resolve("o6").toString()), "none");
        Cli.assertBadInput(Cli.run("convert", "--saved-model", tmp.toString(), "--output", tmp.resolve("o7").toString()),
                "--config");
        Cli.assertBadInput(Cli.run("inspect", "--tf-checkpoint", TfFixtures.caseDir("p01_train_ckpt").resolve("ckpt").toString(),
                "--model", tmp.toString()), "exactly one");
    }
}
