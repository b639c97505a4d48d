package org.sparsemixer.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOptions;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.loader.BatchFiles;
import org.sparsemixer.loader.ModelLoader;

/** Golden fixtures copied from ../shared/fixtures (see src-test's fixtures/README.md). */
final class Fixtures {
    /** Linear mixing, MoE with one example per routing group, attention; S 16, H 32, 6 layers, batch 2. */
    static final String LINEAR = "p01_linear_postnorm_base";
    /** examples_per_group 2 (a routing group spans two sequences), capacity factor 0.5; S 16, batch 4. */
    static final String EPG2 = "p05_fast_epg2";

    private Fixtures() {
    }

    static Path dir(String name) {
        URL url = Fixtures.class.getResource("/fixtures/" + name + "/cases.safetensors");
        if (url == null) {
            throw new IllegalStateException("fixture " + name + " is not on the test class path");
        }
        try {
            return Path.of(url.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path model(String name) {
        return dir(name).resolve("model");
    }

    static SparseMixerEncoder load(String name) {
        try {
            return ModelLoader.load(model(name), EncoderOptions.threads(2));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static EncoderInput inputs(String name) {
        try {
            return BatchFiles.readInputs(dir(name).resolve("cases.safetensors"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The reference outputs (float64 reference rounded to float32). */
    static EncoderOutput expected(String name) {
        try {
            return BatchFiles.readOutputs(dir(name).resolve("cases.safetensors"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sequences [from, from + count) of {@code input}. */
    static EncoderInput slice(EncoderInput input, int from, int count) {
        int s = input.wordLength();
        return new EncoderInput(count, s, part(input.wordIds(), from * s, count * s), part(input.mask(), from * s, count * s),
                part(input.typeIds(), from * s, count * s), 0, null, null, null);
    }

    private static int[] part(int[] a, int at, int n) {
        int[] out = new int[n];
        System.arraycopy(a, at, out, 0, n);
        return out;
    }
}
