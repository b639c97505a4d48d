package org.sparsemixer.tokenizer;

import java.util.Arrays;
import java.util.Locale;

/**
 * How {@link BertPacker} trims segments to the budget (tensorflow_text's trimmers, as Model Garden's
 * {@code BertPackInputs} uses them). Every segment keeps its first tokens.
 */
public enum Truncator {
    /**
     * One token to each segment that still has tokens, in order, again and again, until the budget is used
     * ({@code RoundRobinTrimmer}).
     */
    ROUND_ROBIN,
    /** Earlier segments first: segment i keeps what the segments before it left of the budget ({@code WaterfallTrimmer}). */
    WATERFALL;

    /** How many tokens each segment keeps; {@code lengths} are the segments' token counts, {@code budget >= 0}. */
    public int[] keep(int[] lengths, int budget) {
        if (budget < 0) {
            throw new IllegalArgumentException("budget " + budget + " is negative");
        }
        int[] kept = new int[lengths.length];
        switch (this) {
            case WATERFALL -> {
                long before = 0;
                for (int i = 0; i < lengths.length; i++) {
                    kept[i] = (int) Math.min(lengths[i], Math.max(0, budget - before));
                    before += lengths[i];
                }
            }
            case ROUND_ROBIN -> {
                // Whole rounds first (each segment not yet exhausted gets one token per round), then the
                // partial last round in segment order: the same result as dealing one token at a time.
                int left = budget;
                int[] remaining = lengths.clone();
                while (left > 0) {
                    int active = (int) Arrays.stream(remaining).filter(r -> r > 0).count();
                    if (active == 0) {
                        break;
                    }
                    int smallest = Arrays.stream(remaining).filter(r -> r > 0).min().orElseThrow();
                    int rounds = Math.min(smallest, left / active);
                    if (rounds == 0) {
                        for (int i = 0; i < remaining.length && left > 0; i++) {
                            if (remaining[i] > 0) {
                                kept[i]++;
                                remaining[i]--;
                                left--;
                            }
                        }
                    } else {
                        for (int i = 0; i < remaining.length; i++) {
                            if (remaining[i] > 0) {
                                kept[i] += rounds;
                                remaining[i] -= rounds;
                            }
                        }
                        left -= rounds * active;
                    }
                }
            }
        }
        return kept;
    }

    /** {@code round_robin} or {@code waterfall} (any case). */
    public static Truncator parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "round_robin" -> ROUND_ROBIN;
            case "waterfall" -> WATERFALL;
            default -> throw new IllegalArgumentException("unknown truncator '" + name
                    + "': expected round_robin or waterfall");
        };
    }

    /** The name {@link #parse} accepts: {@code round_robin} or {@code waterfall}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
