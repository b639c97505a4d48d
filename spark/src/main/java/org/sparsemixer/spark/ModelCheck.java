package org.sparsemixer.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.loader.ModelLoader;

/**
 * What the driver checks before any task runs, from the model's {@code config.json} (the weights
 * are loaded only on the executors): the rules every row must satisfy, whether the batch size fits the
 * model's routing groups, and whether the model can take the input ({@link RowInput#checkModel}: a text
 * input needs the model directory's tokenizer).
 */
record ModelCheck(SparseMixerConfig config, RowRules rules) {

    /**
     * @throws UncheckedIOException     when config.json cannot be read (its cause names the file)
     * @throws IllegalArgumentException for a bad config, a dense-input model, an unaccepted batch size or a
     *                                  model that cannot take the input (no tokenizer for text)
     */
    static ModelCheck read(EmbedSettings settings) {
        SparseMixerConfig config;
        try {
            config = ModelLoader.readConfig(Path.of(settings.modelDir()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RoutingBatches.requireAccepted(config, settings.batch());
        RowRules rules = RowRules.of(config);
        settings.input().checkModel(config);
        return new ModelCheck(config, rules);
    }
}
