package org.sparsemixer.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON-lines text input of {@code tokenize} and {@code run --texts}: each non-blank line is
 * {@code {"text": "..."}} or {@code {"texts": ["a", "b", ...]}} (UTF-8); anything else is an error naming
 * the source and line.
 */
final class TextJsonl {
    /** One input line: its texts (segments) and whether it was written as {@code "texts"}. */
    record Line(int number, List<String> texts, boolean list) {
    }

    /** Reads JSON without tolerance: repeated keys and trailing content are errors. */
    static final ObjectMapper READER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    /** Writes ASCII-only JSON (other characters as \\u escapes): the same bytes whatever the console charset. */
    static final ObjectMapper WRITER = JsonMapper.builder()
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
            .build();

    private TextJsonl() {
    }

    interface LineHandler {
        void accept(Line line) throws IOException;
    }

    /** Calls {@code handler} for every non-blank line of {@code in}, read as strict UTF-8. */
    static void forEach(InputStream in, String source, LineHandler handler) throws IOException {
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, decoder));
        int number = 0;
        while (true) {
            String text;
            try {
                text = reader.readLine();
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException(source + " line " + (number + 1) + ": not valid UTF-8");
            }
            if (text == null) {
                return;
            }
            number++;
            if (!text.isBlank()) {
                handler.accept(parse(text, source, number));
            }
        }
    }

    static Line parse(String text, String source, int number) {
        String where = source + " line " + number;
        JsonNode root;
        try {
            root = READER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(where + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(where + ": expected an object {\"text\": ...} or {\"texts\": [...]}");
        }
        JsonNode single = root.get("text");
        JsonNode several = root.get("texts");
        for (var field : root.properties()) {
            if (!field.getKey().equals("text") && !field.getKey().equals("texts")) {
                throw new IllegalArgumentException(where + ": unknown key \"" + field.getKey()
                        + "\" (expected \"text\" or \"texts\")");
            }
        }
        if ((single == null) == (several == null)) {
            throw new IllegalArgumentException(where + ": expected exactly one of \"text\" and \"texts\"");
        }
        if (single != null) {
            if (!single.isTextual()) {
                throw new IllegalArgumentException(where + ": \"text\" must be a string");
            }
            return new Line(number, List.of(single.textValue()), false);
        }
        if (!several.isArray() || several.isEmpty()) {
            throw new IllegalArgumentException(where + ": \"texts\" must be a non-empty list of strings");
        }
        List<String> texts = new ArrayList<>(several.size());
        for (JsonNode t : several) {
            if (!t.isTextual()) {
                throw new IllegalArgumentException(where + ": \"texts\" must be a non-empty list of strings");
            }
            texts.add(t.textValue());
        }
        return new Line(number, texts, true);
    }

    /** One JSON object as a line of ASCII text. */
    static String toLine(Object value) {
        try {
            return WRITER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
