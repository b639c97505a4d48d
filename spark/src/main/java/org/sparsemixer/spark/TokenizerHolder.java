package org.sparsemixer.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.loader.ModelLoader;
import org.sparsemixer.loader.ModelTokenizer;

/**
 * One tokenizer per JVM and model directory, as {@link EncoderHolder} holds the encoder: loaded by the first
 * caller (on the driver when the job starts, on an executor by its first task) and shared by every task slot
 * afterwards ({@link ModelTokenizer} is immutable and thread-safe). Keyed by the model's absolute path.
 */
public final class TokenizerHolder {
    private static final Logger LOG = LoggerFactory.getLogger(TokenizerHolder.class);
    private static final ConcurrentHashMap<Path, ModelTokenizer> TOKENIZERS = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    private TokenizerHolder() {
    }

    /**
     * The JVM's tokenizer of {@code modelDir}, loading it on first use (a failed load is tried again by the
     * next call).
     *
     * @throws IllegalArgumentException the directory has no tokenizer (naming the files it needs)
     * @throws UncheckedIOException     a tokenizer file or config.json cannot be read
     * @throws org.sparsemixer.engine.InvalidModelException the tokenizer is invalid or does not fit the model
     */
    public static ModelTokenizer tokenizer(String modelDir) {
        Path key = Path.of(modelDir).toAbsolutePath().normalize();
        return TOKENIZERS.computeIfAbsent(key, TokenizerHolder::load);
    }

    /** How many tokenizers this JVM has loaded so far (for tests: one per model directory). */
    public static int loads() {
        return LOADS.get();
    }

    private static ModelTokenizer load(Path modelDir) {
        long start = System.nanoTime();
        ModelTokenizer tokenizer;
        try {
            SparseMixerConfig config = ModelLoader.readConfig(modelDir);
            tokenizer = ModelTokenizer.load(modelDir, config).orElseThrow(() -> new IllegalArgumentException(
                    "the model directory " + modelDir + " has no tokenizer, which text input needs: add "
                            + ModelTokenizer.SENTENCEPIECE_FILE + " (SentencePiece) or " + ModelTokenizer.WORDPIECE_FILE
                            + " with " + ModelTokenizer.TEXT_CONFIG_FILE + " (WordPiece); see docs/model-format.md"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the tokenizer of " + modelDir + ": " + e.getMessage(), e);
        }
        LOADS.incrementAndGet();
        LOG.info("loaded the tokenizer {} of {} in {} ms", tokenizer, modelDir, (System.nanoTime() - start) / 1_000_000);
        return tokenizer;
    }
}
