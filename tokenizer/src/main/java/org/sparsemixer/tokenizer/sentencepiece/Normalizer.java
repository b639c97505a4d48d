package org.sparsemixer.tokenizer.sentencepiece;

import java.util.Arrays;

/**
 * sentencepiece's normalizer.cc on UTF-8 bytes, driven only by the model's NormalizerSpec: at each position
 * a USER_DEFINED piece is copied as it is; otherwise the longest precompiled_charsmap rule is replaced by its
 * string; otherwise a well-formed character is copied, and a byte that begins none becomes U+FFFD (consuming
 * that one byte, and not looked up again). Around that: leading spaces dropped and runs of spaces collapsed
 * ({@code remove_extra_whitespaces}), the dummy {@code ▁} prefix (or suffix), spaces escaped to {@code ▁}, and
 * trailing {@code ▁} (after escaping, so also literal ones) dropped.
 *
 * <p>The result holds no offsets back into the input: encoding needs none.
 */
final class Normalizer {
    private final PrecompiledCharsMap charsMap;
    private final Vocabulary vocabulary;
    private final boolean addDummyPrefix;
    private final boolean removeExtraWhitespaces;
    private final boolean escapeWhitespaces;
    private final boolean treatWhitespaceAsSuffix;
    /**
     * Per ASCII byte, when its NormalizePrefix result needs no search (no USER_DEFINED piece and no longer
     * charsmap rule starts with it): the replacement {@code [fastFrom, fastTo)} in {@code fastSource}; else
     * {@code fastSource} is null. Entries 128-255 hold the same for an ASCII byte followed by an ASCII byte
     * (letters have longer rules only with combining marks, which are not ASCII).
     */
    private final byte[][] fastSource = new byte[256][];
    private final int[] fastFrom = new int[256];
    private final int[] fastTo = new int[256];

    Normalizer(ModelProto.NormalizerSpec spec, boolean treatWhitespaceAsSuffix, Vocabulary vocabulary)
            throws ModelFormatException {
        this.charsMap = spec.precompiledCharsmap().length == 0 ? null : new PrecompiledCharsMap(spec.precompiledCharsmap());
        this.vocabulary = vocabulary;
        this.addDummyPrefix = spec.addDummyPrefix();
        this.removeExtraWhitespaces = spec.removeExtraWhitespaces();
        this.escapeWhitespaces = spec.escapeWhitespaces();
        this.treatWhitespaceAsSuffix = treatWhitespaceAsSuffix;
        boolean[] userDefinedLead = new boolean[256];
        for (int id = 0; id < vocabulary.size; id++) {
            if (vocabulary.isUserDefined(id)) {
                userDefinedLead[vocabulary.pieceBytes[id][0] & 0xFF] = true;
            }
        }
        for (int k = 0; k < 256; k++) {
            int b = k & 0x7F;
            if (userDefinedLead[b]) {
                continue;
            }
            int rule = charsMap == null ? -2 : charsMap.singleByteRule(b, k >= 128);
            if (rule == -2) {
                fastSource[k] = new byte[] {(byte) b};
                fastTo[k] = 1;
            } else if (rule >= 0) {
                fastSource[k] = charsMap.strings();
                fastFrom[k] = rule;
                fastTo[k] = charsMap.stringEnd(rule);
            }
        }
    }

