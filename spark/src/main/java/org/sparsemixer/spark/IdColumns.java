package org.sparsemixer.spark;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.sparsemixer.engine.EncoderInput;

/**
 * Inputs from three integer-array columns, by default {@code input_word_ids}, {@code input_mask} and
 * {@code input_type_ids}. Any integral element type is accepted (JSON schema inference gives
 * {@code array<bigint>}); a value outside int range, a null array or a null element makes the row bad.
 */
public record IdColumns(String wordIds, String mask, String typeIds) implements RowInput {
    private static final long serialVersionUID = 1L;

    public static IdColumns standard() {
        return new IdColumns(EncoderInput.INPUT_WORD_IDS, EncoderInput.INPUT_MASK, EncoderInput.INPUT_TYPE_IDS);
    }

    @Override
    public String describe() {
        return "id columns " + wordIds + ", " + mask + ", " + typeIds;
    }

    @Override
    public void checkSchema(StructType schema) {
        for (String name : List.of(wordIds, mask, typeIds)) {
            int index = fieldIndex(schema, name);
            if (index < 0) {
                throw new IllegalArgumentException("the input has no column " + name + " (an array of ints); its columns are "
                        + String.join(", ", schema.fieldNames()));
            }
            DataType type = schema.fields()[index].dataType();
            if (!(type instanceof ArrayType array) || !isIntegral(array.elementType())) {
                throw new IllegalArgumentException("input column " + name + " has type " + type.simpleString()
                        + "; an array of integers (array<int> or array<bigint>) is needed");
            }
        }
    }

    @Override
    public Reader reader(StructType schema, RowRules rules) {
        int w = fieldIndex(schema, wordIds);
        int m = fieldIndex(schema, mask);
        int t = fieldIndex(schema, typeIds);
        return row -> {
            int[][] columns = new int[3][];
            String[] names = {wordIds, mask, typeIds};
            int[] indices = {w, m, t};
            for (int c = 0; c < 3; c++) {
                if (row.isNullAt(indices[c])) {
                    return Packed.bad(names[c] + " is null");
                }
                List<Object> values = row.getList(indices[c]);
                int[] ints = new int[values.size()];
                for (int i = 0; i < ints.length; i++) {
                    Object v = values.get(i);
                    if (v == null) {
                        return Packed.bad(names[c] + "[" + i + "] is null");
                    }
                    long value = ((Number) v).longValue();
                    if (value != (int) value) {
                        return Packed.bad(names[c] + "[" + i + "] = " + value + " is outside the int range");
                    }
                    ints[i] = (int) value;
                }
                columns[c] = ints;
            }
            PackedRow packed = new PackedRow(columns[0], columns[1], columns[2]);
            String reason = rules.violation(packed);
            return reason == null ? Packed.ok(packed) : Packed.bad(reason);
        };
    }

    static int fieldIndex(StructType schema, String name) {
        StructField[] fields = schema.fields();
        for (int i = 0; i < fields.length; i++) {
            if (fields[i].name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isIntegral(DataType type) {
        return type.equals(DataTypes.IntegerType) || type.equals(DataTypes.LongType)
                || type.equals(DataTypes.ShortType) || type.equals(DataTypes.ByteType);
    }
}
