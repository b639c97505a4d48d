package org.sparsemixer.engine;

/** A config.json key is unknown, malformed or holds a value the model cannot be built with. */
public class InvalidConfigException extends InvalidModelException {
    private final String key;
    private final String problem;

    public InvalidConfigException(String key, String problem) {
        this(key, problem, null);
    }

    public InvalidConfigException(String key, String problem, Throwable cause) {
        super("config key '" + key + "' " + problem, cause);
        this.key = key;
        this.problem = problem;
    }

    /** The config.json key at fault. */
    public String key() {
        return key;
    }

    /** What is wrong with it, without the key. */
    public String problem() {
        return problem;
    }

    /** The same problem, reported as found in {@code file}. */
    public InvalidConfigException in(Object file) {
        return new InvalidConfigException(key, problem + " (in " + file + ")", this);
    }
}