    /** The normalized form of {@code input[0, length)}: bytes {@code [0, result.length)} of {@code result.bytes}. */
    Text normalize(byte[] input, int length) {
        Text out = new Text(length + (length >>> 1) + 8);
        Prefix p = new Prefix();
        int pos = 0;
        if (removeExtraWhitespaces) {
            while (pos < length) {
                normalizePrefix(input, pos, length, p);
                if (p.to - p.from != 1 || p.source[p.from] != ' ') {
                    break;
                }
                pos += p.consumed;
            }
        }
        if (pos == length) {
            return out;
        }
        if (!treatWhitespaceAsSuffix && addDummyPrefix) {
            out.appendSpace(escapeWhitespaces);
        }
        boolean prevSpace = removeExtraWhitespaces;
        while (pos < length) {
            normalizePrefix(input, pos, length, p);
            byte[] src = p.source;
            int from = p.from;
            int to = p.to;
            while (prevSpace && from < to && src[from] == ' ') {
                from++;
            }
            if (from < to) {
                if (escapeWhitespaces) {
                    for (int k = from; k < to; k++) {
                        if (src[k] == ' ') {
                            out.appendSpace(true);
                        } else {
                            out.append(src[k]);
                        }
                    }
                } else {
                    out.append(src, from, to);
                }
                prevSpace = src[to - 1] == ' ';
            }
            pos += p.consumed;
            if (!removeExtraWhitespaces) {
                prevSpace = false;
            }
        }
        if (removeExtraWhitespaces) {
            out.stripTrailingSpaces(escapeWhitespaces);
        }
        if (treatWhitespaceAsSuffix && addDummyPrefix) {
            out.appendSpace(escapeWhitespaces);
        }
        return out;
    }

    /** NormalizePrefix: what the text at {@code pos} becomes ({@code source[from, to)}) and how many bytes it uses. */
    private void normalizePrefix(byte[] input, int pos, int end, Prefix p) {
        byte lead = input[pos];
        if (lead >= 0) {
            int k = pos + 1 == end || input[pos + 1] >= 0 ? lead | 0x80 : lead;
            if (fastSource[k] != null) {
                p.set(fastSource[k], fastFrom[k], fastTo[k], 1);
                return;
            }
        }
        int userDefined = vocabulary.userDefinedPrefix(input, pos, end);
        if (userDefined > 0) {
            p.set(input, pos, pos + userDefined, userDefined);
            return;
        }
        long match = charsMap == null ? -1 : charsMap.longestMatch(input, pos, end);
        if (match >= 0) {
            int offset = (int) match;
            p.set(charsMap.strings(), offset, charsMap.stringEnd(offset), (int) (match >>> 32));
            return;
        }
        int len = Utf8.validCharLen(input, pos, end);
        if (len < 0) {
            p.set(Utf8.REPLACEMENT, 0, 3, 1);
        } else {
            p.set(input, pos, pos + len, len);
        }
    }

    /** The result of one NormalizePrefix step (reused across steps to allocate nothing per character). */
    private static final class Prefix {
        byte[] source;
        int from;
        int to;
        int consumed;

        void set(byte[] source, int from, int to, int consumed) {
            this.source = source;
            this.from = from;
            this.to = to;
            this.consumed = consumed;
        }
    }

    /** A growable UTF-8 byte string: the normalized text. */
    static final class Text {
        byte[] bytes;
        int length;

        Text(int capacity) {
            bytes = new byte[capacity];
        }

        void append(byte b) {
            if (length == bytes.length) {
                bytes = Arrays.copyOf(bytes, bytes.length * 2);
            }
            bytes[length++] = b;
        }

        void append(byte[] src, int from, int to) {
            int n = to - from;
            if (length + n > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + n));
            }
            System.arraycopy(src, from, bytes, length, n);
            length += n;
        }

        void appendSpace(boolean escape) {
            if (escape) {
                append(Utf8.SPACE_SYMBOL, 0, 3);
            } else {
                append((byte) ' ');
            }
        }

        void stripTrailingSpaces(boolean escaped) {
            if (escaped) {
                while (length >= 3 && bytes[length - 3] == Utf8.SPACE_SYMBOL[0]
                        && bytes[length - 2] == Utf8.SPACE_SYMBOL[1] && bytes[length - 1] == Utf8.SPACE_SYMBOL[2]) {
                    length -= 3;
                }
            } else {
                while (length >= 1 && bytes[length - 1] == ' ') {
                    length--;
                }
            }
        }
    }
}
