#!/usr/bin/python3
"""embquery against gensim 4: nn (most_similar, with negatives too), analogy (3CosAdd, 3CosMul),
doesnt-match, eval-analogy, eval-sim.

Usage: embquery_gensim.py WORKDIR EMBQUERY [EMBCONV]

Builds a random table with planted analogies and case variants, saves it in word2vec text
format (and, when EMBCONV is given, converts it to a raw EMB file, which embquery maps), asks
embquery and gensim the same questions and fails on any difference beyond float rounding.
"""
import json
import os
import subprocess
import sys

import numpy as np
from gensim.models import KeyedVectors

work, embquery = sys.argv[1], sys.argv[2]
embconv = sys.argv[3] if len(sys.argv) > 3 else None
rng = np.random.default_rng(7)
ROWS, DIM = 3000, 48
TOL = 2e-5

# vocabulary: distinct lower-case words, then a few upper-/title-case variants of early words
letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
words, seen = [], set()
while len(words) < ROWS - 20:
    w = "".join(rng.choice(letters, size=int(rng.integers(3, 9))))
    if w not in seen:
        seen.add(w)
        words.append(w)
for i in range(20):
    words.append(words[i * 7].upper() if i % 2 else words[i * 7].title())
vecs = rng.standard_normal((ROWS, DIM)).astype(np.float32)
# planted analogies: d = c + (b - a) + noise, for question quadruples
quads = []
for i in range(60):
    a, b, c, d = (int(x) for x in rng.choice(np.arange(200, 2900), size=4, replace=False))
    vecs[d] = vecs[c] + vecs[b] - vecs[a] + 0.3 * rng.standard_normal(DIM).astype(np.float32)
    quads.append((a, b, c, d))

kv = KeyedVectors(DIM)
kv.add_vectors(words, vecs)
w2v = os.path.join(work, "t.txt")
kv.save_word2vec_format(w2v, binary=False)
table = w2v
if embconv:
    table = os.path.join(work, "t.emb")
    subprocess.run([embconv, "--level", "0", w2v, table], check=True)  # raw: mapped


