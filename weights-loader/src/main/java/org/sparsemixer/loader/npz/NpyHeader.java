package org.sparsemixer.loader.npz;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparsemixer.loader.safetensors.DType;

/**
 * The header of a {@code .npy} array (NumPy format versions 1.0, 2.0 and 3.0): the magic
 * {@code \x93NUMPY}, major and minor version, a little-endian header length (2 bytes in 1.0, 4 bytes
 * after), then a Python dict literal with exactly the keys {@code descr}, {@code fortran_order} and
 * {@code shape}, padded with spaces and ended by a newline.
 *
 * <p>Only little-endian (or native/not-applicable: {@code =}, {@code |}, read as little-endian) float32,
 * float64 and float16 in C order are accepted; Fortran order, pickled objects ({@code |O}), big-endian,
 * structured and every other dtype are errors naming the entry and what to do.
 *
 * @param dtype       F32, F64 or F16
 * @param headerBytes bytes before the data (magic, version, length field and header text)
 */
public record NpyHeader(String descr, DType dtype, int[] shape, long headerBytes) {
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Longest header text read (NumPy itself refuses more than 10000 characters by default). */
    static final int MAX_HEADER_TEXT = 1 << 16;

    public NpyHeader {
        shape = shape.clone();
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    public long elementCount() {
        long n = 1;
        for (int d : shape) {
            n = Math.multiplyExact(n, (long) d);
        }
        return n;
    }

    /** Bytes of the array data after the header. */
    public long dataBytes() {
        return Math.multiplyExact(elementCount(), (long) dtype.size());
    }

    /**
     * Reads and validates the header at the start of {@code in}, leaving it at the first data byte.
     *
     * @param where names the archive and entry in error messages
     */
    public static NpyHeader read(InputStream in, String entry, String where) throws IOException {
        byte[] prefix = readN(in, 8, entry, where, "magic and version");
        if (!Arrays.equals(Arrays.copyOf(prefix, 6), MAGIC)) {
            throw error(entry, where, "is not a .npy array (no \\x93NUMPY magic)");
        }
        int major = prefix[6] & 0xFF;
        int minor = prefix[7] & 0xFF;
        if (major < 1 || major > 3 || minor != 0) {
            throw error(entry, where, "has .npy format version " + major + "." + minor + "; 1.0, 2.0 and 3.0 are supported");
        }
        int lengthBytes = major == 1 ? 2 : 4;
        byte[] lenField = readN(in, lengthBytes, entry, where, "header length");
        long textLength = 0;
        for (int i = lengthBytes - 1; i >= 0; i--) {
            textLength = (textLength << 8) | (lenField[i] & 0xFF);
        }
        if (textLength > MAX_HEADER_TEXT) {
            throw error(entry, where, "declares a header of " + textLength + " bytes; at most " + MAX_HEADER_TEXT
                    + " are accepted");
        }
        byte[] textBytes = readN(in, (int) textLength, entry, where, "header");
        String text;
        if (major == 3) {
            try {
                text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(textBytes)).toString();
            } catch (java.nio.charset.CharacterCodingException e) {
                throw error(entry, where, "has a header that is not UTF-8");
            }
        } else {
            text = new String(textBytes, StandardCharsets.ISO_8859_1);
        }
        NpyHeader h = parse(text, entry, where, 8 + lengthBytes + textLength);
        return h;
    }

