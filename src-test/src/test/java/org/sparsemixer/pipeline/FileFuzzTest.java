package org.sparsemixer.pipeline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * jqwik fuzzing of every parser that reads a file: safetensors weights (alone and as part of a model
 * directory), config.json, a sharded model's model.safetensors.index.json, inputs files, and Keras .h5
 * weights files (through {@code convert --keras-h5}). Each try mutates a valid seed file (bit flips, truncation,
 * header-length, number and string edits, structural edits, NaN/Inf data; see {@link Fuzz}) and checks that
 * only the documented exceptions escape, within {@link Fuzz#LIMIT} of CPU time. Runs in the surefire execution
 * {@code fuzz} with a 512 MB heap, so an unbounded allocation fails as OutOfMemoryError instead of passing.
 * A failing case is saved under target/fuzz-failures/ for committing to fuzz-regressions/.
 */
class FileFuzzTest {
    private static FuzzCorpus corpus;

    @BeforeContainer
    static void corpus() {
        corpus = new FuzzCorpus();
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        corpus.close();
        Fuzz.printStats();
    }

    private static void saving(String target, long seed, byte[] content, Fuzz.ThrowingRunnable check) throws Exception {
        try {
            check.run();
        } catch (AssertionError e) {
            Path saved = Fuzz.save(target, "seed" + seed, content);
            throw new AssertionError(e.getMessage() + " [case saved to " + saved + "]", e);
        }
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void safetensorsFiles(@ForAll long seed) throws Exception {
        Random r = new Random(seed);
        byte[] mutated = Fuzz.mutateSafetensors(corpus.weightSeeds.get(r.nextInt(corpus.weightSeeds.size())), r);
        saving("safetensors", seed, mutated, () -> {
            Fuzz.readWeightsFile(corpus.file("fuzz.safetensors", mutated));
            Fuzz.loadModel(corpus.modelWithWeights(mutated), corpus.input);
        });
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void configFiles(@ForAll long seed) throws Exception {
        Random r = new Random(seed);
        String mutated = Fuzz.mutateConfig(corpus.configSeeds.get(r.nextInt(corpus.configSeeds.size())), r);
        saving("config", seed, mutated.getBytes(StandardCharsets.UTF_8), () -> {
            Fuzz.parseAndBuildConfig(mutated, 2_000_000);
            if (r.nextInt(4) == 0) {
                Fuzz.loadModel(corpus.modelWithConfig(mutated), corpus.input);
            }
        });
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void shardedIndexFiles(@ForAll long seed) throws Exception {
        Random r = new Random(seed);
        String mutated = Fuzz.mutateIndex(corpus.indexSeed, r);
        saving("index", seed, mutated.getBytes(StandardCharsets.UTF_8),
                () -> Fuzz.loadModel(corpus.shardedWithIndex(mutated), corpus.input));
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void kerasH5Files(@ForAll long seed) throws Exception {
        Random r = new Random(seed);
        int pick = r.nextInt(corpus.h5Seeds.size());
        byte[] mutated = Fuzz.mutateH5(corpus.h5Seeds.get(pick), corpus.h5Metadata.get(pick), r);
        saving("keras-h5", seed, mutated, () -> Fuzz.convertKerasH5(corpus.file("fuzz.h5", mutated), corpus.h5Config,
                corpus.dir.resolve("converted")));
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void inputsFiles(@ForAll long seed) throws Exception {
        Random r = new Random(seed);
        int pick = r.nextInt(corpus.inputSeeds.size());
        byte[] mutated = Fuzz.mutateSafetensors(corpus.inputSeeds.get(pick), r);
        saving("inputs-" + (pick % 2 == 0 ? "words" : "dense"), seed, mutated,
                () -> Fuzz.readInputs(corpus.file("inputs.safetensors", mutated), corpus.encoderForInputs(pick)));
    }
}