def run(args, stdin=None):
    p = subprocess.run([embquery] + args, input=stdin, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("embquery %s failed (%d): %s" % (" ".join(args), p.returncode, p.stderr))
    return p.stdout


def blocks(out):
    res = []
    for blk in out.strip("\n").split("\n\n"):
        res.append([(l.split("\t")[0], float(l.split("\t")[1])) for l in blk.split("\n")])
    return res


def same(ours, theirs, what):
    assert len(ours) == len(theirs), "%s: %d answers, gensim %d" % (what, len(ours), len(theirs))
    for (w1, s1), (w2, s2) in zip(ours, theirs):
        assert abs(s1 - s2) < TOL, "%s: score %r vs gensim %r (%s, %s)" % (what, s1, s2, w1, w2)
        if w1 != w2:  # only a near-tie may swap
            assert abs(s1 - dict(theirs).get(w1, -9)) < TOL, "%s: %s vs gensim %s" % (what, w1, w2)


checks = 0
# nn: a few on the command line (fused scan), 300 on stdin (sgemm batches), restricted, a vector
q = [words[i] for i in rng.choice(ROWS, size=300, replace=False)]
for w, got in zip(q[:3], blocks(run(["nn", table, "--k", "10"] + q[:3]))):
    same(got, kv.most_similar(w, topn=10), "nn " + w)
    checks += 1
for w, got in zip(q, blocks(run(["nn", table, "--k", "7"], "\n".join(q) + "\n"))):
    same(got, kv.most_similar(w, topn=7), "batch nn " + w)
    checks += 1
for w, got in zip(q[:50], blocks(run(["nn", table, "--restrict", "500", "--k", "5", "-j", "1"],
                                     "\n".join(q[:50]) + "\n"))):
    same(got, kv.most_similar(w, topn=5, restrict_vocab=500), "restricted nn " + w)
    checks += 1
v = rng.standard_normal(DIM).astype(np.float32)
got = blocks(run(["nn", table, "--", " ".join(repr(float(x)) for x in v)]))[0]
same(got, kv.similar_by_vector(v, topn=10), "vector nn")
checks += 1
# JSON carries the same answers
js = json.loads(run(["nn", table, "--format", "json", "--k", "3", q[0]]).splitlines()[0])
assert js["query"] == q[0] and [r["word"] for r in js["results"]] == \
    [w for w, _ in kv.most_similar(q[0], topn=3)], js

# analogies, both objectives, command line and batch
triples = [(words[a], words[b], words[c]) for a, b, c, _ in quads[:40]]
lines = "".join("%s %s %s\n" % t for t in triples)
for method, fn in (("add", kv.most_similar), ("cosmul", kv.most_similar_cosmul)):
    outs = blocks(run(["analogy", table, "--method", method, "--k", "5"], lines))
    outs1 = blocks(run(["analogy", table, "--method", method, "--k", "5"] + list(triples[0])))
    for (a, b, c), got in zip(triples, outs):
        same(got, fn(positive=[b, c], negative=[a], topn=5), "%s %s %s %s" % (method, a, b, c))
        checks += 1
    same(outs1[0], outs[0], "single vs batch " + method)

# most_similar(positive=[...], negative=[...]): nn --negative; the negatives hold for every
# line, each line's words are its positives (sgemm batch), and on the command line all words
# form one query (fused scan); restricted too
negs = [words[i] for i in rng.choice(ROWS, size=2, replace=False)]
posl = [[words[i] for i in rng.choice(ROWS, size=int(rng.integers(1, 4)), replace=False)]
        for _ in range(60)]
negargs = sum((["--negative", w] for w in negs), [])
outs = blocks(run(["nn", table, "--k", "6"] + negargs, "".join(" ".join(p) + "\n" for p in posl)))
for pos, got in zip(posl, outs):
    same(got, kv.most_similar(positive=pos, negative=negs, topn=6), "nn %s -%s" % (pos, negs))
    checks += 1
got = blocks(run(["nn", table, "--k", "8", "--negative", negs[0]] + posl[0]))[0]
same(got, kv.most_similar(positive=posl[0], negative=[negs[0]], topn=8), "nn one negative")
got = blocks(run(["nn", table, "--k", "4", "--restrict", "700"] + negargs + posl[1]))[0]
same(got, kv.most_similar(positive=posl[1], negative=negs, topn=4, restrict_vocab=700),
     "restricted nn with negatives")
js = json.loads(run(["nn", table, "--format", "json", "--k", "3"] + negargs + posl[2]))
assert js["query"] == " ".join(posl[2]) and [r["word"] for r in js["results"]] == \
    [w for w, _ in kv.most_similar(positive=posl[2], negative=negs, topn=3)], js
checks += 3

# doesnt_match: every word by its cosine to the mean (rank_by_centrality), the odd one first;
# one set per line, all the words on the command line, JSON
sets = [[words[i] for i in rng.choice(ROWS, size=int(rng.integers(2, 7)), replace=False)]
        for _ in range(80)]
sets.append([words[3], words[3], words[9]])  # a repeated word counts twice, as in gensim
outs = blocks(run(["doesnt-match", table], "".join(" ".join(ws) + "\n" for ws in sets)))
for ws, got in zip(sets, outs):
    ranked = [(w, float(d)) for d, w in reversed(kv.rank_by_centrality(ws))]
    same(got, ranked, "doesnt-match %s" % ws)
    if got[0][0] != kv.doesnt_match(ws):  # only a near-tie may differ
        assert abs(got[0][1] - dict(ranked)[kv.doesnt_match(ws)]) < TOL, (ws, got)
    checks += 1
got = blocks(run(["doesnt-match", table] + sets[0]))[0]
same(got, outs[0], "doesnt-match on the command line")
js = json.loads(run(["doesnt-match", table, "--format", "json"] + sets[1]))
assert js["query"] == " ".join(sets[1]) and js["results"][0]["word"] == kv.doesnt_match(sets[1]), js
checks += 2

# eval-analogy: sections, planted (mostly right) and random (mostly wrong) questions, OOV
# words, case variants, a malformed line
qpath = os.path.join(work, "questions.txt")
with open(qpath, "w") as f:
    for s, name in enumerate(["capital-world", "family", "gram1-adjective-to-adverb"]):
        f.write(": %s\n" % name)
        for a, b, c, d in quads[s * 20:(s + 1) * 20]:
            f.write("%s %s %s %s\n" % (words[a], words[b], words[c], words[d]))
        for _ in range(15):
            a, b, c, d = rng.choice(ROWS, size=4, replace=False)
            qw = [words[a], words[b], words[c], words[d]]
            if rng.random() < 0.3:
                qw = [x.upper() for x in qw]
            if rng.random() < 0.1:
                qw[1] = "zzzunknown"
            f.write(" ".join(qw) + "\n")
        f.write("%s %s %s\n" % (words[1], words[2], words[3]))
for restrict, case in ((30000, True), (1500, True), (2500, False)):
    args = ["eval-analogy", table, qpath, "--restrict", str(restrict), "--format", "json", "-q"]
    if not case:
        args.append("--case-sensitive")
    ours = json.loads(run(args))
    score, secs = kv.evaluate_word_analogies(qpath, restrict_vocab=restrict, case_insensitive=case)
    for o, g in zip(ours["sections"], secs[:-1]):
        assert o["section"] == g["section"], (o, g["section"])
        assert (o["correct"], o["asked"]) == (len(g["correct"]), len(g["correct"]) + len(g["incorrect"])), \
            "section %s: ours %d/%d, gensim %d/%d" % (o["section"], o["correct"], o["asked"],
                                                      len(g["correct"]), len(g["correct"]) + len(g["incorrect"]))
        checks += 1
    total = [s for s in ours["summary"] if s["section"] == "total"][0]
    assert abs(total["accuracy"] - score) < 1e-12, (total, score)
    assert total["asked"] < ours["questions"]

# eval-sim: header, comment, OOV pairs, TSV and CSV
ppath = os.path.join(work, "pairs.tsv")
with open(ppath, "w") as f:
    f.write("# a comment\nWord 1\tWord 2\tHuman (mean)\n")
    for _ in range(150):
        a, b = rng.choice(ROWS, size=2, replace=False)
        wa, wb = words[a], words[b]
        if rng.random() < 0.2:
            wa = wa.upper()
        if rng.random() < 0.05:
            wb = "zzzmissing"
        f.write("%s\t%s\t%.2f\n" % (wa, wb, rng.uniform(0, 10)))
for restrict in (300000, 2000):
    ours = json.loads(run(["eval-sim", table, ppath, "--restrict", str(restrict), "--format", "json"]))
    pearson, spearman, oov_ratio = kv.evaluate_word_pairs(ppath, restrict_vocab=restrict)
    assert abs(ours["pearson"] - pearson[0]) < 1e-6, (ours, pearson)
    assert abs(ours["spearman"] - spearman[0]) < 1e-6, (ours, spearman)
    assert abs((1 - ours["coverage"]) * 100 - oov_ratio) < 1e-9, (ours, oov_ratio)
    checks += 1
csv = os.path.join(work, "pairs.csv")
with open(ppath) as fi, open(csv, "w") as fo:
    fo.write(fi.read().replace("\t", ","))
ours_csv = json.loads(run(["eval-sim", table, csv, "--format", "json"]))
ours_tsv = json.loads(run(["eval-sim", table, ppath, "--format", "json"]))
assert ours_csv == ours_tsv, (ours_csv, ours_tsv)
print("gensim interop: %d checks passed" % checks)
