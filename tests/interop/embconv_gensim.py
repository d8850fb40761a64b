#!/usr/bin/python3
"""Interop of embconv with gensim's KeyedVectors (word2vec text and binary), and EMB round trips.

usage: embconv_gensim.py CASE WORKDIR   (CASE: ours-to-gensim, gensim-to-ours, roundtrip, parse)
Exits 0 when the case holds, 1 with a message otherwise.  Vectors are random float32 values
spread over many magnitudes, so shortest-form printing and correct rounding are exercised.
"""
import os
import subprocess
import sys

import numpy as np
from gensim.models import KeyedVectors


def run(*args):
    subprocess.run(["embconv", "-q", *args], check=True)


def make_kv(rows=300, dim=17, seed=7, scale_exp=(-8, 6)):
    rng = np.random.default_rng(seed)
    scale = 10.0 ** rng.integers(*scale_exp, size=(rows, 1))
    vecs = (rng.standard_normal((rows, dim)) * scale).astype(np.float32)
    vecs[0, :3] = [0.0, -0.0, 1e-40]  # zero, negative zero, a subnormal
    keys = ["w%d" % i for i in range(rows)]
    keys[1:4] = ["naïve", "東京", "1.5"]  # non-ASCII and a number-like word
    kv = KeyedVectors(dim)
    kv.add_vectors(keys, vecs)
    return kv


def ulps(a, b):
    ai = a.view(np.int32).astype(np.int64)
    bi = b.view(np.int32).astype(np.int64)
    ai = np.where(ai < 0, -(ai & 0x7FFFFFFF), ai)  # monotone integer order of floats
    bi = np.where(bi < 0, -(bi & 0x7FFFFFFF), bi)
    return int(np.max(np.abs(ai - bi))) if a.size else 0


def same(kv, other, what, max_ulps=0):
    if list(kv.index_to_key) != list(other.index_to_key):
        sys.exit("%s: tokens differ" % what)
    u = ulps(kv.vectors, other.vectors)
    if u > max_ulps:
        sys.exit("%s: vectors differ by %d ulp" % (what, u))


def main():
    case, work = sys.argv[1], sys.argv[2]
    p = lambda name: os.path.join(work, name)
    kv = make_kv()
    if case == "ours-to-gensim":
        # what we write loads in gensim: binary bit-exact, text exact but for double rounding
        kv.save_word2vec_format(p("src.bin"), binary=True)
        run(p("src.bin"), p("ours.bin"))
        run(p("src.bin"), p("ours.vec"))
        run("--precision", "9", p("src.bin"), p("fixed.vec"))
        same(kv, KeyedVectors.load_word2vec_format(p("ours.bin"), binary=True), "binary")
        same(kv, KeyedVectors.load_word2vec_format(p("ours.vec")), "text", 1)
        fixed = KeyedVectors.load_word2vec_format(p("fixed.vec"))
        slack = 0.5e-9 + np.spacing(np.abs(kv.vectors))  # printed digits, then float32 rounding
        if np.any(np.abs(fixed.vectors - kv.vectors) > slack):
            sys.exit("fixed precision: not within the printed precision")
    elif case == "gensim-to-ours":
        # what gensim writes converts losslessly: text -> binary agrees with gensim's own parse
        kv.save_word2vec_format(p("g.txt"), binary=False)
        kv.save_word2vec_format(p("g.bin"), binary=True)
        run(p("g.txt"), p("from-text.bin"))
        run(p("g.bin"), p("from-bin.bin"))
        gtext = KeyedVectors.load_word2vec_format(p("g.txt"))
        same(gtext, KeyedVectors.load_word2vec_format(p("from-text.bin"), binary=True), "text", 1)
        same(kv, KeyedVectors.load_word2vec_format(p("from-bin.bin"), binary=True), "binary")
    elif case == "roundtrip":
        # binary -> text -> binary and binary -> EMB (gzip, raw, and f16 within f16 rounding)
        kv.save_word2vec_format(p("a.bin"), binary=True)
        run(p("a.bin"), p("a.txt"))
        run(p("a.txt"), p("b.bin"))
        run(p("a.bin"), p("a.emb"))
        run("--level", "0", p("a.bin"), p("raw.emb"))
        run(p("a.emb"), p("c.bin"))
        run(p("raw.emb"), p("d.bin"))
        small = make_kv(scale_exp=(-3, 3))
        small.save_word2vec_format(p("s.bin"), binary=True)
        run("--dtype", "f16", p("s.bin"), p("h.emb"))
        run(p("h.emb"), p("h.bin"))
        for other in ("c.bin", "d.bin"):
            if open(p(other), "rb").read() != open(p("b.bin"), "rb").read():
                sys.exit("%s differs from b.bin" % other)
        same(kv, KeyedVectors.load_word2vec_format(p("b.bin"), binary=True), "bin-text-bin")
        if open(p("a.emb"), "rb").read(2) != b"\x1f\x8b":
            sys.exit("EMB is not gzip by default")
        h = KeyedVectors.load_word2vec_format(p("h.bin"), binary=True)
        want = small.vectors.astype(np.float16).astype(np.float32)
        if not np.array_equal(h.vectors, want):
            sys.exit("f16 EMB is not numpy's float16 rounding")
    elif case == "parse":
        # a GloVe-style file with 6-decimal values: our parse equals numpy's correctly rounded one
        rng = np.random.default_rng(3)
        vals = rng.standard_normal((200, 50))
        with open(p("g.txt"), "w") as f:
            for i, row in enumerate(vals):
                f.write("t%d %s\n" % (i, " ".join("%.6f" % x for x in row)))
        run(p("g.txt"), p("g.bin"))
        ours = KeyedVectors.load_word2vec_format(p("g.bin"), binary=True).vectors
        exact = np.array([[np.float32(s) for s in line.split()[1:]]
                          for line in open(p("g.txt"))], dtype=np.float32)
        if ulps(ours, exact) != 0:
            sys.exit("parse differs from correctly rounded float32")
    else:
        sys.exit("unknown case " + case)


main()
