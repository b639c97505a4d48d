package org.sparsemixer.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.loader.ModelTokenizer;
import org.sparsemixer.tokenizer.PackedInput;

/**
 * Inputs from a string column, or from two for text pairs ({@code [CLS] a [SEP] b [SEP]}), tokenized and
 * packed with the model directory's tokenizer ({@link ModelTokenizer}, docs/model-format.md section 4) to
 * the model's sequence length. The tokenizer is loaded once per JVM ({@link TokenizerHolder}); a null text
 * makes the row bad.
 *
 * @param modelDir   the model directory, whose tokenizer files are read
 * @param column     the text column
 * @param pairColumn the second text of each example, or null for single texts
 */
public record TextColumn(String modelDir, String column, String pairColumn) implements RowInput {
    private static final long serialVersionUID = 1L;

    public TextColumn {
        if (column == null || column.isEmpty()) {
            throw new IllegalArgumentException("the text column needs a name");
        }
        if (column.equals(pairColumn)) {
            throw new IllegalArgumentException("the text pair column must differ from the text column " + column);
        }
    }

    /** Single texts from {@code column}. */
    public TextColumn(String modelDir, String column) {
        this(modelDir, column, null);
    }

    private List<String> columns() {
        return pairColumn == null ? List.of(column) : List.of(column, pairColumn);
    }

    @Override
    public String describe() {
        return pairColumn == null ? "text column " + column : "text columns " + column + ", " + pairColumn;
    }

    @Override
    public void checkSchema(StructType schema) {
        for (String name : columns()) {
            int index = IdColumns.fieldIndex(schema, name);
            if (index < 0) {
                throw new IllegalArgumentException("the input has no column " + name + " (a string); its columns are "
                        + String.join(", ", schema.fieldNames()));
            }
            DataType type = schema.fields()[index].dataType();
            if (!type.equals(DataTypes.StringType)) {
                throw new IllegalArgumentException("text column " + name + " has type " + type.simpleString()
                        + "; a string is needed");
            }
        }
    }

    /** Loads the tokenizer (so a model without one fails before any task) and checks a pair fits the type ids. */
    @Override
    public void checkModel(SparseMixerConfig config) {
        TokenizerHolder.tokenizer(modelDir);
        if (pairColumn != null && config.typeVocabSize() < 2) {
            throw new IllegalArgumentException("text pairs (" + describe() + ") need input_type_ids 0 and 1, but the"
                    + " model's type_vocab_size is " + config.typeVocabSize());
        }
    }

    @Override
    public Reader reader(StructType schema, RowRules rules) {
        ModelTokenizer tokenizer = TokenizerHolder.tokenizer(modelDir);
        List<String> names = columns();
        int[] indices = names.stream().mapToInt(name -> IdColumns.fieldIndex(schema, name)).toArray();
        return row -> {
            List<String> texts = new ArrayList<>(indices.length);
            for (int c = 0; c < indices.length; c++) {
                if (row.isNullAt(indices[c])) {
                    return Packed.bad("text column " + names.get(c) + " is null");
                }
                texts.add(row.getString(indices[c]));
            }
            PackedInput input;
            try {
                input = tokenizer.pack(texts);
            } catch (IllegalArgumentException e) {
                return Packed.bad(e.getMessage());
            }
            PackedRow packed = new PackedRow(input.inputWordIds(), input.inputMask(), input.inputTypeIds());
            // The loader checked the tokenizer against the model; the rules are the last word all the same.
            String reason = rules.violation(packed);
            return reason == null ? Packed.ok(packed) : Packed.bad(reason);
        };
    }
}
