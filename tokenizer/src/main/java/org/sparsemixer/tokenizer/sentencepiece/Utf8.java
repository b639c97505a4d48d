package org.sparsemixer.tokenizer.sentencepiece;

/** UTF-8 exactly as sentencepiece's util.h/util.cc treat it (which differs from the JDK's decoder in places). */
final class Utf8 {
    /** U+FFFD in UTF-8. */
    static final byte[] REPLACEMENT = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};
    /** U+2581 LOWER ONE EIGHTH BLOCK, sentencepiece's escaped space, in UTF-8. */
    static final byte[] SPACE_SYMBOL = {(byte) 0xE2, (byte) 0x96, (byte) 0x81};

    private Utf8() {
    }

    /** {@code string_util::OneCharLen}: the sequence length the lead byte announces (1 for a stray trail byte). */
    static int oneCharLen(byte lead) {
        int high = (lead & 0xFF) >>> 4;
        return high < 12 ? 1 : high < 14 ? 2 : high == 14 ? 3 : 4;
    }

    /** {@code min(OneCharLen(s[pos]), end - pos)}: how far sentencepiece steps over one character. */
    static int charLen(byte[] s, int pos, int end) {
        return Math.min(oneCharLen(s[pos]), end - pos);
    }

    /**
     * {@code string_util::IsValidDecodeUTF8}: the length of the well-formed character at {@code pos}, or -1 when
     * the bytes there do not begin one (overlong forms, surrogates, values above U+10FFFF, truncation).
     */
    static int validCharLen(byte[] s, int pos, int end) {
        int b0 = s[pos] & 0xFF;
        if (b0 < 0x80) {
            return 1;
        }
        int left = end - pos;
        if ((b0 & 0xE0) == 0xC0) {
            if (left >= 2 && isTrail(s[pos + 1])) {
                int cp = (b0 & 0x1F) << 6 | (s[pos + 1] & 0x3F);
                return cp >= 0x80 ? 2 : -1;
            }
        } else if ((b0 & 0xF0) == 0xE0) {
            if (left >= 3 && isTrail(s[pos + 1]) && isTrail(s[pos + 2])) {
                int cp = (b0 & 0x0F) << 12 | (s[pos + 1] & 0x3F) << 6 | (s[pos + 2] & 0x3F);
                return cp >= 0x800 && isValidCodePoint(cp) ? 3 : -1;
            }
        } else if ((b0 & 0xF8) == 0xF0) {
            if (left >= 4 && isTrail(s[pos + 1]) && isTrail(s[pos + 2]) && isTrail(s[pos + 3])) {
                int cp = (b0 & 0x07) << 18 | (s[pos + 1] & 0x3F) << 12 | (s[pos + 2] & 0x3F) << 6 | (s[pos + 3] & 0x3F);
                return cp >= 0x10000 && isValidCodePoint(cp) ? 4 : -1;
            }
        }
        return -1;
    }

    private static boolean isTrail(byte b) {
        return (b & 0xC0) == 0x80;
    }

    private static boolean isValidCodePoint(int cp) {
        return cp < 0xD800 || (cp >= 0xE000 && cp <= 0x10FFFF);
    }

    /**
     * UTF-8 of a Java string, except that a lone surrogate (which has no UTF-8 form) becomes the single byte 0xFF:
     * sentencepiece then treats it as one malformed byte, i.e. one U+FFFD that is not normalized again.
     */
    static byte[] encode(String text) {
        int n = text.length();
        byte[] out = new byte[n * 3];
        int o = 0;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                out[o++] = (byte) c;
            } else if (c < 0x800) {
                out[o++] = (byte) (0xC0 | c >>> 6);
                out[o++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isSurrogate(c)) {
                char low;
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(low = text.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, low);
                    out[o++] = (byte) (0xF0 | cp >>> 18);
                    out[o++] = (byte) (0x80 | cp >>> 12 & 0x3F);
                    out[o++] = (byte) (0x80 | cp >>> 6 & 0x3F);
                    out[o++] = (byte) (0x80 | cp & 0x3F);
                    i++;
                } else {
                    out[o++] = (byte) 0xFF;
                }
            } else {
                out[o++] = (byte) (0xE0 | c >>> 12);
                out[o++] = (byte) (0x80 | c >>> 6 & 0x3F);
                out[o++] = (byte) (0x80 | c & 0x3F);
            }
        }
        return o == out.length ? out : java.util.Arrays.copyOf(out, o);
    }
}
