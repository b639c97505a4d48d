package org.sparsemixer.tokenizer;

/**
 * Text to vocabulary ids, as the reference library of its kind does it (SentencePiece, or BERT's
 * WordPiece as HF tokenizers implements it). No special tokens are added: packing for the encoder is
 * {@link BertPacker}'s job. Implementations are immutable and safe to share between threads.
 */
public interface Tokenizer {
    /** The ids and pieces of {@code text}, without BOS/EOS or [CLS]/[SEP]. */
    Tokens encode(String text);

    /** Number of ids: every id this tokenizer produces lies in [0, vocabSize()). */
    int vocabSize();

    /** The id of a vocabulary entry given by its exact text, or -1 when there is none. */
    int pieceToId(String piece);

    /** The vocabulary entry of an id. */
    String idToPiece(int id);
}
