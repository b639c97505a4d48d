package org.sparsemixer.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sparsemixer.tokenizer.BertPacker;
import org.sparsemixer.tokenizer.PackedInput;
import org.sparsemixer.tokenizer.Tokenizer;
import org.sparsemixer.tokenizer.Tokenizers;
import org.sparsemixer.tokenizer.Tokens;
import org.sparsemixer.tokenizer.Truncator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code tokenize}: JSON-lines texts to ids and pieces, or to packed encoder inputs. */
@Command(name = "tokenize",
        mixinStandardHelpOptions = true,
        description = {
            "Tokenize JSON lines {\"text\": \"...\"} or {\"texts\": [\"a\", \"b\"]}.",
            "Without --seq-length each output line is {\"ids\": [...], \"pieces\": [...]} (for \"texts\": one list per"
                    + " text); with it, {\"input_word_ids\": [...], \"input_mask\": [...], \"input_type_ids\": [...]}"
                    + " packed as Model Garden's BertPackInputs.",
            "The tokenizer file's kind (SentencePiece model or WordPiece vocabulary) is told from its content."})
final class TokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--tokenizer", paramLabel = "FILE", required = true,
            description = "A SentencePiece model (.model) or a BERT WordPiece vocabulary (vocab.txt).")
    Path tokenizerFile;

    @Option(names = "--lower-case",
            description = "WordPiece only: lower-case and strip accents (an uncased vocabulary).")
    boolean lowerCase;

    @Option(names = "--seq-length", paramLabel = "N",
            description = "Pack each line into N positions: [CLS] a [SEP] b [SEP] and padding.")
    Integer seqLength;

    @Option(names = "--truncator", paramLabel = "NAME",
            description = "With --seq-length: round_robin (default) or waterfall.")
    String truncator;

    @Option(names = "--input", paramLabel = "FILE.jsonl", description = "Input JSON lines (default: standard input).")
    Path input;

    @Option(names = "--output", paramLabel = "FILE.jsonl", description = "Output JSON lines (default: standard output).")
    Path output;

    @Override
    public Integer call() throws IOException {
        if (truncator != null && seqLength == null) {
            throw new IllegalArgumentException("--truncator " + truncator + " applies to packing: give --seq-length too");
        }
        Truncator trimming = truncator == null ? Truncator.ROUND_ROBIN : Truncator.parse(truncator);
        if (seqLength != null) {
            Arguments.atLeast("--seq-length", seqLength, 2);
        }
        Arguments.regularFile("--tokenizer", tokenizerFile);
        Arguments.regularFile("--input", input);
        if (output != null && Files.isDirectory(output)) {
            throw new IllegalArgumentException("--output " + output + " is a directory");
        }
        Tokenizer tokenizer = Tokenizers.open(tokenizerFile, lowerCase);
        BertPacker packer = seqLength == null ? null : new BertPacker(tokenizer, seqLength, trimming);
        String source = input == null ? "standard input" : "--input " + input;

        InputStream in = input == null ? System.in : Files.newInputStream(input);
        OutputStream sink = output == null ? null : Files.newOutputStream(output);
        Writer out = sink == null ? spec.commandLine().getOut()
                : new BufferedWriter(new OutputStreamWriter(sink, StandardCharsets.UTF_8));
        try {
            TextJsonl.forEach(in, source, line -> {
                Map<String, Object> result = new LinkedHashMap<>();
                if (packer != null) {
                    PackedInput packed;
                    try {
                        packed = packer.pack(line.texts());
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(source + " line " + line.number() + ": " + e.getMessage(), e);
                    }
                    result.put("input_word_ids", packed.inputWordIds());
                    result.put("input_mask", packed.inputMask());
                    result.put("input_type_ids", packed.inputTypeIds());
                } else if (!line.list()) {
                    Tokens tokens = tokenizer.encode(line.texts().getFirst());
                    result.put("ids", tokens.ids());
                    result.put("pieces", tokens.pieces());
                } else {
                    List<int[]> ids = new ArrayList<>();
                    List<List<String>> pieces = new ArrayList<>();
                    for (String text : line.texts()) {
                        Tokens tokens = tokenizer.encode(text);
                        ids.add(tokens.ids());
                        pieces.add(tokens.pieces());
                    }
                    result.put("ids", ids);
                    result.put("pieces", pieces);
                }
                out.write(TextJsonl.toLine(result));
                out.write('\n');
            });
        } finally {
            out.flush();
            if (sink != null) {
                out.close();
            }
            if (input != null) {
                in.close();
            }
        }
        return Main.EXIT_OK;
    }
}
