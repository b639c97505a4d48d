package org.sparsemixer.bench.onnx;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Builds an ONNX graph node by node and writes it as a {@code ModelProto} (field numbers from
 * onnx/onnx.proto). Value names are generated; every helper returns the name of the value it produced.
 */
final class OnnxGraph {
    static final int FLOAT = 1;
    static final int INT32 = 6;
    static final int INT64 = 7;
    /** com.microsoft contrib-op domain, for optional ORT-specific ops. */
    static final String MS_DOMAIN = "com.microsoft";

    private final List<Proto> nodes = new ArrayList<>();
    private final List<Proto> initializers = new ArrayList<>();
    private final List<Proto> inputs = new ArrayList<>();
    private final List<Proto> outputs = new ArrayList<>();
    private boolean usesMsDomain;
    private int counter;

    /** An attribute of a node. */
    record Attr(Proto proto) {
        static Attr i(String name, long value) {
            return new Attr(new Proto().string(1, name).varint(3, value).varint(20, 2));
        }

        static Attr f(String name, float value) {
            return new Attr(new Proto().string(1, name).fixed32Float(2, value).varint(20, 1));
        }

        static Attr s(String name, String value) {
            return new Attr(new Proto().string(1, name).string(4, value).varint(20, 3));
        }

        static Attr ints(String name, long... values) {
            Proto p = new Proto().string(1, name);
            for (long v : values) {
                p.varint(8, v);
            }
            return new Attr(p.varint(20, 7));
        }

        static Attr tensor(String name, Proto tensor) {
            return new Attr(new Proto().string(1, name).message(5, tensor).varint(20, 4));
        }
    }

    String fresh(String hint) {
        return hint + "_" + (counter++);
    }

    /** A graph input of the given element type and fixed shape. */
    void input(String name, int elemType, long... dims) {
        inputs.add(valueInfo(name, elemType, dims));
    }

    /** Declares {@code value} as a graph output named {@code name} (adds an Identity when they differ). */
    void output(String value, String name, int elemType, long... dims) {
        if (!value.equals(name)) {
            nodes.add(nodeProto("Identity", "", new String[] {value}, new String[] {name}));
        }
        outputs.add(valueInfo(name, elemType, dims));
    }

    /** A float initializer whose values are produced while the model is written. */
    String floats(String hint, long[] dims, Supplier<float[]> values) {
        String name = fresh(hint);
        long count = 1;
        for (long d : dims) {
            count *= d;
        }
        Proto t = tensorHeader(name, FLOAT, dims);
        t.lazyFloats(9, count, values);
        initializers.add(t);
        return name;
    }

    /** A float initializer from values already in memory. */
    String floats(String hint, long[] dims, float[] values) {
        return floats(hint, dims, () -> values);
    }

    String scalar(float value) {
        return floats("c", new long[0], new float[] {value});
    }

    /** A 1-D int64 initializer (shapes, axes, k). */
    String int64s(long... values) {
        return int64Tensor(new long[] {values.length}, values);
    }

    String int64Tensor(long[] dims, long[] values) {
        String name = fresh("i");
        ByteBuffer buf = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            buf.putLong(v);
        }
        Proto t = tensorHeader(name, INT64, dims);
        t.bytes(9, buf.array());
        initializers.add(t);
        return name;
    }

    /** A tensor literal for attributes such as ConstantOfShape's {@code value}. */
    static Proto floatLiteral(float value) {
        Proto t = new Proto().varint(1, 1).varint(2, FLOAT).string(8, "value");
        ByteBuffer buf = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value);
        return t.bytes(9, buf.array());
    }

    /** A single-output node of the default domain; returns the output's name. */
    String op(String type, String[] in, Attr... attrs) {
        return opIn("", type, in, attrs);
    }

    String opIn(String domain, String type, String[] in, Attr... attrs) {
        return opMulti(domain, type, in, 1, attrs)[0];
    }

    String[] opMulti(String domain, String type, String[] in, int numOutputs, Attr... attrs) {
        String[] out = new String[numOutputs];
        for (int i = 0; i < numOutputs; i++) {
            out[i] = fresh(type.toLowerCase());
        }
        Proto n = nodeProto(type, domain, in, out);
        for (Attr a : attrs) {
            n.message(5, a.proto());
        }
        if (MS_DOMAIN.equals(domain)) {
            usesMsDomain = true;
        }
        nodes.add(n);
        return out;
    }

    private Proto nodeProto(String type, String domain, String[] in, String[] out) {
        Proto n = new Proto();
        for (String s : in) {
            n.string(1, s);
        }
        for (String s : out) {
            n.string(2, s);
        }
        n.string(3, fresh("n_" + type));
        n.string(4, type);
        if (!domain.isEmpty()) {
            n.string(7, domain);
        }
        return n;
    }

    private static Proto tensorHeader(String name, int type, long[] dims) {
        Proto t = new Proto();
        for (long d : dims) {
            t.varint(1, d);
        }
        t.varint(2, type);
        t.string(8, name);
        return t;
    }

    private static Proto valueInfo(String name, int elemType, long[] dims) {
        Proto shape = new Proto();
        for (long d : dims) {
            shape.message(1, new Proto().varint(1, d));
        }
        Proto tensorType = new Proto().varint(1, elemType).message(2, shape);
        return new Proto().string(1, name).message(2, new Proto().message(1, tensorType));
    }

    /** Writes the model: IR version {@code irVersion}, the default opset {@code opset} (plus com.microsoft 1 when used). */
    void write(Path file, String graphName, long irVersion, long opset) throws IOException {
        Proto graph = new Proto();
        for (Proto n : nodes) {
            graph.message(1, n);
        }
        graph.string(2, graphName);
        for (Proto t : initializers) {
            graph.message(5, t);
        }
        for (Proto i : inputs) {
            graph.message(11, i);
        }
        for (Proto o : outputs) {
            graph.message(12, o);
        }
        Proto model = new Proto()
                .varint(1, irVersion)
                .string(2, "sparse-mixer-java")
                .string(3, "0.1")
                .message(7, graph)
                .message(8, new Proto().string(1, "").varint(2, opset));
        if (usesMsDomain) {
            model.message(8, new Proto().string(1, MS_DOMAIN).varint(2, 1));
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            model.writeTo(out);
        }
    }
}
