package org.sparsemixer.engine;

/** A config.json key is unknown, malformed or holds a value the model cannot be built with. */
public class InvalidConfigException extends InvalidModelException {
    private final String key;

    public InvalidConfigException(String key, String problem) {
        super("config key '" + key + "' " + problem);
        this.key = key;
    }

    /** The config.json key at fault. */
    public String key() {
        return key;
    }
}
