"""Development-time probe of HF tokenizers' BERT normalizer and pre-tokenizer on every code point.

Writes wordpiece_codepoints.tsv (gzip it into tokenizer/src/test/resources/fixtures/text/), which
WordPieceCodePointsTest compares BertBasicTokenizer against. Needs the `tokenizers` package (0.23.2 made the
committed file); run: python3 probe_wordpiece_codepoints.py > wordpiece_codepoints.tsv
"""
import sys

from tokenizers.normalizers import BertNormalizer
from tokenizers.pre_tokenizers import BertPreTokenizer

uncased = BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True)
cased = BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=False)
pre = BertPreTokenizer()


def relative(out, cp):
    if not out:
        return "-"
    return " ".join("S" if ord(x) == cp else "%X" % ord(x) for x in out)


rows = []
for cp in range(0x110000):
    if 0xD800 <= cp <= 0xDFFF:
        continue
    ch = chr(cp)
    u, c = uncased.normalize_str(ch), cased.normalize_str(ch)
    words = pre.pre_tokenize_str("a" + ch + "a")
    punct = len(words) == 3 and words[1][0] == ch
    if u != ch or c != ch or punct:
        rows.append((cp, relative(u, cp), relative(c, cp), "1" if punct else "0"))

print("# HF tokenizers BertNormalizer(clean_text, handle_chinese_chars, lowercase=True|False) and BertPreTokenizer on")
print("# each code point alone. Columns: first[-last] code point (hex), uncased output, cased output, punctuation (1/0).")
print("# Outputs are hex code points; S = the code point itself; - = removed. Code points not listed are unchanged, not punctuation.")
i = 0
while i < len(rows):
    j = i
    while j + 1 < len(rows) and rows[j + 1][0] == rows[j][0] + 1 and rows[j + 1][1:] == rows[i][1:]:
        j += 1
    first = rows[i]
    span = "%X" % first[0] if j == i else "%X-%X" % (first[0], rows[j][0])
    print("%s\t%s\t%s\t%s" % (span, first[1], first[2], first[3]))
    i = j + 1
