package org.sparsemixer.loader.npz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Test-only writer of {@code .npy} arrays and {@code .npz} archives following the NumPy format
 * specification (numpy/lib/format.py, "NPY format"): magic {@code \x93NUMPY}, version, little-endian
 * header length, a dict literal {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }}
 * padded with spaces and a final newline so that magic + version + length + header is a multiple of
 * 64 bytes, then the raw data. Archives are zips of {@code NAME.npy} entries, stored (np.savez) or
 * deflated (np.savez_compressed). NumPy is not available here, so this stands in for it.
 */
public final class NpyWriter {
    private NpyWriter() {
    }

    /** The header bytes (magic to newline) for a descr and shape, format version {@code major}.0. */
    public static byte[] header(String descr, int[] shape, int major) {
        StringBuilder shapeText = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            shapeText.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        shapeText.append(shape.length == 1 ? ",)" : ")");
        return rawHeader("{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shapeText + ", }", major);
    }

    /** Any dict text, padded and framed as NumPy does. */
    public static byte[] rawHeader(String dict, int major) {
        int lengthBytes = major == 1 ? 2 : 4;
        int prefix = 6 + 2 + lengthBytes;
        int total = prefix + dict.length() + 1;
        int padded = (total + 63) / 64 * 64;
        String text = dict + " ".repeat(padded - total) + "\n";
        byte[] t = text.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(prefix + t.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(NpyHeader.MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) {
            b.putShort((short) t.length);
        } else {
            b.putInt(t.length);
        }
        return b.put(t).array();
    }

    public static byte[] f4(int[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return concat(header("<f4", shape, 1), b.array());
    }

    public static byte[] f8(int[] shape, double[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            b.putDouble(v);
        }
        return concat(header("<f8", shape, 1), b.array());
    }

    public static byte[] f2(int[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putShort(Float.floatToFloat16(v));
        }
        return concat(header("<f2", shape, 1), b.array());
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Writes a .npz: entry name to entry bytes, stored or deflated. */
    public static Path npz(Path file, Map<String, byte[]> entries, boolean compressed) throws IOException {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry z = new ZipEntry(e.getKey());
                if (!compressed) {
                    z.setMethod(ZipEntry.STORED);
                    z.setSize(e.getValue().length);
                    CRC32 crc = new CRC32();
                    crc.update(e.getValue());
                    z.setCrc(crc.getValue());
                }
                zip.putNextEntry(z);
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return file;
    }

    public static Map<String, byte[]> entries() {
        return new LinkedHashMap<>();
    }
}
