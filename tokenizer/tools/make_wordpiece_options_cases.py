"""Development-time generator of wp_options.jsonl: WordPiece cases for the normalization options that the
shared fixtures do not cover (cased; lower case without accent stripping; accent stripping without lower
case), by HF tokenizers' BertWordPieceTokenizer on the small cased vocabulary wp_cased_small.vocab.txt.
Run from tokenizer/src/test/resources/fixtures/text with the `tokenizers` package installed."""
import json

from tokenizers import BertWordPieceTokenizer

VOCAB = "wp_cased_small.vocab.txt"
ENTRIES = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "!", ",", ".", "[", "]", "Hello", "hello", "World",
           "world", "##s", "##S", "H", "h", "##ello", "##ELLO", "é", "e", "##é", "##e", "É", "E", "İ", "I", "i",
           "##\u0307", "\u0307", "ο", "##δ", "##ο", "##σ", "##ς", "Ο", "##Δ", "##Ο", "##Σ", "ｆｕｌｌ", "ﬁ",
           "##ﬁ", "Straße", "strasse", "straße", "café", "cafe", "Café", "Cafe", "가", "ᄀ", "##ᅡ", "中", "文",
           "ǰ", "j", "##̌"]
TEXTS = ["Hello World!", "hello world", "HELLO Worlds", "Café café CAFÉ", "İ i I", "ΟΔΟΣ οδος", "ｆｕｌｌ ﬁ",
         "Straße STRASSE", "가 中文", "ǰ", "x[CLS]Hello[SEP]", "[cls] [MASK]", "e\u0301 E\u0301", "\u00a0Hello\u200b"]

with open(VOCAB, "w", encoding="utf-8") as f:
    f.write("\n".join(ENTRIES) + "\n")
with open("wp_options.jsonl", "w", encoding="utf-8") as out:
    for lower, strip in [(False, None), (True, False), (False, True), (True, None)]:
        t = BertWordPieceTokenizer(VOCAB, lowercase=lower, strip_accents=strip, clean_text=True,
                                   handle_chinese_chars=True, wordpieces_prefix="##")
        for text in TEXTS:
            e = t.encode(text, add_special_tokens=False)
            out.write(json.dumps({"lower_case": lower, "strip_accents": strip if strip is not None else lower,
                                  "text": text, "ids": e.ids, "pieces": e.tokens}, ensure_ascii=True) + "\n")
