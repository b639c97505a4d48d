package org.sparsemixer.loader.keras;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.filter.PipelineFilterWithData;
import io.jhdf.object.datatype.DataType;
import io.jhdf.object.datatype.FixedPoint;
import io.jhdf.object.datatype.FloatingPoint;
import io.jhdf.object.datatype.StringData;
import io.jhdf.object.datatype.VariableLength;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.sparsemixer.engine.kernels.HalfFloats;
import org.sparsemixer.loader.safetensors.DType;

/**
 * A Keras weights file as tf-keras' {@code model.save_weights("....h5")} writes it (its legacy
 * {@code save_weights_to_hdf5_group}), read as untrusted input through the pure-Java HDF5 reader jhdf.
 *
 * <p>The layout: the root attribute {@code layer_names} lists the layers; each has a group of that name
 * whose attribute {@code weight_names} lists its weights as dataset paths relative to the group (a
 * {@code /} in a name nests groups); a layer without weights has an empty float64 {@code weight_names}. A
 * list over 64512 bytes is split into {@code NAME0}, {@code NAME1}, ... String lists are variable-length
 * strings (h5py 3) or fixed-length byte strings (h5py 2.x). Weights the model holds itself are in the group
 * {@code top_level_model_weights}, when present. A whole-model file ({@code model.save("m.h5")}) keeps the
 * same layout under the group {@code model_weights}, which is read instead of the root as tf-keras does.
 * Datasets no list names are ignored, as tf-keras ignores them.
 *
 * <p>Files of up to 2 GiB are read, from one memory-mapped buffer. {@link #open} reads the lists and every listed dataset's type and shape, never its data. Data is read
 * one weight at a time by {@link #floats}, after the caller has checked the shape, so memory stays bounded
 * by what the caller accepts. Only uncompressed datasets (contiguous, compact or chunked, optionally with
 * the shuffle and Fletcher-32 filters) are read: Keras never compresses weights, and a deflate stream could
 * inflate far beyond its dataset's size inside the HDF5 library. Every failure, including the HDF5
 * library's own exceptions, is a {@link KerasH5FormatException} naming the file and the object at fault.
 */
public final class KerasH5File implements AutoCloseable {
    /** Most names accepted in one list and in the whole file. */
    public static final int MAX_NAMES = 1_000_000;
    /** Largest file read: one mapped buffer. */
    public static final long MAX_FILE_BYTES = Integer.MAX_VALUE;
    /** Most elements of one dataset (a Java array). */
    public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    /** The group tf-keras' whole-model {@code .h5} files keep the weights in. */
    static final String MODEL_WEIGHTS = "model_weights";
    /** The group of the weights a model holds itself (not in any layer). */
    public static final String TOP_LEVEL_WEIGHTS = "top_level_model_weights";
    private static final byte[] SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    /** HDF5 filter ids read here: shuffle and Fletcher-32 (neither changes the size of the data). */
    private static final int FILTER_SHUFFLE = 2;
    private static final int FILTER_FLETCHER32 = 3;

