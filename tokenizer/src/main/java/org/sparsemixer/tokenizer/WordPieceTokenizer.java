package org.sparsemixer.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * BERT WordPiece from a {@code vocab.txt}, exactly as HF tokenizers' {@code BertWordPieceTokenizer(vocab,
 * lowercase, strip_accents, clean_text=True, handle_chinese_chars=True, wordpieces_prefix="##")} encodes
 * without special tokens:
 * <ol>
 *   <li>the special tokens {@code [PAD] [UNK] [CLS] [SEP] [MASK]} that the vocabulary holds are found
 *       literally in the raw text first (case-sensitive) and give their ids; the text between them is
 *       tokenized on its own;</li>
 *   <li>BERT's basic tokenizer ({@link BertBasicTokenizer}) splits the rest into words;</li>
 *   <li>each word becomes its greedy longest-match-first pieces, continuations prefixed {@code ##}; a word
 *       of more than {@value #MAX_INPUT_CHARS_PER_WORD} code points, or one the vocabulary cannot cover
 *       completely, is a single {@code [UNK]}.</li>
 * </ol>
 * The vocabulary file is UTF-8, one entry per line, id = line number from 0 (trailing whitespace of a line
 * is dropped; of two equal lines the later one owns the text, as in HF). Immutable and thread-safe.
 *
 * <p>{@link #encode} accepts any Java string and never throws: a lone surrogate (which UTF-8 text cannot
 * hold) is treated as U+FFFD, which clean text removes. Every id lies in [0, {@link #vocabSize()}).
 */
public final class WordPieceTokenizer implements Tokenizer {
    public static final int MAX_INPUT_CHARS_PER_WORD = 100;
    public static final String UNKNOWN = "[UNK]";
    public static final String CONTINUATION_PREFIX = "##";
    /** The special tokens BertWordPieceTokenizer registers (those in the vocabulary) and matches in raw text. */
    static final List<String> SPECIAL_TOKENS = List.of("[SEP]", "[CLS]", "[PAD]", "[MASK]", "[UNK]");

    private final String[] pieces;
    /** Entries that start a word, by their text. */
    private final Map<String, Integer> wordStarts;
    /** Continuation entries ({@code ##x}), by their text without the prefix. */
    private final Map<String, Integer> continuations;
    /** Longest entry (chars, without the ## prefix): longer candidates are never looked up. */
    private final int longestEntry;
    private final int unknownId;
    /** Special tokens present in the vocabulary, with their ids. */
    private final String[] specials;
    private final int[] specialIds;
    private final BertBasicTokenizer basic;
    private final boolean lowerCase;
    private final boolean stripAccents;

    private WordPieceTokenizer(List<String> lines, boolean lowerCase, boolean stripAccents, String source) {
        if (lines.isEmpty()) {
            throw new InvalidTokenizerException(source + ": the WordPiece vocabulary is empty");
        }
        this.pieces = lines.toArray(String[]::new);
        this.wordStarts = HashMap.newHashMap(lines.size());
        this.continuations = HashMap.newHashMap(lines.size());
        int longest = 0;
        for (int id = 0; id < pieces.length; id++) {
            String piece = pieces[id];
            wordStarts.put(piece, id);
            if (piece.startsWith(CONTINUATION_PREFIX)) {
                continuations.put(piece.substring(CONTINUATION_PREFIX.length()), id);
            }
            longest = Math.max(longest, piece.length());
        }
        this.longestEntry = longest;
        Integer unk = wordStarts.get(UNKNOWN);
        if (unk == null) {
            throw new InvalidTokenizerException(source + ": the WordPiece vocabulary has no " + UNKNOWN + " entry");
        }
        this.unknownId = unk;
        List<String> present = SPECIAL_TOKENS.stream().filter(wordStarts::containsKey).toList();
        this.specials = present.toArray(String[]::new);
        this.specialIds = present.stream().mapToInt(wordStarts::get).toArray();
        this.basic = new BertBasicTokenizer(lowerCase, stripAccents);
        this.lowerCase = lowerCase;
        this.stripAccents = stripAccents;
    }

    /** Loads {@code vocab.txt}; {@code lowerCase} also strips accents, as HF's {@code strip_accents=None}. */
    public static WordPieceTokenizer load(Path vocabFile, boolean lowerCase) throws IOException {
        return load(vocabFile, lowerCase, lowerCase);
    }

    /**
     * Loads {@code vocab.txt} with explicit normalization: {@code lowerCase} lower-cases,
     * {@code stripAccents} decomposes (NFD) and drops non-spacing marks.
     *
     * @throws IOException the file cannot be read
     * @throws InvalidTokenizerException the file is not UTF-8, the vocabulary is empty or has no {@code [UNK]}
     */
    public static WordPieceTokenizer load(Path vocabFile, boolean lowerCase, boolean stripAccents) throws IOException {
        byte[] bytes = Files.readAllBytes(vocabFile);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new InvalidTokenizerException(vocabFile + ": the WordPiece vocabulary is not valid UTF-8", e);
        }
        return fromLines(splitLines(text), lowerCase, stripAccents, vocabFile.toString());
    }

    /** A tokenizer over vocabulary entries given in id order (each entry's trailing whitespace is dropped). */
    public static WordPieceTokenizer fromVocabulary(List<String> entries, boolean lowerCase, boolean stripAccents) {
        return fromLines(entries, lowerCase, stripAccents, "vocabulary");
    }

    private static WordPieceTokenizer fromLines(List<String> lines, boolean lowerCase, boolean stripAccents,
                                                String source) {
        List<String> entries = new ArrayList<>(lines.size());
        for (String line : lines) {
            entries.add(line.stripTrailing());
        }
        return new WordPieceTokenizer(entries, lowerCase, stripAccents, source);
    }

    /** Lines as Rust's {@code BufRead::lines}: split at \n, a trailing \r dropped, no final empty line. */
    private static List<String> splitLines(String text) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = text.length();
            }
            lines.add(text.substring(start, end));
            start = end + 1;
        }
        return lines;
    }

    public boolean lowerCase() {
        return lowerCase;
    }

    public boolean stripAccents() {
        return stripAccents;
    }

    @Override
    public Tokens encode(String text) {
        IntList ids = new IntList(Math.max(16, text.length() / 3));
        List<String> out = new ArrayList<>(Math.max(16, text.length() / 3));
        int segmentStart = 0;
        int i = text.indexOf('[');
        while (i >= 0) {
            int special = specialAt(text, i);
            if (special >= 0) {
                tokenizeSegment(text, segmentStart, i, ids, out);
                ids.add(specialIds[special]);
                out.add(specials[special]);
                segmentStart = i + specials[special].length();
                i = text.indexOf('[', segmentStart);
            } else {
                i = text.indexOf('[', i + 1);
            }
        }
        tokenizeSegment(text, segmentStart, text.length(), ids, out);
        return new Tokens(ids.toArray(), out);
    }

    private int specialAt(String text, int at) {
        for (int s = 0; s < specials.length; s++) {
            if (text.startsWith(specials[s], at)) {
                return s;
            }
        }
        return -1;
    }

    private void tokenizeSegment(String text, int from, int to, IntList ids, List<String> out) {
        if (from < to) {
            basic.split(text, from, to, word -> wordPieces(word, ids, out));
        }
    }

    /** Greedy longest-match-first; the whole word is one [UNK] when any part cannot be matched. */
    private void wordPieces(String word, IntList ids, List<String> out) {
        if (word.codePointCount(0, word.length()) > MAX_INPUT_CHARS_PER_WORD) {
            ids.add(unknownId);
            out.add(UNKNOWN);
            return;
        }
        int mark = ids.size();
        int start = 0;
        while (start < word.length()) {
            Map<String, Integer> entries = start == 0 ? wordStarts : continuations;
            int end = Math.min(word.length(), start + longestEntry);
            Integer found = null;
            while (end > start) {
                if (!splitsSurrogatePair(word, end)) {
                    found = entries.get(word.substring(start, end));
                    if (found != null) {
                        break;
                    }
                }
                end--;
            }
            if (found == null) {
                ids.truncate(mark);
                out.subList(mark, out.size()).clear();
                ids.add(unknownId);
                out.add(UNKNOWN);
                return;
            }
            ids.add(found);
            out.add(pieces[found]);
            start = end;
        }
    }

    private static boolean splitsSurrogatePair(String s, int at) {
        return at < s.length() && Character.isLowSurrogate(s.charAt(at)) && Character.isHighSurrogate(s.charAt(at - 1));
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public int pieceToId(String piece) {
        Integer id = wordStarts.get(piece);
        return id == null ? -1 : id;
    }

    @Override
    public String idToPiece(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("id " + id + " is outside the vocabulary [0, " + pieces.length + ")");
        }
        return pieces[id];
    }

    @Override
    public String toString() {
        return "WordPieceTokenizer[vocab=" + pieces.length + ", lowerCase=" + lowerCase + ", stripAccents="
                + stripAccents + "]";
    }

    /** A growable int array. */
    static final class IntList {
        private int[] values;
        private int size;

        IntList(int capacity) {
            values = new int[capacity];
        }

        void add(int value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, values.length * 2);
            }
            values[size++] = value;
        }

        int size() {
            return size;
        }

        void truncate(int newSize) {
            size = newSize;
        }

        int[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
