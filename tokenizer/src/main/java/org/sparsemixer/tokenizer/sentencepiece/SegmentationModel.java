package org.sparsemixer.tokenizer.sentencepiece;

/** A SentencePiece model type: splits normalized UTF-8 into pieces (no byte fallback, no unknown merging yet). */
interface SegmentationModel {
    /** The pieces of {@code text[0, length)}, in order; unknown characters get the unknown id, one per piece. */
    Segments encode(byte[] text, int length);
}
