package org.sparsemixer.tokenizer;

import java.util.Arrays;

/**
 * The character classes of BERT's basic tokenizer as HF tokenizers decides them: general categories of
 * Unicode 8.0 (the Rust crate {@code unicode_categories}; characters assigned later count as unassigned,
 * see {@link Unicode8}), White_Space as Rust's {@code char::is_whitespace}, and BERT's CJK ranges; plus
 * where the reference's NFD (Unicode 9.0) and lower case (Unicode 17.0) differ from this JDK's.
 */
final class BertCharacters {
    /** Class of each BMP code point, computed once: the BMP covers nearly all text. */
    private static final byte[] BMP = new byte[0x10000];

    static final byte OTHER = 0;
    /** Removed by clean text: NUL, U+FFFD and Cc/Cf/Co except tab, newline and carriage return. */
    static final byte REMOVED = 1;
    /** White_Space: becomes a word boundary. */
    static final byte WHITESPACE = 2;
    /** ASCII punctuation or Unicode 8.0 P*: a word of its own. */
    static final byte PUNCTUATION = 3;
    /** Unicode 8.0 Mn: dropped by accent stripping. */
    static final byte NONSPACING_MARK = 4;
    /** BERT's CJK ideograph ranges: a word of its own. */
    static final byte CJK = 5;

    static {
        for (int cp = 0; cp < BMP.length; cp++) {
            BMP[cp] = compute(cp);
        }
    }

    private BertCharacters() {
    }

    /** Flag on a class: the reference's NFD leaves this character alone (see {@link Unicode8#NFD_OPAQUE}). */
    static final byte NFD_OPAQUE = 0x10;
    static final byte CLASS_MASK = 0x0F;

    static byte classOf(int cp) {
        return (byte) (properties(cp) & CLASS_MASK);
    }

    /** The class and flags of a code point. */
    static byte properties(int cp) {
        return cp < 0x10000 ? BMP[cp] : compute(cp);
    }

    static boolean isNfdOpaque(byte properties) {
        return (properties & NFD_OPAQUE) != 0;
    }

    private static byte compute(int cp) {
        byte cls = computeClass(cp);
        return inRanges(Unicode8.NFD_OPAQUE, cp) ? (byte) (cls | NFD_OPAQUE) : cls;
    }

    /** Rust's {@code char::to_lowercase} for every character but U+0130 (one code point to one). */
    static int toLowerCase(int cp) {
        int lower = Character.toLowerCase(cp);
        if (lower == cp && cp >= Unicode8.LOWER_CASE_ADDED[0]) {
            int[] pairs = Unicode8.LOWER_CASE_ADDED;
            for (int i = 0; i < pairs.length; i += 2) {
                if (pairs[i] == cp) {
                    return pairs[i + 1];
                }
            }
        }
        return lower;
    }

    private static byte computeClass(int cp) {
        if (cp == 0 || cp == 0xFFFD) {
            return REMOVED;
        }
        if (cp == '\t' || cp == '\n' || cp == '\r' || isWhiteSpace(cp)) {
            // Tab, newline and carriage return are Cc, but count as whitespace; the other White_Space
            // characters of category Cc (U+000B, U+000C, U+0085) are removed as controls first.
            return Character.getType(cp) == Character.CONTROL && cp != '\t' && cp != '\n' && cp != '\r'
                    ? REMOVED : WHITESPACE;
        }
        if (isCjk(cp)) {
            return CJK;
        }
        if (isAsciiPunctuation(cp)) {
            return PUNCTUATION;
        }
        int type = unicode8Type(cp);
        return switch (type) {
            case Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE -> REMOVED;
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> PUNCTUATION;
            case Character.NON_SPACING_MARK -> NONSPACING_MARK;
            default -> OTHER;
        };
    }

    /**
     * The general category as Unicode 8.0 has it, for the categories asked about here: a character that
     * this JDK puts in one of them but that was assigned after Unicode 8.0 is unassigned. A lone surrogate
     * is SURROGATE, which clean text removes like U+FFFD.
     */
    static int unicode8Type(int cp) {
        int type = Character.getType(cp);
        if (type != Character.UNASSIGNED && inRanges(Unicode8.ASSIGNED_AFTER_8_0, cp)) {
            return Character.UNASSIGNED;
        }
        int[] changes = Unicode8.CATEGORY_CHANGES;
        for (int i = 0; i < changes.length; i += 2) {
            if (changes[i] == cp) {
                return changes[i + 1];
            }
        }
        return type;
    }

    /** Whether {@code cp} lies in one of the sorted, disjoint inclusive ranges {@code start, end}. */
    private static boolean inRanges(int[] ranges, int cp) {
        // Binary search over the range starts (even indexes).
        int lo = 0;
        int hi = ranges.length / 2 - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (ranges[2 * mid] > cp) {
                hi = mid - 1;
            } else if (ranges[2 * mid + 1] < cp) {
                lo = mid + 1;
            } else {
                return true;
            }
        }
        return false;
    }

    /** Rust's {@code char::is_whitespace}: the White_Space property (stable since long before Unicode 8.0). */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    static boolean isAsciiPunctuation(int cp) {
        return (cp >= 0x21 && cp <= 0x2F) || (cp >= 0x3A && cp <= 0x40) || (cp >= 0x5B && cp <= 0x60)
                || (cp >= 0x7B && cp <= 0x7E);
    }

    /**
     * The ranges of BERT's {@code _is_chinese_char} as HF tokenizers has them: its range for CJK Extension E
     * starts at U+2B920, not U+2B820 as in Google's BERT, so U+2B820..U+2B91F are ordinary characters there.
     */
    static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B920 && cp <= 0x2CEAF) || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /** For tests: a ranges table is sorted and disjoint. */
    static boolean rangesWellFormed(int[] r) {
        if (r.length % 2 != 0) {
            return false;
        }
        for (int i = 0; i < r.length; i += 2) {
            if (r[i] > r[i + 1] || (i > 0 && r[i] <= r[i - 1])) {
                return false;
            }
        }
        return Arrays.stream(r).allMatch(cp -> cp >= 0 && cp <= Character.MAX_CODE_POINT);
    }
}
