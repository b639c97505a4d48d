package org.sparsemixer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Model options the shared fixtures do not cover (USER_DEFINED and UNUSED pieces, unigram byte fallback, BPE
 * without it, whitespace as suffix, escaping and whitespace removal off), against the reference library's
 * outputs in {@code fixtures/sp-variants} (see its README and generate.py).
 */
class SentencePieceVariantTest {
    private static final String DIR = "/fixtures/sp-variants/";

    @ParameterizedTest
    @ValueSource(strings = {"var_unigram_userdef", "var_unigram_bytes", "var_bpe_userdef_unused", "var_bpe_nfkc_nobytes"})
    void casesMatchTheLibrary(String name) throws IOException {
        SentencePieceTokenizer tokenizer = SentencePieceFixtureTest.model(DIR, name);
        List<JsonNode> cases = SentencePieceFixtureTest.cases(DIR, name + ".jsonl");
        assertEquals(300, cases.size());
        SentencePieceFixtureTest.check(cases, c -> SentencePieceFixtureTest.encodeCase(tokenizer, c),
                SentencePieceFixtureTest::label);
    }

    /**
     * Texts full of segmentations with equal exact scores ({@code 0 00} / {@code 00 0}, {@code see d} / ...),
     * plus cut-outs of 100-600 characters: rounding of the path sums decides these, so they pin down the
     * arithmetic (float sums in the library's order; double sums get several wrong).
     */
    @org.junit.jupiter.api.Test
    void nearTiesAreResolvedAsTheLibraryDoes() throws IOException {
        SentencePieceTokenizer tokenizer = SentencePieceFixtureTest.model("sp_unigram_nfkc");
        List<JsonNode> cases = SentencePieceFixtureTest.cases(DIR, "sp_unigram_nfkc.ties.jsonl");
        assertEquals(400, cases.size());
        SentencePieceFixtureTest.check(cases, c -> SentencePieceFixtureTest.encodeCase(tokenizer, c),
                SentencePieceFixtureTest::label);
    }
}
