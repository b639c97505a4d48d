package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;

/** Checks that an error message mentions given tokens as whole words or numbers. */
final class Messages {
    private Messages() {
    }

    static boolean mentions(String message, String token) {
        return Pattern.compile("(?<![\\w.-])" + Pattern.quote(token) + "(?![\\w.])", Pattern.CASE_INSENSITIVE)
                .matcher(message).find();
    }

    static void assertMentions(String message, String... tokens) {
        assertTrue(message != null, "the exception has no message");
        for (String token : tokens) {
            assertTrue(mentions(message, token), "message does not mention '" + token + "': " + message);
        }
    }

    /** At least one of the alternatives is mentioned. */
    static void assertMentionsAny(String message, String... tokens) {
        assertTrue(message != null, "the exception has no message");
        for (String token : tokens) {
            if (mentions(message, token)) {
                return;
            }
        }
        assertTrue(false, "message mentions none of " + String.join(", ", tokens) + ": " + message);
    }
}