    /** Parses the header text (the dict literal and its padding). */
    static NpyHeader parse(String text, String entry, String where, long headerBytes) {
        Object value;
        try {
            Literal p = new Literal(text);
            value = p.value(0);
            p.skipSpace();
            if (p.pos != text.length()) {
                throw new IllegalArgumentException("unexpected text after the dict at character " + p.pos);
            }
        } catch (IllegalArgumentException e) {
            throw error(entry, where, "has a header that is not a Python dict literal: " + e.getMessage());
        }
        if (!(value instanceof Map<?, ?> dict)) {
            throw error(entry, where, "has a header that is not a dict");
        }
        for (Object key : dict.keySet()) {
            if (!List.of("descr", "fortran_order", "shape").contains(key)) {
                throw error(entry, where, "has unexpected header key " + repr(key)
                        + " (a .npy header has exactly descr, fortran_order and shape)");
            }
        }
        for (String key : List.of("descr", "fortran_order", "shape")) {
            if (!dict.containsKey(key)) {
                throw error(entry, where, "has no '" + key + "' in its header");
            }
        }
        Object descr = dict.get("descr");
        if (!(descr instanceof String d)) {
            throw error(entry, where, "has a structured dtype " + repr(descr)
                    + "; only plain float32, float64 or float16 arrays are supported");
        }
        DType dtype = dtype(d, entry, where);
        Object fortran = dict.get("fortran_order");
        if (!(fortran instanceof Boolean f)) {
            throw error(entry, where, "has fortran_order " + repr(fortran) + "; expected True or False");
        }
        if (f) {
            throw error(entry, where, "is stored in Fortran (column-major) order, which is not supported;"
                    + " save np.ascontiguousarray(x) instead");
        }
        Object shapeValue = dict.get("shape");
        if (!(shapeValue instanceof Tuple(List<Object> items))) {
            throw error(entry, where, "has shape " + repr(shapeValue) + "; expected a tuple of integers");
        }
        int[] shape = new int[items.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(items.get(i) instanceof Long dim) || dim < 0 || dim > Integer.MAX_VALUE) {
                throw error(entry, where, "has shape dimension " + i + " = " + repr(items.get(i))
                        + "; dimensions must be integers in [0, " + Integer.MAX_VALUE + "]");
            }
            shape[i] = (int) (long) dim;
        }
        NpyHeader h = new NpyHeader(d, dtype, shape, headerBytes);
        try {
            h.dataBytes();
        } catch (ArithmeticException e) {
            throw error(entry, where, "has shape " + Arrays.toString(shape) + " whose size overflows 64 bits");
        }
        return h;
    }

    private static DType dtype(String descr, String entry, String where) {
        if (descr.length() >= 2 && "<>=|".indexOf(descr.charAt(0)) >= 0) {
            char order = descr.charAt(0);
            String type = descr.substring(1);
            if (type.equals("O")) {
                throw error(entry, where, "holds pickled Python objects (dtype '" + descr + "'), which are never loaded");
            }
            DType dt = switch (type) {
                case "f4" -> DType.F32;
                case "f8" -> DType.F64;
                case "f2" -> DType.F16;
                default -> null;
            };
            if (dt != null && order == '>') {
                throw error(entry, where, "is big-endian (dtype '" + descr + "'); save it little-endian, e.g."
                        + " x.astype('<" + type + "')");
            }
            if (dt != null) {
                return dt;
            }
        } else if (descr.equals("O")) {
            throw error(entry, where, "holds pickled Python objects (dtype 'O'), which are never loaded");
        }
        throw error(entry, where, "has dtype '" + descr + "'; only float32 ('<f4'), float64 ('<f8') and float16 ('<f2')"
                + " are supported");
    }

    private static byte[] readN(InputStream in, int n, String entry, String where, String what) throws IOException {
        byte[] b = new byte[n];
        int off = 0;
        while (off < n) {
            int r = in.read(b, off, n - off);
            if (r < 0) {
                throw error(entry, where, "ends inside its " + what + " (" + off + " of " + n + " bytes)");
            }
            off += r;
        }
        return b;
    }

    static NpyFormatException error(String entry, String where, String problem) {
        return new NpyFormatException(entry, where + ": entry '" + abbreviate(entry) + "' " + problem);
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }

    private static String repr(Object o) {
        return abbreviate(String.valueOf(o));
    }

    /** A Python tuple in the header. */
    record Tuple(List<Object> items) {
        @Override
        public String toString() {
            return "(" + String.join(", ", items.stream().map(String::valueOf).toList()) + (items.size() == 1 ? ",)" : ")");
        }
    }

    /** A recursive-descent reader for the Python literals a .npy header holds. */
    private static final class Literal {
        private static final int MAX_DEPTH = 32;
        final String s;
        int pos;

        Literal(String s) {
            this.s = s;
        }

        void skipSpace() {
            while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\n' || s.charAt(pos) == '\t'
                    || s.charAt(pos) == '\r')) {
                pos++;
            }
        }

        IllegalArgumentException fail(String what) {
            return new IllegalArgumentException(what + " at character " + pos);
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw fail("nesting too deep");
            }
            skipSpace();
            if (pos >= s.length()) {
                throw fail("unexpected end");
            }
            char c = s.charAt(pos);
            if (c == '{') {
                pos++;
                Map<Object, Object> m = new LinkedHashMap<>();
                while (true) {
                    skipSpace();
                    if (peek('}')) {
                        return m;
                    }
                    Object key = value(depth + 1);
                    if (!(key instanceof String)) {
                        throw fail("dict key that is not a string");
                    }
                    skipSpace();
                    expect(':');
                    Object v = value(depth + 1);
                    if (m.put(key, v) != null) {
                        throw fail("repeated key '" + key + "'");
                    }
                    skipSpace();
                    if (peek('}')) {
                        return m;
                    }
                    expect(',');
                }
            }
            if (c == '(' || c == '[') {
                char close = c == '(' ? ')' : ']';
                pos++;
                List<Object> items = new ArrayList<>();
                boolean trailingComma = false;
                while (true) {
                    skipSpace();
                    if (peek(close)) {
                        break;
                    }
                    items.add(value(depth + 1));
                    skipSpace();
                    trailingComma = false;
                    if (peek(close)) {
                        break;
                    }
                    expect(',');
                    trailingComma = true;
                }
                if (c == '(' && items.size() == 1 && !trailingComma) {
                    return items.getFirst(); // (x) is just x in Python
                }
                return c == '(' ? new Tuple(items) : items;
            }
            if (c == '\'' || c == '"') {
                return string(c);
            }
            if (c == '-' || c == '+' || Character.isDigit(c)) {
                int start = pos++;
                while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                    pos++;
                }
                String digits = s.substring(start, pos);
                if (pos < s.length() && (s.charAt(pos) == 'L' || s.charAt(pos) == 'l')) {
                    pos++; // Python 2 long
                }
                if (digits.equals("-") || digits.equals("+")) {
                    throw fail("malformed number");
                }
                if (digits.length() > 20) {
                    throw fail("integer too long");
                }
                try {
                    return Long.parseLong(digits);
                } catch (NumberFormatException e) {
                    throw fail("integer out of range");
                }
            }
            for (String word : new String[] {"True", "False", "None"}) {
                if (s.startsWith(word, pos)) {
                    pos += word.length();
                    return switch (word) {
                        case "True" -> Boolean.TRUE;
                        case "False" -> Boolean.FALSE;
                        default -> "None".equals(word) ? NONE : null;
                    };
                }
            }
            throw fail("unexpected character '" + c + "'");
        }

        private String string(char quote) {
            pos++;
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (pos >= s.length()) {
                    throw fail("unterminated string");
                }
                char c = s.charAt(pos++);
                if (c == quote) {
                    return sb.toString();
                }
                if (c == '\\') {
                    if (pos >= s.length()) {
                        throw fail("unterminated string");
                    }
                    char e = s.charAt(pos++);
                    switch (e) {
                        case '\\', '\'', '"' -> sb.append(e);
                        case 'n' -> sb.append('\n');
                        case 't' -> sb.append('\t');
                        default -> throw fail("unsupported escape \\" + e);
                    }
                } else {
                    sb.append(c);
                }
            }
        }

        private boolean peek(char c) {
            if (pos < s.length() && s.charAt(pos) == c) {
                pos++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw fail("expected '" + c + "'");
            }
        }
    }

    /** Python's None. */
    static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };
}
