package org.sparsemixer.loader.safetensors;

import java.util.Arrays;

/**
 * One tensor of a safetensors header, already validated.
 *
 * @param begin byte offset of the first element, relative to the start of the data buffer
 * @param end   byte offset one past the last element; {@code end - begin == elementCount * dtype.size()}
 */
public record TensorInfo(String name, DType dtype, int[] shape, long begin, long end) {
    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int axis) {
        return shape[axis];
    }

    public long elementCount() {
        long n = 1;
        for (int d : shape) {
            n = Math.multiplyExact(n, (long) d);
        }
        return n;
    }

    public long byteLength() {
        return end - begin;
    }

    public boolean hasShape(int[] expected) {
        return Arrays.equals(shape, expected);
    }

    /** "[2, 3]". */
    public static String shapeString(int[] shape) {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + shapeString(shape) + " @[" + begin + ", " + end + ")";
    }
}
