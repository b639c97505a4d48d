package org.sparsemixer.loader;

import java.io.IOException;
import java.nio.file.Path;
import org.sparsemixer.engine.SparseMixerConfig;

/** config.json (SPEC section 1) to and from {@link SparseMixerConfig}. STUB. */
public final class ConfigJson {
    private ConfigJson() {
    }

    /** Reads and validates a config file; bad content is an InvalidConfigException naming the key. */
    public static SparseMixerConfig read(Path file) throws IOException {
        throw new UnsupportedOperationException("stub");
    }

    public static SparseMixerConfig parse(String json) {
        throw new UnsupportedOperationException("stub");
    }

    /** Every key of SPEC section 1, written explicitly (embedding_width null when W == H). */
    public static String toJson(SparseMixerConfig config) {
        throw new UnsupportedOperationException("stub");
    }
}
