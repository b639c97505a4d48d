package org.sparsemixer.loader.npz;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.sparsemixer.engine.kernels.HalfFloats;
import org.sparsemixer.loader.safetensors.DType;

/**
 * A NumPy {@code .npz} archive (what {@code np.savez} writes: a zip, stored or deflated, of one
 * {@code NAME.npy} entry per array), read as untrusted input. {@link #open} reads the zip's central
 * directory and every entry's {@code .npy} header ({@link NpyHeader}) without reading array data; an
 * entry whose declared uncompressed size differs from what its header's shape needs is refused, and data
 * reads stop at exactly the bytes the shape needs, so a zip bomb or a lying entry never makes the reader
 * inflate or allocate more than the header (checked by the caller against the model's shapes) says.
 */
public final class NpzArchive implements AutoCloseable {
    /** Most entries accepted (a model has a few hundred arrays). */
    public static final int MAX_ENTRIES = 100_000;
    private static final int CHUNK = 1 << 16;

    /** One array: its zip entry, its name (the entry name without {@code .npy}) and its header. */
    public record Array(String entryName, String name, NpyHeader header) {
    }

    private final Path file;
    private final ZipFile zip;
    private final Map<String, Array> arrays;

    private NpzArchive(Path file, ZipFile zip, Map<String, Array> arrays) {
        this.file = file;
        this.zip = zip;
        this.arrays = arrays;
    }

    public static NpzArchive open(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString());
        }
        if (!Files.isRegularFile(file)) {
            throw new NpyFormatException(null, file + ": not a regular file");
        }
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new NpyFormatException(null, file + ": not a NumPy .npz archive (not a valid zip file: " + e.getMessage() + ")");
        }
        boolean done = false;
        try {
            Map<String, Array> arrays = new LinkedHashMap<>();
            int count = 0;
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (++count > MAX_ENTRIES) {
                    throw new NpyFormatException(null, file + ": has more than " + MAX_ENTRIES + " entries");
                }
                String entryName = e.getName();
                if (e.isDirectory()) {
                    throw NpyHeader.error(entryName, file.toString(), "is a directory; a .npz archive holds only .npy files");
                }
                if (!entryName.endsWith(".npy")) {
                    throw NpyHeader.error(entryName, file.toString(), "is not a .npy array (its name does not end in .npy)");
                }
                String name = entryName.substring(0, entryName.length() - 4);
                if (arrays.containsKey(name)) {
                    throw NpyHeader.error(entryName, file.toString(), "appears twice in the archive");
                }
                NpyHeader header;
                try (InputStream in = zip.getInputStream(e)) {
                    header = NpyHeader.read(in, entryName, file.toString());
                } catch (ZipException z) {
                    throw NpyHeader.error(entryName, file.toString(), "cannot be read: " + z.getMessage());
                }
                long needed = header.headerBytes() + header.dataBytes();
                if (e.getSize() >= 0 && e.getSize() != needed) {
                    throw NpyHeader.error(entryName, file.toString(), "is " + e.getSize() + " bytes uncompressed but its"
                            + " header (" + header.descr() + ", shape " + java.util.Arrays.toString(header.shape())
                            + ") needs " + needed);
                }
                arrays.put(name, new Array(entryName, name, header));
            }
            done = true;
            return new NpzArchive(file, zip, Collections.unmodifiableMap(arrays));
        } finally {
            if (!done) {
                zip.close();
            }
        }
    }

    public Path file() {
        return file;
    }

    /** Every array by name (entry name without {@code .npy}), in archive order. */
    public Map<String, Array> arrays() {
        return arrays;
    }

    /**
     * The array's values as float32, rounded once to nearest even to the precision of {@code precision}
     * (F32, BF16 or F16). Reads exactly the bytes its header's shape needs; an entry that ends early or has
     * bytes after them is an error naming it.
     */
    public float[] floats(String name, DType precision) throws IOException {
        Array a = arrays.get(name);
        if (a == null) {
            throw new NpyFormatException(name, file + ": no array '" + name + "'");
        }
        NpyHeader h = a.header();
        long n = h.elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw NpyHeader.error(a.entryName(), file.toString(), "has " + n + " elements, too many for one Java array");
        }
        float[] out = new float[(int) n];
        int size = h.dtype().size();
        ZipEntry entry = zip.getEntry(a.entryName());
        try (InputStream in = zip.getInputStream(entry)) {
            in.skipNBytes(h.headerBytes());
            byte[] chunk = new byte[(int) Math.min(CHUNK, Math.max(size, n * size))];
            ByteBuffer buf = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
            int perChunk = chunk.length / size;
            for (int i = 0; i < n; i += perChunk) {
                int len = (int) Math.min(perChunk, n - i);
                if (in.readNBytes(chunk, 0, len * size) < len * size) {
                    throw new EOFException();
                }
                for (int j = 0; j < len; j++) {
                    out[i + j] = switch (h.dtype()) {
                        case F32 -> round(buf.getFloat(4 * j), precision);
                        case F16 -> round(HalfFloats.f16ToFloat(buf.getShort(2 * j)), precision);
                        case F64 -> {
                            double d = buf.getDouble(8 * j);
                            yield switch (precision) {
                                case BF16 -> HalfFloats.bf16ToFloat(HalfFloats.toBf16Bits(d));
                                case F16 -> HalfFloats.f16ToFloat(HalfFloats.toF16Bits(d));
                                default -> (float) d;
                            };
                        }
                        default -> throw new AssertionError(h.dtype());
                    };
                }
            }
            if (in.read() >= 0) {
                throw NpyHeader.error(a.entryName(), file.toString(), "has bytes after the " + n + " elements its shape "
                        + java.util.Arrays.toString(h.shape()) + " needs");
            }
        } catch (EOFException e) {
            throw NpyHeader.error(a.entryName(), file.toString(), "ends before the " + n + " elements its shape "
                    + java.util.Arrays.toString(h.shape()) + " needs");
        } catch (ZipException e) {
            throw NpyHeader.error(a.entryName(), file.toString(), "cannot be read: " + e.getMessage());
        }
        return out;
    }

    private static float round(float v, DType precision) {
        return switch (precision) {
            case BF16 -> HalfFloats.roundToBf16(v);
            case F16 -> HalfFloats.roundToF16(v);
            default -> v;
        };
    }

    @Override
    public void close() throws IOException {
        zip.close();
    }
}
