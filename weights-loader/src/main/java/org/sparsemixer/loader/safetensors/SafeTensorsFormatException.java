package org.sparsemixer.loader.safetensors;

import java.nio.file.Path;
import org.sparsemixer.engine.InvalidModelException;

/**
 * A safetensors file (or a sharded model's index) that breaks a rule of the format, or holds a tensor
 * that cannot be read as asked. It names the file, the tensor when there is one, and the {@link Rule}.
 */
public class SafeTensorsFormatException extends InvalidModelException {
    /** The rules a file can break, after those of the reference implementation (huggingface/safetensors). */
    public enum Rule {
        /** The path is a directory or another non-regular file. */
        NOT_A_REGULAR_FILE("not a regular file"),
        /** Fewer than the 8 bytes of the header length. */
        FILE_TOO_SHORT("file shorter than the 8-byte header length"),
        /** The header length is above {@link SafeTensorsFile#MAX_HEADER_BYTES} (or negative as a signed number). */
        HEADER_TOO_LARGE("header larger than 100 MB"),
        /** The header length points past the end of the file. */
        HEADER_PAST_END("header past the end of the file"),
        HEADER_NOT_UTF8("header not UTF-8"),
        /** The header is not JSON (syntax, trailing tokens, nesting too deep, a key repeated inside an entry). */
        HEADER_NOT_JSON("header not JSON"),
        HEADER_NOT_OBJECT("header not a JSON object"),
        /** Two header entries with the same tensor name. */
        DUPLICATE_TENSOR("duplicate tensor name"),
        /** {@code __metadata__} is not a string-to-string map. */
        BAD_METADATA("__metadata__ not a string-to-string map"),
        /** A tensor entry that is not an object, or lacks or mistypes dtype or shape. */
        BAD_TENSOR_ENTRY("malformed tensor entry"),
        UNKNOWN_DTYPE("unknown dtype"),
        /** A dimension that is negative, not an integer, or above 2^31 - 1. */
        BAD_DIMENSION("negative or non-integer dimension"),
        /** The element count or byte size does not fit in 64 bits. */
        SIZE_OVERFLOW("size overflowing 64 bits"),
        /** A packed sub-byte dtype (F4, F6) whose elements do not end on a byte boundary. */
        SUB_BYTE_SIZE("sub-byte tensor not ending on a byte boundary"),
        /** {@code data_offsets} missing, or not a pair of non-negative integers. */
        OFFSETS_MISSING("data_offsets missing or malformed"),
        /** begin > end. */
        OFFSETS_REVERSED("data_offsets reversed"),
        /** An offset past the end of the data buffer. */
        OFFSETS_OUT_OF_BOUNDS("data_offsets past the end of the file"),
        OFFSETS_OVERLAP("overlapping data_offsets"),
        /** Unused bytes between two tensors. */
        OFFSETS_GAP("hole between tensors"),
        /** The first tensor does not start at byte 0 of the data buffer. */
        OFFSETS_NOT_FROM_ZERO("data not starting at offset 0"),
        /** Bytes after the last tensor. */
        TRAILING_BYTES("trailing bytes after the last tensor"),
        /** end - begin differs from elements x dtype size. */
        SIZE_MISMATCH("byte size not elements x dtype size"),
        // ---- reading
        NO_SUCH_TENSOR("no such tensor"),
        /** The tensor's dtype cannot be read as asked (e.g. I32 where a float is needed). */
        WRONG_DTYPE("unsupported dtype for this use"),
        /** An I64 value outside the int range. */
        VALUE_OUT_OF_RANGE("value outside the int range"),
        /** More elements than one Java array holds. */
        TOO_LARGE("tensor too large for one array"),
        /** The file shrank or vanished after it was opened. */
        FILE_CHANGED("file changed while open"),
        // ---- sharded models: model.safetensors.index.json
        INDEX_TOO_LARGE("index file too large"),
        /** Not UTF-8 JSON, not an object, a repeated key, or no {@code weight_map} string-to-string map. */
        INDEX_MALFORMED("malformed index"),
        /** A shard path that is absolute, has {@code ..} or otherwise leaves the model directory. */
        INDEX_PATH_OUTSIDE("shard path outside the model directory"),
        INDEX_MISSING_SHARD("shard file missing"),
        INDEX_TOO_MANY_SHARDS("too many shards"),
        /** A tensor the index puts in one shard but that is not there, is elsewhere, or is in several shards. */
        INDEX_TENSOR_MISPLACED("tensor not in exactly the shard the index names");

        private final String description;

        Rule(String description) {
            this.description = description;
        }

        /** A few words naming the rule. */
        public String description() {
            return description;
        }
    }

    private final Rule rule;
    private final Path file;
    private final String tensor;

    public SafeTensorsFormatException(Rule rule, Path file, String tensor, String message) {
        super(message);
        this.rule = rule;
        this.file = file;
        this.tensor = tensor;
    }

    public SafeTensorsFormatException(Rule rule, Path file, String tensor, String message, Throwable cause) {
        super(message, cause);
        this.rule = rule;
        this.file = file;
        this.tensor = tensor;
    }

    /** The rule broken. */
    public Rule rule() {
        return rule;
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }

    /** The tensor at fault, or null when the problem is not about one tensor. */
    public String tensor() {
        return tensor;
    }
}