    /**
     * One listed weight: the layer whose {@code weight_names} lists it, its name there (the Keras variable
     * name, e.g. {@code sparse_mixer/transformer/layer_0/intermediate/kernel:0}), the dataset's absolute
     * path, its dtype (F16, F32 or F64; null for any other type, described by {@code type}) and its shape.
     */
    public record Weight(String layer, String name, String path, DType dtype, String type, int[] shape) {
        /** Number of elements (the shape's product, checked when opened). */
        public long elementCount() {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private final Path file;
    private final HdfFile hdf;
    private final List<String> layerNames;
    private final String kerasVersion;
    private final List<Weight> weights;
    private final Map<Weight, Dataset> datasets;

    private KerasH5File(Path file, HdfFile hdf, List<String> layerNames, String kerasVersion, List<Weight> weights,
                        Map<Weight, Dataset> datasets) {
        this.file = file;
        this.hdf = hdf;
        this.layerNames = layerNames;
        this.kerasVersion = kerasVersion;
        this.weights = weights;
        this.datasets = datasets;
    }

    /** Opens {@code file} and reads its layer and weight lists and every listed dataset's type and shape. */
    public static KerasH5File open(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString());
        }
        if (!Files.isRegularFile(file)) {
            throw new KerasH5FormatException(file + ": not a regular file");
        }
        checkSignature(file);
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new KerasH5FormatException(file + ": " + size + " bytes; .h5 files of at most " + MAX_FILE_BYTES
                    + " bytes (2 GiB) are read");
        }
        // The HDF5 library reads the file from a mapped buffer, where every metadata read is a slice of it:
        // from a file it would allocate a heap buffer of whatever length a (hostile) header declares.
        ByteBuffer mapped;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
        }
        HdfFile hdf = library(file, "is not a readable HDF5 file", () -> HdfFile.fromByteBuffer(mapped));
        boolean done = false;
        try {
            KerasH5File opened = library(file, "cannot be read as a Keras weights file", () -> read(file, hdf));
            done = true;
            return opened;
        } finally {
            if (!done) {
                hdf.close();
            }
        }
    }

    /**
     * The HDF5 signature at offset 0 or, after a user block, at 512, 1024, 2048, ... (the format's rule): a
     * file without one is refused before the HDF5 library sees it.
     */
    private static void checkSignature(Path file) throws IOException {
        long size = Files.size(file);
        byte[] head = new byte[SIGNATURE.length];
        try (InputStream in = Files.newInputStream(file)) {
            for (long at = 0, read = 0; at + SIGNATURE.length <= size; at = at == 0 ? 512 : at * 2) {
                in.skipNBytes(at - read);
                if (in.readNBytes(head, 0, head.length) < head.length) {
                    break;
                }
                read = at + head.length;
                if (Arrays.equals(head, SIGNATURE)) {
                    return;
                }
            }
        }
        throw new KerasH5FormatException(file + ": not an HDF5 file (no HDF5 signature"
                + (size < SIGNATURE.length ? "; the file has " + size + " bytes)" : ")"));
    }

    private static KerasH5File read(Path file, HdfFile hdf) {
        io.jhdf.Superblock superblock = hdf.getHdfBackingStorage().getSuperblock();
        long end = superblock.getBaseAddressByte() + superblock.getEndOfFileAddress();
        if (superblock.getEndOfFileAddress() >= 0 && end > hdf.size()) {
            // what the HDF5 library itself refuses ("truncated file"); a dataset near the end would be cut short
            throw new KerasH5FormatException(file + " is truncated: its superblock says it ends at byte " + end
                    + " but it has " + hdf.size() + " bytes");
        }
        Group root = hdf;
        if (!hasList(hdf, "layer_names") && hdf.getChild(MODEL_WEIGHTS) instanceof Group g && hasList(g, "layer_names")) {
            root = g;
        }
        String where = root == hdf ? "the root group" : "group '/" + MODEL_WEIGHTS + "'";
        List<String> layers = stringList(file, root, "layer_names", where);
        if (layers == null) {
            throw new KerasH5FormatException(file + ": " + where + " has no attribute 'layer_names': not a Keras"
                    + " weights file as tf-keras' save_weights writes it (Keras 3's .weights.h5 layout is another one)");
        }
        String backend = scalarString(file, root, "backend", where);
        if (backend != null && !backend.equals("tensorflow")) {
            throw new KerasH5FormatException(file + ": attribute 'backend' of " + where + " is '" + backend
                    + "'; only weights saved by the TensorFlow backend are read");
        }
        String kerasVersion = scalarString(file, root, "keras_version", where);

        long fileSize = hdf.size();
        List<Weight> weights = new ArrayList<>();
        Map<Weight, Dataset> datasets = new HashMap<>();
        List<String> groups = new ArrayList<>(layers);
        if (root.getChild(TOP_LEVEL_WEIGHTS) != null) {
            groups.add(TOP_LEVEL_WEIGHTS);
        }
        for (String layer : groups) {
            Group group = layerGroup(file, root, layer);
            String groupWhere = "group '" + group.getPath() + "'";
            List<String> names = stringList(file, group, "weight_names", groupWhere);
            if (names == null) {
                throw new KerasH5FormatException(file + ": " + groupWhere + " (layer '" + layer
                        + "') has no attribute 'weight_names'");
            }
            for (String name : names) {
                if (weights.size() >= MAX_NAMES) {
                    throw new KerasH5FormatException(file + ": lists more than " + MAX_NAMES + " weights");
                }
                Dataset ds = dataset(file, group, layer, name);
                Weight w = describe(file, fileSize, layer, name, ds);
                weights.add(w);
                datasets.put(w, ds);
            }
        }
        return new KerasH5File(file, hdf, List.copyOf(layers), kerasVersion, Collections.unmodifiableList(weights),
                datasets);
    }

    private static Group layerGroup(Path file, Group root, String layer) {
        if (layer.isEmpty()) {
            throw new KerasH5FormatException(file + ": attribute 'layer_names' lists an empty layer name");
        }
        Node node = child(root, layer);
        if (node == null) {
            throw new KerasH5FormatException(file + ": layer '" + layer + "' is listed in 'layer_names' but has no group");
        }
        if (!(node instanceof Group g)) {
            throw new KerasH5FormatException(file + ": layer '" + layer + "': '" + node.getPath()
                    + "' is not a group");
        }
        return g;
    }

    private static Dataset dataset(Path file, Group group, String layer, String name) {
        String what = file + ": weight '" + name + "' of layer '" + layer + "'";
        if (name.isEmpty() || name.startsWith("/")) {
            throw new KerasH5FormatException(what + ": not a dataset path relative to group '" + group.getPath() + "'");
        }
        Node node = child(group, name);
        if (node == null) {
            throw new KerasH5FormatException(what + " is listed in 'weight_names' but there is no dataset '"
                    + group.getPath() + name + "'");
        }
        if (!(node instanceof Dataset ds)) {
            throw new KerasH5FormatException(what + ": '" + node.getPath() + "' is not a dataset");
        }
        return ds;
    }

    /** The node at {@code path} (components separated by {@code /}) under {@code group}, or null. */
    private static Node child(Group group, String path) {
        Node node = group;
        for (String part : path.split("/", -1)) {
            if (!(node instanceof Group g) || part.isEmpty()) {
                return null;
            }
            node = g.getChild(part);
        }
        return node;
    }

    private static Weight describe(Path file, long fileSize, String layer, String name, Dataset ds) {
        DataType type = ds.getDataType();
        DType dtype = null;
        String typeName;
        if (type instanceof FloatingPoint fp) {
            dtype = ieee(fp);
            typeName = dtype != null ? dtype.name().toLowerCase(java.util.Locale.ROOT)
                    : "a " + 8 * fp.getSize() + "-bit floating-point format other than IEEE 754";
        } else if (type instanceof FixedPoint fx) {
            typeName = (fx.isSigned() ? "int" : "uint") + 8 * fx.getSize();
        } else if (type instanceof StringData || type instanceof VariableLength) {
            typeName = "string";
        } else {
            typeName = type.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
        }
        int[] shape = ds.isScalar() ? new int[0] : ds.getDimensions();
        long count = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new KerasH5FormatException(file + ": dataset '" + ds.getPath() + "' has a negative dimension "
                        + Arrays.toString(shape));
            }
            count = Math.multiplyHigh(count, d) != 0 ? Long.MAX_VALUE : Math.min(Long.MAX_VALUE, count * d);
        }
        if (count > MAX_ELEMENTS) {
            throw new KerasH5FormatException(file + ": dataset '" + ds.getPath() + "' has shape " + Arrays.toString(shape)
                    + ", more than " + MAX_ELEMENTS + " elements");
        }
        if (dtype != null && count * dtype.size() > fileSize) {
            // uncompressed data must be in the file: this bounds what reading it allocates by the file's size
            throw new KerasH5FormatException(file + ": dataset '" + ds.getPath() + "' (" + typeName + " "
                    + Arrays.toString(shape) + ") needs " + count * dtype.size() + " bytes but the file has " + fileSize);
        }
        return new Weight(layer, name, ds.getPath(), dtype, typeName, shape);
    }

    /** F16, F32 or F64 for an IEEE 754 binary16/32/64 layout (any byte order), else null. */
    private static DType ieee(FloatingPoint fp) {
        DType d = switch (fp.getSize()) {
            case 2 -> DType.F16;
            case 4 -> DType.F32;
            case 8 -> DType.F64;
            default -> null;
        };
        if (d == null) {
            return null;
        }
        int exponent = d == DType.F16 ? 5 : d == DType.F32 ? 8 : 11;
        int mantissa = 8 * fp.getSize() - 1 - exponent;
        boolean standard = fp.getBitOffset() == 0 && fp.getBitPrecision() == 8 * fp.getSize()
                && fp.getExponentSize() == exponent && fp.getMantissaSize() == mantissa
                && fp.getMantissaLocation() == 0 && fp.getExponentLocation() == mantissa
                && fp.getSignLocation() == 8 * fp.getSize() - 1 && fp.getExponentBias() == (1 << (exponent - 1)) - 1;
        return standard ? d : null;
    }

    private static boolean hasList(Group group, String name) {
        return group.getAttribute(name) != null || group.getAttribute(name + "0") != null;
    }

    /**
     * The string list in attribute {@code name}, or split over {@code name0}, {@code name1}, ... (as tf-keras'
     * {@code load_attributes_from_hdf5_group} reads it); null when there is neither. An empty numeric array
     * is the empty list.
     */
    static List<String> stringList(Path file, Node node, String name, String where) {
        Map<String, Attribute> attributes = node.getAttributes();
        Attribute whole = attributes.get(name);
        if (whole != null) {
            return strings(file, whole, where);
        }
        if (attributes.get(name + "0") == null) {
            return null;
        }
        List<String> all = new ArrayList<>();
        for (int chunk = 0; attributes.get(name + chunk) != null; chunk++) {
            all.addAll(strings(file, attributes.get(name + chunk), where));
            if (all.size() > MAX_NAMES) {
                throw new KerasH5FormatException(file + ": attribute '" + name + "' of " + where + " lists more than "
                        + MAX_NAMES + " names");
            }
        }
        return all;
    }

    private static List<String> strings(Path file, Attribute a, String where) {
        String what = file + ": attribute '" + a.getName() + "' of " + where;
        DataType type = a.getDataType();
        int[] dims = a.getDimensions();
        boolean text = type instanceof StringData || type instanceof VariableLength v && v.isVariableLengthString();
        if (!text) {
            if ((type instanceof FloatingPoint || type instanceof FixedPoint) && dims.length == 1 && dims[0] == 0) {
                return List.of();   // what tf-keras writes for a layer without weights: np.asarray([]), float64
            }
            throw new KerasH5FormatException(what + " is not a list of strings (" + type.getClass().getSimpleName()
                    + " " + Arrays.toString(dims) + ")");
        }
        if (dims.length != 1) {
            throw new KerasH5FormatException(what + " is not a one-dimensional list of strings (shape "
                    + Arrays.toString(dims) + ")");
        }
        if (dims[0] > MAX_NAMES) {
            throw new KerasH5FormatException(what + " lists " + dims[0] + " names, more than " + MAX_NAMES);
        }
        if (dims[0] == 0) {
            return List.of();
        }
        if (!(a.getData() instanceof String[] values)) {
            throw new KerasH5FormatException(what + " cannot be read as strings");
        }
        for (String v : values) {
            if (v == null) {
                throw new KerasH5FormatException(what + " holds a null string");
            }
        }
        return List.of(values);
    }

    /** A scalar string attribute (or a one-element list), or null when absent. */
    private static String scalarString(Path file, Group group, String name, String where) {
        Attribute a = group.getAttribute(name);
        if (a == null) {
            return null;
        }
        DataType type = a.getDataType();
        Object data = type instanceof StringData || type instanceof VariableLength v && v.isVariableLengthString()
                ? a.getData() : null;
        if (data instanceof String s) {
            return s;
        }
        if (data instanceof String[] list && list.length == 1 && list[0] != null) {
            return list[0];
        }
        throw new KerasH5FormatException(file + ": attribute '" + name + "' of " + where + " is not a string");
    }

    /** Runs a call into the HDF5 library, turning whatever it throws into a {@link KerasH5FormatException}. */
    private static <T> T library(Path file, String problem, Supplier<T> call) {
        try {
            return call.get();
        } catch (KerasH5FormatException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new KerasH5FormatException(file + " " + problem + " (" + oneLine(detail) + ")", e);
        }
    }

    private static String oneLine(String s) {
        String line = s.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }

    public Path file() {
        return file;
    }

    /** The layers of {@code layer_names}, in file order. */
    public List<String> layerNames() {
        return layerNames;
    }

    /** The {@code keras_version} attribute, or null. */
    public String kerasVersion() {
        return kerasVersion;
    }

    /**
     * Every listed weight in file order: the layers of {@code layer_names}, then {@code top_level_model_weights};
     * within a layer the order of its {@code weight_names}. A name may repeat (a variable shared by two layers).
     */
    public List<Weight> weights() {
        return weights;
    }

    /**
     * The weight's values as float32, rounded once to nearest even to {@code precision} (F32, BF16 or F16;
     * a float64 value is rounded once, not through float32).
     *
     * @throws KerasH5FormatException for a weight that is not IEEE float16/32/64, a compressed dataset, or
     *                                data the file does not hold
     */
    public float[] floats(Weight w, DType precision) {
        Object flat = data(w);
        if (flat instanceof float[] f) {
            if (precision == DType.BF16 || precision == DType.F16) {
                for (int i = 0; i < f.length; i++) {
                    f[i] = precision == DType.BF16 ? HalfFloats.roundToBf16(f[i]) : HalfFloats.roundToF16(f[i]);
                }
            }
            return f;
        }
        double[] d = (double[]) flat;
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = switch (precision) {
                case BF16 -> HalfFloats.bf16ToFloat(HalfFloats.toBf16Bits(d[i]));
                case F16 -> HalfFloats.f16ToFloat(HalfFloats.toF16Bits(d[i]));
                default -> (float) d[i];
            };
        }
        return out;
    }

    /**
     * Whether two weights hold the same values: same dtype, same shape, and bit for bit the same elements
     * (NaNs compare equal). Reads both.
     */
    public boolean sameValues(Weight a, Weight b) {
        if (a.path().equals(b.path())) {
            return true;
        }
        if (a.dtype() != b.dtype() || !Arrays.equals(a.shape(), b.shape())) {
            return false;
        }
        Object x = data(a);
        Object y = data(b);
        return x instanceof float[] f ? Arrays.equals(f, (float[]) y) : Arrays.equals((double[]) x, (double[]) y);
    }

    /** The dataset's elements as jhdf reads them: float[] for F16 and F32, double[] for F64. */
    private Object data(Weight w) {
        Dataset ds = datasets.get(w);
        if (ds == null) {
            throw new IllegalArgumentException(file + ": weight '" + w.name() + "' is not one of this file's");
        }
        if (w.dtype() == null) {
            throw new KerasH5FormatException(file + ": weight '" + w.name() + "' (dataset '" + w.path() + "') is "
                    + w.type() + ", not float16, float32 or float64");
        }
        String what = "cannot read dataset '" + w.path() + "'";
        List<PipelineFilterWithData> filters = library(file, what, ds::getFilters);
        for (PipelineFilterWithData f : filters) {
            if (f.getId() != FILTER_SHUFFLE && f.getId() != FILTER_FLETCHER32) {
                throw new KerasH5FormatException(file + ": dataset '" + w.path() + "' is compressed with HDF5 filter "
                        + f.getId() + " (" + f.getName() + "); only uncompressed datasets are read (Keras writes them"
                        + " so; h5repack -f NONE rewrites a file without compression)");
            }
        }
        int n = Math.toIntExact(w.elementCount());
        Object flat = n == 0 ? (w.dtype() == DType.F64 ? new double[0] : new float[0]) : library(file, what, ds::getDataFlat);
        int length = flat instanceof float[] f ? f.length : flat instanceof double[] d ? d.length : -1;
        if (length != n || (w.dtype() == DType.F64) != (flat instanceof double[])) {
            throw new KerasH5FormatException(file + ": dataset '" + w.path() + "' read as "
                    + (flat == null ? "nothing" : flat.getClass().getSimpleName() + " of " + length + " elements")
                    + " but its shape " + Arrays.toString(w.shape()) + " and type " + w.type() + " say " + n);
        }
        return flat;
    }

    @Override
    public void close() {
        hdf.close();
    }
}
