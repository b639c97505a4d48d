package org.sparsemixer.engine;

/** The parts of a forward pass whose time {@link StageTimes} reports. */
public enum Stage {
    EMBEDDINGS, MIXING, ATTENTION, FEED_FORWARD, MOE_ROUTING, EXPERTS, NORMS_AND_RESIDUALS, POOLER
}
