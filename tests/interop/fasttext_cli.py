"""Interop with the fastText CLI and gensim's fastText loader (run from tests/cli/fasttext.bats).

  corpus OUT             a small deterministic corpus (ASCII and non-ASCII words)
  labeled OUT            a small labelled corpus for `fasttext supervised`
  vec OURS THEIRS        rows "word v1 .. vD" (ours: embconv .vec or embquery vec; theirs:
                         fasttext print-word-vectors, 5 significant digits) agree word for word
  nn OURS THEIRS K       embquery nn blocks against `fasttext nn` / `fasttext analogies` output
  sim OURS THEIRS        embquery sim lines against cosines of print-word-vectors rows
  analogy OURS VEC QV K  embquery analogy blocks against 3CosAdd over fastText's own vectors:
                         VEC its .vec (every word), QV print-word-vectors of the query words
  gensim MODEL THEIRS    gensim's load_facebook_model(MODEL) gives print-word-vectors' vectors
"""
import math
import random
import sys

WORDS = ("the cat sat on a mat dog ran fast slow naïve café über straße big small red blue "
         "green house tree river mountain 東京 大阪 river's well-known").split()


def corpus(out):
    rng = random.Random(7)
    with open(out, "w", encoding="utf-8") as f:
        for _ in range(400):
            f.write(" ".join(rng.choice(WORDS) for _ in range(12)) + "\n")


def labeled(out):
    rng = random.Random(3)
    words = "good bad fine awful great poor nice ugly".split()
    with open(out, "w", encoding="utf-8") as f:
        for _ in range(200):
            label = rng.choice(["pos", "neg"])
            f.write("__label__%s %s\n" % (label, " ".join(rng.choice(words) for _ in range(6))))


def rows(path, skip_header):
    out = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            p = line.rstrip("\n").rstrip(" ").split(" ")
            if i == 0 and skip_header and len(p) == 2 and all(x.isdigit() for x in p):
                continue
            out.append((p[0], [float(x) for x in p[1:]]))
    return out


def close(a, b):
    # fastText prints 5 significant digits: at most half a unit in the 5th digit apart
    return abs(a - b) <= 5.1e-5 * max(abs(a), abs(b)) + 1e-30


def vec(ours, theirs):
    a, b = rows(ours, True), rows(theirs, False)
    if [w for w, _ in a] != [w for w, _ in b]:
        sys.exit("words differ: %r vs %r" % ([w for w, _ in a][:5], [w for w, _ in b][:5]))
    nonzero = 0
    for (w, u), (_, v) in zip(a, b):
        if len(u) != len(v) or not all(close(x, y) for x, y in zip(u, v)):
            sys.exit("%s: %r vs %r" % (w, u, v))
        nonzero += any(u)
    print("%d rows agree, %d nonzero" % (len(a), nonzero))


def blocks_ours(path):
    out, cur = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                out.append(cur)
                cur = []
                continue
            w, s = line.split("\t")
            cur.append((w, float(s)))
    if cur:
        out.append(cur)
    return out


def blocks_fasttext(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    out = []
    for part in text.split("? ")[1:]:
        lines = [l for l in part.split("\n") if l and not l.startswith("Query ")]
        out.append([(l.rsplit(" ", 1)[0], float(l.rsplit(" ", 1)[1])) for l in lines])
    return [b for b in out if b]


def nn(ours, theirs, k):
    a, b = blocks_ours(ours), blocks_fasttext(theirs)
    if len(a) != len(b):
        sys.exit("%d answers vs %d" % (len(a), len(b)))
    for x, y in zip(a, b):
        if len(x) != k or len(y) != k:
            sys.exit("not %d neighbours: %r %r" % (k, x, y))
        for (w1, s1), (w2, s2) in zip(x, y):
            if abs(s1 - s2) > 1e-4:
                sys.exit("scores differ: %r vs %r" % (x, y))
            # the same word, unless two neighbours tie within print precision
            if w1 != w2 and not any(w == w1 and abs(s - s1) <= 1e-4 for w, s in y):
                sys.exit("neighbours differ: %r vs %r" % (x, y))
    print("%d queries agree" % len(a))


def sim(ours, theirs):
    v = dict(rows(theirs, False))
    n = 0
    with open(ours, encoding="utf-8") as f:
        for line in f:
            a, b, s = line.rstrip("\n").split("\t")
            x, y = v[a], v[b]
            nx, ny = math.sqrt(sum(t * t for t in x)), math.sqrt(sum(t * t for t in y))
            want = sum(p * q for p, q in zip(x, y)) / (nx * ny) if nx and ny else 0.0
            if abs(float(s) - want) > 1e-3:
                sys.exit("%s %s: %s vs %f" % (a, b, s, want))
            n += 1
    print("%d similarities agree" % n)


def unit(v):
    n = math.sqrt(sum(t * t for t in v))
    return [t / n for t in v] if n else list(v)


def analogy(ours, vecfile, qvecs, k):
    table = [(w, unit(v)) for w, v in rows(vecfile, True)]
    q = dict(rows(qvecs, False))
    got = blocks_ours(ours)
    with open(ours + ".queries", encoding="utf-8") as f:
        queries = [l.split() for l in f if l.strip()]
    if len(got) != len(queries):
        sys.exit("%d answers for %d queries" % (len(got), len(queries)))
    for (a, b, c), ans in zip(queries, got):
        ua, ub, uc = unit(q[a]), unit(q[b]), unit(q[c])
        target = unit([y - x + z for x, y, z in zip(ua, ub, uc)])
        scored = sorted(((sum(p * r for p, r in zip(target, v)), w) for w, v in table
                         if w not in (a, b, c)), reverse=True)[:k]
        for (w1, s1), (s2, w2) in zip(ans, scored):
            # fastText's .vec holds 5 digits: scores agree to about 1e-4
            if abs(s1 - s2) > 1e-3 or (w1 != w2 and not any(
                    w == w1 and abs(s - s1) <= 1e-3 for s, w in scored)):
                sys.exit("%s %s %s: %r vs %r" % (a, b, c, ans, scored))
    print("%d analogies agree" % len(got))


def gensim_check(model, theirs):
    from gensim.models.fasttext import load_facebook_model
    m = load_facebook_model(model)
    n = 0
    for w, v in rows(theirs, False):
        u = m.wv[w]
        # gensim sums in its own order: float rounding on top of print precision
        if not all(abs(float(x) - y) <= 2e-4 * max(abs(y), 1e-3) for x, y in zip(u, v)):
            sys.exit("%s: gensim %r vs fasttext %r" % (w, list(u), v))
        n += 1
    print("gensim agrees on %d words" % n)


def main():
    cmd = sys.argv[1]
    if cmd == "corpus":
        corpus(sys.argv[2])
    elif cmd == "labeled":
        labeled(sys.argv[2])
    elif cmd == "vec":
        vec(sys.argv[2], sys.argv[3])
    elif cmd == "nn":
        nn(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == "sim":
        sim(sys.argv[2], sys.argv[3])
    elif cmd == "analogy":
        analogy(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    elif cmd == "gensim":
        gensim_check(sys.argv[2], sys.argv[3])
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
