package org.sparsemixer.tokenizer;

import java.text.Normalizer;
import java.util.function.Consumer;

/**
 * BERT's basic tokenizer as HF tokenizers runs it ({@code BertNormalizer} then {@code BertPreTokenizer}):
 * <ol>
 *   <li>clean text: drop NUL, U+FFFD and Cc/Cf/Co characters except tab, newline and carriage return; map
 *       White_Space characters to a space;</li>
 *   <li>put spaces around each CJK ideograph;</li>
 *   <li>if stripping accents: NFD of the whole text, then drop Mn characters;</li>
 *   <li>if lower-casing: lower-case character by character (no context rules such as final sigma);</li>
 *   <li>split on whitespace and make every punctuation character a word of its own.</li>
 * </ol>
 * Categories are Unicode 8.0's ({@link BertCharacters}). A lone surrogate counts as U+FFFD: removed.
 */
final class BertBasicTokenizer {
    private final boolean lowerCase;
    private final boolean stripAccents;

    BertBasicTokenizer(boolean lowerCase, boolean stripAccents) {
        this.lowerCase = lowerCase;
        this.stripAccents = stripAccents;
    }

    /** Passes each word of {@code text[from, to)} to {@code words}, in order. */
    void split(String text, int from, int to, Consumer<String> words) {
        String normalized = normalize(text, from, to);
        emitWords(normalized, words);
    }

    String normalize(String text, int from, int to) {
        StringBuilder cleaned = new StringBuilder(to - from + 8);
        boolean ascii = true;
        boolean nfdOpaque = false;
        for (int i = from; i < to; ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            byte properties = BertCharacters.properties(cp);
            nfdOpaque |= BertCharacters.isNfdOpaque(properties);
            switch ((byte) (properties & BertCharacters.CLASS_MASK)) {
                case BertCharacters.REMOVED -> {
                }
                case BertCharacters.WHITESPACE -> cleaned.append(' ');
                case BertCharacters.CJK -> {
                    cleaned.append(' ').appendCodePoint(cp).append(' ');
                    ascii = false;
                }
                default -> {
                    cleaned.appendCodePoint(cp);
                    ascii &= cp < 0x80;
                }
            }
        }
        if (!stripAccents && !lowerCase) {
            return cleaned.toString();
        }
        if (ascii) {
            // No decomposition, no marks; ASCII lower case is the only change.
            if (lowerCase) {
                for (int i = 0; i < cleaned.length(); i++) {
                    char c = cleaned.charAt(i);
                    if (c >= 'A' && c <= 'Z') {
                        cleaned.setCharAt(i, (char) (c + ('a' - 'A')));
                    }
                }
            }
            return cleaned.toString();
        }
        CharSequence decomposed = !stripAccents ? cleaned
                : nfdOpaque ? decomposeAroundOpaque(cleaned) : Normalizer.normalize(cleaned, Normalizer.Form.NFD);
        StringBuilder out = new StringBuilder(decomposed.length());
        for (int i = 0; i < decomposed.length(); ) {
            int cp = Character.codePointAt(decomposed, i);
            i += Character.charCount(cp);
            if (stripAccents && BertCharacters.classOf(cp) == BertCharacters.NONSPACING_MARK) {
                continue;
            }
            if (lowerCase) {
                appendLowerCase(out, cp);
            } else {
                out.appendCodePoint(cp);
            }
        }
        return out.toString();
    }

    /**
     * NFD as the reference's Unicode 9.0 tables do it: characters assigned later that this JDK would
     * decompose or reorder stay as they are and, as starters, separate the runs that are normalized.
     */
    private static String decomposeAroundOpaque(CharSequence s) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        int runStart = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = Character.codePointAt(s, i);
            int next = i + Character.charCount(cp);
            if (BertCharacters.isNfdOpaque(BertCharacters.properties(cp))) {
                out.append(Normalizer.normalize(s.subSequence(runStart, i), Normalizer.Form.NFD)).appendCodePoint(cp);
                runStart = next;
            }
            i = next;
        }
        return out.append(Normalizer.normalize(s.subSequence(runStart, s.length()), Normalizer.Form.NFD)).toString();
    }

    /** Rust's {@code char::to_lowercase}: the full mapping of one character, without context. */
    private static void appendLowerCase(StringBuilder out, int cp) {
        if (cp == 0x130) {
            // The one unconditional multi-character lower case mapping (SpecialCasing.txt).
            out.append("i\u0307");
        } else {
            out.appendCodePoint(BertCharacters.toLowerCase(cp));
        }
    }

    private static void emitWords(String s, Consumer<String> words) {
        int start = -1;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int next = i + Character.charCount(cp);
            byte cls = BertCharacters.classOf(cp);
            if (cls == BertCharacters.WHITESPACE || cp == ' ') {
                if (start >= 0) {
                    words.accept(s.substring(start, i));
                    start = -1;
                }
            } else if (cls == BertCharacters.PUNCTUATION) {
                if (start >= 0) {
                    words.accept(s.substring(start, i));
                    start = -1;
                }
                words.accept(s.substring(i, next));
            } else if (start < 0) {
                start = i;
            }
            i = next;
        }
        if (start >= 0) {
            words.accept(s.substring(start));
        }
    }
}
