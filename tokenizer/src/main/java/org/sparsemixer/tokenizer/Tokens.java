package org.sparsemixer.tokenizer;

import java.util.List;

/** The result of tokenizing one text: parallel ids and pieces (an unknown token's piece is the text it covers). */
public record Tokens(int[] ids, List<String> pieces) {
    public Tokens {
        if (ids.length != pieces.size()) {
            throw new IllegalArgumentException(ids.length + " ids but " + pieces.size() + " pieces");
        }
        pieces = List.copyOf(pieces);
    }

    public int size() {
        return ids.length;
    }
}
