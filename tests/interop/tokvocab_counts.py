#!/usr/bin/python3
"""Check a `tokvocab count` vocabulary against Python's own count of the same text.

Usage: tokvocab_counts.py TEXT VOCAB.tsv
bytes.split() splits on exactly the ASCII whitespace tokvocab uses (space, \\t \\n \\v \\f \\r), so
collections.Counter is an independent reference; the vocabulary is read with the csv module
(tab-delimited, '"' quoting), which checks tokvocab's quoting too.  Exit 0 when the files agree
token for token, count for count and line for line (count descending, then token bytes).
"""
import collections
import csv
import sys


def main():
    text_path, vocab_path = sys.argv[1], sys.argv[2]
    with open(text_path, "rb") as f:
        want = collections.Counter(f.read().split())
    want = sorted(want.items(), key=lambda kv: (-kv[1], kv[0]))
    with open(vocab_path, encoding="utf-8", errors="surrogateescape", newline="") as f:
        got = [(row[0].encode("utf-8", "surrogateescape"), int(row[1]))
               for row in csv.reader(f, delimiter="\t", quotechar='"', strict=True)]
    if got != want:
        for i, (g, w) in enumerate(zip(got, want)):
            if g != w:
                print(f"line {i + 1}: tokvocab {g!r}, python {w!r}")
                break
        print(f"tokvocab {len(got)} lines, python {len(want)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
