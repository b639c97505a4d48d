package org.sparsemixer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsemixer.tokenizer.sentencepiece.ModelFormatException;

/** Broken {@code .model} files end in a {@link ModelFormatException} naming the field, never in a wrong model. */
class SentencePieceModelFormatTest {

    /** A tiny protobuf writer to build models field by field. */
    static final class Proto {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto varint(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) (v & 0x7F) | 0x80);
                v >>>= 7;
            }
            out.write((int) v);
            return this;
        }

        Proto tag(int field, int wireType) {
            return varint((long) field << 3 | wireType);
        }

        Proto bytes(int field, byte[] b) {
            tag(field, 2).varint(b.length);
            out.writeBytes(b);
            return this;
        }

        Proto string(int field, String s) {
            return bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        Proto message(int field, Proto m) {
            return bytes(field, m.toByteArray());
        }

        Proto uint(int field, long v) {
            return tag(field, 0).varint(v);
        }

        Proto fixed32(int field, float f) {
            tag(field, 5);
            int bits = Float.floatToIntBits(f);
            for (int i = 0; i < 4; i++) {
                out.write(bits >>> (8 * i) & 0xFF);
            }
            return this;
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }

    static Proto piece(String text, float score, int type) {
        return new Proto().string(1, text).fixed32(2, score).uint(3, type);
    }

    /** A minimal unigram model: {@code <unk>}, {@code ▁}, {@code a}, {@code b}, {@code ▁ab}, identity normalizer. */
    static Proto tinyModel() {
        return new Proto()
                .message(1, piece("<unk>", 0f, 2))
                .message(1, piece("\u2581", -1f, 1))
                .message(1, piece("a", -2f, 1))
                .message(1, piece("b", -2f, 1))
                .message(1, piece("\u2581ab", -1.5f, 1))
                .message(2, new Proto().uint(3, 1))
                .message(3, new Proto().string(1, "identity"));
    }

    private static String failure(byte[] model) {
        return assertThrows(ModelFormatException.class, () -> SentencePieceTokenizer.fromBytes(model)).getMessage();
    }

    @Test
    void aHandBuiltModelEncodes() throws IOException {
        SentencePieceTokenizer t = SentencePieceTokenizer.fromBytes(tinyModel().toByteArray());
        Tokens tokens = t.encode("ab ba c");
        // as sentencepiece 0.2.2 encodes it (checked by hand too: ▁ab at -1.5 beats ▁ a b at -5; "c" is unknown)
        assertArrayEquals(new int[] {4, 1, 3, 2, 1, 0}, tokens.ids(), tokens.pieces().toString());
        assertEquals(java.util.List.of("\u2581ab", "\u2581", "b", "a", "\u2581", "c"), tokens.pieces());
    }

    @Test
    void truncatedLengthIsRefusedNamingTheField() {
        byte[] model = new Proto().tag(1, 2).varint(0xFFFFFFFFL).toByteArray();
        assertTrue(failure(model).contains("ModelProto.pieces(#1): length 4294967295 exceeds"), failure(model));
    }

    @Test
    void hugeLengthInsideAPieceIsRefused() {
        byte[] inner = new Proto().tag(1, 2).varint(Long.MAX_VALUE).toByteArray();
        byte[] model = new Proto().bytes(1, inner).toByteArray();
        assertTrue(failure(model).contains("ModelProto.SentencePiece.piece(#1)"), failure(model));
    }

    @Test
    void wrongWireTypeIsRefused() {
        byte[] model = new Proto().uint(1, 7).toByteArray();
        assertTrue(failure(model).contains("ModelProto.pieces(#1): wire type 0, expected 2"), failure(model));
        byte[] score = new Proto().message(1, new Proto().string(1, "a").uint(2, 3)).toByteArray();
        assertTrue(failure(score).contains("ModelProto.SentencePiece.score(#2)"), failure(score));
    }

    @Test
    void groupsAndOverlongVarintsAreRefused() {
        assertTrue(failure(new Proto().tag(9, 3).toByteArray()).contains("unsupported wire type 3"));
        byte[] overlong = new byte[12];
        Arrays.fill(overlong, (byte) 0x80);
        assertTrue(failure(overlong).contains("varint longer than 10 bytes"));
        assertTrue(failure(new byte[] {(byte) 0x0D, 1, 2}).contains("ModelProto"), "truncated fixed32");
    }

    @Test
    void unknownFieldsAreSkipped() throws IOException {
        Proto model = tinyModel().uint(99, 5).fixed32(98, 1f).string(97, "x").tag(96, 1).varint(0);
        byte[] bytes = model.toByteArray();
        byte[] padded = Arrays.copyOf(bytes, bytes.length + 7);  // the fixed64 payload of field 96 (8 bytes)
        SentencePieceTokenizer t = SentencePieceTokenizer.fromBytes(padded);
        assertEquals(5, t.vocabSize());
    }

    @Test
    void contentsTheLibraryRejectsAreRefused() {
        assertTrue(failure(new byte[0]).contains("no pieces"));
        assertTrue(failure(new Proto().message(1, piece("a", 0f, 1)).toByteArray()).contains("unk is not defined"));
        assertTrue(failure(new Proto().message(1, piece("<unk>", 0f, 2)).message(1, piece("<unk>", 0f, 2))
                .toByteArray()).contains("already defined"));
        assertTrue(failure(new Proto().message(1, piece("<unk>", 0f, 2)).message(1, piece("", 0f, 1))
                .toByteArray()).contains("pieces[1]: piece must not be empty"));
        assertTrue(failure(new Proto().message(1, piece("<unk>", 0f, 2)).message(1, piece("<0x41>", 0f, 6))
                .toByteArray()).contains("byte_fallback is false"));
        assertTrue(failure(new Proto().message(1, piece("<unk>", 0f, 2)).message(2, new Proto().uint(35, 1))
                .toByteArray()).contains("not 256 byte pieces"));
        assertTrue(failure(tinyModel().message(2, new Proto().uint(3, 3)).toByteArray())
                .contains("TrainerSpec.model_type: 3 is not supported"));
    }

    @Test
    void enumNumbersTheProtoDoesNotDefineLeaveTheDefaultAsProtobufDoes() throws IOException {
        // type 9 is no SentencePiece.Type: the piece stays NORMAL; model_type 9 leaves UNIGRAM
        SentencePieceTokenizer t = SentencePieceTokenizer.fromBytes(new Proto().message(1, piece("<unk>", 0f, 2))
                .message(1, piece("\u2581", -1f, 9)).message(1, piece("a", -1f, 9)).message(2, new Proto().uint(3, 9))
                .toByteArray());
        assertArrayEquals(new int[] {1, 2}, t.encode("a").ids());
    }

    @Test
    void corruptCharsmapsAreRefused() {
        byte[] tooShort = {1, 0, 0, 0};
        assertTrue(failure(tinyModel().message(3, new Proto().bytes(2, tooShort)).toByteArray())
                .contains("precompiled_charsmap"));
        byte[] sizeTooLarge = {(byte) 0xFF, 0, 0, 0, 1, 2, 3};
        assertTrue(failure(tinyModel().message(3, new Proto().bytes(2, sizeTooLarge)).toByteArray())
                .contains("trie size 255 exceeds"));
        // root offset 0; unit 0x61 at index 'a' = label 'a' with a leaf (bit 8) whose value unit (index 0x61 ^ 0)
        // ... points at string offset 1000, beyond the 2-byte string blob
        int[] units = new int[128];
        units[0x61] = 0x61 | 1 << 8;
        byte[] blob = new byte[4 + units.length * 4 + 2];
        blob[0] = (byte) (units.length * 4);
        blob[1] = (byte) (units.length * 4 >>> 8);
        for (int i = 0; i < units.length; i++) {
            int u = units[i];
            for (int k = 0; k < 4; k++) {
                blob[4 + 4 * i + k] = (byte) (u >>> (8 * k));
            }
        }
        assertTrue(failure(tinyModel().message(3, new Proto().bytes(2, blob)).toByteArray())
                .contains("corrupt double array"));
    }

    @Test
    void everyTruncationOfARealModelFailsCleanlyOrStillWorks() throws IOException {
        byte[] model;
        try (InputStream in = getClass().getResourceAsStream("/fixtures/text/sp_bpe_bytefallback.model")) {
            model = in.readAllBytes();
        }
        for (int cut = 0; cut < model.length; cut += 7) {
            byte[] truncated = Arrays.copyOf(model, cut);
            SentencePieceTokenizer t;
            try {
                t = SentencePieceTokenizer.fromBytes(truncated);
            } catch (ModelFormatException expected) {
                continue;
            }
            Tokens tokens = t.encode("Hello wörld ｶﾞ 😀 \u00a0x");
            for (int id : tokens.ids()) {
                assertTrue(id >= 0 && id < t.vocabSize());
            }
        }
    }

    @Test
    void loadReadsAFileAndReportsAMissingOne(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tiny.model");
        Files.write(file, tinyModel().toByteArray());
        assertEquals(5, SentencePieceTokenizer.load(file).vocabSize());
        assertThrows(java.nio.file.NoSuchFileException.class, () -> SentencePieceTokenizer.load(dir.resolve("none")));
    }
}
