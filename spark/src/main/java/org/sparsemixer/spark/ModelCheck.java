package org.sparsemixer.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.loader.ModelLoader;

/**
 * What the driver checks before any task runs, from the model's {@code config.json} alone (the weights
 * are loaded only on the executors): the rules every row must satisfy and whether the batch size fits the
 * model's routing groups.
 */
record ModelCheck(SparseMixerConfig config, RowRules rules) {

    /**
     * @throws UncheckedIOException     when config.json cannot be read (its cause names the file)
     * @throws IllegalArgumentException for a bad config, a dense-input model or an unaccepted batch size
     */
    static ModelCheck read(EmbedSettings settings) {
        SparseMixerConfig config;
        try {
            config = ModelLoader.readConfig(Path.of(settings.modelDir()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RoutingBatches.requireAccepted(config, settings.batch());
        return new ModelCheck(config, RowRules.of(config));
    }
}
