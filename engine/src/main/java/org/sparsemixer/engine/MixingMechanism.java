package org.sparsemixer.engine;

import java.util.Locale;

/** The token-mixing sublayer used by layers that are not attention layers. */
public enum MixingMechanism {
    LINEAR, FOURIER, HARTLEY;

    /** The spelling used in config.json. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static MixingMechanism fromConfigName(String name) {
        for (MixingMechanism m : values()) {
            if (m.configName().equals(name)) {
                return m;
            }
        }
        throw new InvalidConfigException("mixing_mechanism",
                "must be one of \"linear\", \"fourier\", \"hartley\", got \"" + name + "\"");
    }
}
