package org.sparsemixer.loader.tf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The index key of one slice of a partitioned tensor (TensorFlow's {@code EncodeTensorNameSlice}): the
 * number 0, the tensor's key as an OrderedCode string, the rank as an OrderedCode number, then the start
 * and length of each dimension as OrderedCode signed numbers (length -1: the whole dimension). Returned as
 * a raw key (ISO-8859-1, one char per byte) like {@link IndexTable}'s.
 */
final class SliceKeys {
    private SliceKeys() {
    }

    static String encode(String key, long[][] extents) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeNumIncreasing(out, 0);
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            out.write(b);
            if (b == 0) {
                out.write(0xff);
            } else if (b == (byte) 0xff) {
                out.write(0);
            }
        }
        out.write(0);
        out.write(1);
        writeNumIncreasing(out, extents.length);
        for (long[] e : extents) {
            writeSignedNumIncreasing(out, e[0]);
            writeSignedNumIncreasing(out, e[1]);
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    /** A length byte, then the number's big-endian bytes without leading zeros. */
    static void writeNumIncreasing(ByteArrayOutputStream out, long value) {
        int len = (64 - Long.numberOfLeadingZeros(value) + 7) / 8;
        out.write(len);
        for (int i = len - 1; i >= 0; i--) {
            out.write((int) (value >>> (8 * i)));
        }
    }

    /**
     * OrderedCode's signed encoding: n bytes hold 7n - 1 value bits; the first byte (or two, for 9 and 10
     * bytes) starts with n - 1 one bits after the sign, so encodings sort like the numbers.
     */
    static void writeSignedNumIncreasing(ByteArrayOutputStream out, long value) {
        long x = value < 0 ? ~value : value;
        int bits = 64 - Long.numberOfLeadingZeros(x);
        int len = Math.max(1, (bits + 1 + 6) / 7);
        byte[] buf = new byte[10];
        long v = value;
        for (int i = 9; i >= 2; i--) {
            buf[i] = (byte) v;
            v >>= 8;
        }
        byte sign = (byte) (value < 0 ? 0xff : 0);
        buf[0] = sign;
        buf[1] = sign;
        int begin = 10 - len;
        int[][] header = {{}, {0x80, 0}, {0xc0, 0}, {0xe0, 0}, {0xf0, 0}, {0xf8, 0}, {0xfc, 0}, {0xfe, 0}, {0xff, 0},
            {0xff, 0x80}, {0xff, 0xc0}};
        buf[begin] ^= (byte) header[len][0];
        if (len > 1) {
            buf[begin + 1] ^= (byte) header[len][1];
        }
        out.write(buf, begin, len);
    }
}
