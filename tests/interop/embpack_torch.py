"""embpack against torch: padded/packed batches (PACK via embkit.pack, and npz) must
equal torch.nn.utils.rnn.pad_sequence / pack_padded_sequence, pad_packed_sequence must give
the padded batch back, and --embed must equal nn.Embedding.from_pretrained(...) on the data.

Usage: embpack_torch.py EMBPACK TMPDIR [ROUNDS [SEED]]
Torch orders equal lengths with an unstable sort; we check that our sorted_indices is the
stable longest-first order, equals torch's up to ties, and that data/batch_sizes equal torch
applied to OUR order, so torch's tie order cannot matter.
"""
import os
import random
import shutil
import subprocess
import sys

import numpy as np
import torch
from torch.nn.utils.rnn import (PackedSequence, pack_padded_sequence, pad_packed_sequence,
                                pad_sequence)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "python"))
from embkit import pack as packreader  # noqa: E402

EMBPACK, TMP = sys.argv[1], sys.argv[2]
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 24
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 7)
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg, file=sys.stderr)


def run(args):
    p = subprocess.run([EMBPACK] + args, capture_output=True)
    if p.returncode != 0:
        raise SystemExit("embpack %s failed: %s" % (args, p.stderr.decode()))


def check_batch(tag, b, seqs, pad, batch_first, enforce):
    idx = b["index"]
    lengths = b["lengths"]
    want = [torch.tensor(seqs[i], dtype=torch.int64) for i in idx]
    if lengths.tolist() != [len(s) for s in want]:
        return fail("%s: lengths" % tag)
    padded = torch.from_numpy(np.ascontiguousarray(b["padded"]))
    tp = pad_sequence(want, batch_first=batch_first, padding_value=pad)
    if not torch.equal(tp, padded):
        return fail("%s: padded differs from pad_sequence" % tag)
    L = torch.from_numpy(lengths)
    try:
        tpk = pack_padded_sequence(tp, L, batch_first=batch_first, enforce_sorted=enforce)
    except RuntimeError:
        return fail("%s: torch refused the batch" % tag)
    if not torch.equal(tpk.batch_sizes, torch.from_numpy(b["batch_sizes"])):
        return fail("%s: batch_sizes" % tag)
    srt = b["sorted_indices"]
    uns = b["unsorted_indices"]
    stable = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    if srt.tolist() != stable:
        return fail("%s: sorted_indices is not the stable longest-first order" % tag)
    if not np.array_equal(uns, np.argsort(srt)):
        return fail("%s: unsorted_indices is not the inverse" % tag)
    if enforce:
        if tpk.sorted_indices is not None:
            return fail("%s: torch sorted an enforce_sorted batch" % tag)
        ref_data = tpk.data
    else:
        ts = tpk.sorted_indices
        if not np.array_equal(lengths[ts.numpy()], lengths[srt]):
            return fail("%s: sorted_indices differ from torch beyond ties" % tag)
        o = torch.from_numpy(srt)
        ours = tp.index_select(0 if batch_first else 1, o)
        ref_data = pack_padded_sequence(ours, L[o], batch_first=batch_first,
                                        enforce_sorted=True).data
    if not torch.equal(ref_data, torch.from_numpy(b["data"])):
        return fail("%s: data differs from pack_padded_sequence" % tag)
    ps = PackedSequence(torch.from_numpy(b["data"]), torch.from_numpy(b["batch_sizes"]),
                        torch.from_numpy(srt), torch.from_numpy(uns))
    back, blen = pad_packed_sequence(ps, batch_first=batch_first, padding_value=pad,
                                     total_length=padded.shape[1 if batch_first else 0])
    if not torch.equal(back, padded) or not torch.equal(blen, L):
        return fail("%s: pad_packed_sequence does not give the padded batch back" % tag)


def check_embed(tag, b, weight, pad_row, max_norm, norm_type):
    w = torch.from_numpy(weight.copy())
    w[pad_row] = 0
    emb = torch.nn.Embedding.from_pretrained(w, padding_idx=pad_row, max_norm=max_norm,
                                             norm_type=norm_type)
    with torch.no_grad():
        ref = emb(torch.from_numpy(b["data"])).numpy()
    got = b["vectors"]
    if got.dtype != np.float32 or got.shape != ref.shape:
        return fail("%s: vectors shape %s dtype %s" % (tag, got.shape, got.dtype))
    if not np.allclose(got, ref, rtol=2e-6, atol=1e-6):
        return fail("%s: vectors differ from nn.Embedding (max |d| %g)" %
                    (tag, np.abs(got - ref).max()))


def npz_batches(d):
    names = sorted(f for f in os.listdir(d) if f.endswith(".npz"))
    for k, f in enumerate(names):
        if f != "batch-%06d.npz" % k:
            fail("npz name %s" % f)
        with np.load(os.path.join(d, f)) as z:
            b = {n: z[n] for n in z.files}
        for n in ("padded", "lengths", "index", "data", "batch_sizes", "sorted_indices",
                  "unsorted_indices"):
            if b[n].dtype != np.int64:
                fail("npz %s: %s is %s, not int64" % (f, n, b[n].dtype))
        yield b


def one_round(r):
    nseq = rng.randint(1, 300)
    maxlen = rng.choice([1, 3, 8, 50])
    pool = sorted(rng.sample(range(1, 51), min(50, rng.randint(1, 6))))  # many ties
    pool = [min(x, maxlen) for x in pool]
    vocab = rng.choice([5, 100, 10000])
    seqs = [[rng.randrange(vocab) for _ in range(rng.choice(pool))] for _ in range(nseq)]
    enforce = rng.random() < 0.25
    if enforce:
        seqs.sort(key=len, reverse=True)
    batch_first = rng.random() < 0.5
    bs = rng.randint(1, 64)
    pad = rng.choice([0, 1, vocab - 1])
    args = ["-b", str(bs), "-p", str(pad)]
    if batch_first:
        args.append("--batch-first")
    if enforce:
        args.append("--enforce-sorted")
    elif rng.random() < 0.4:
        args += ["--bucket", str(rng.choice([1, 7, 100]))]
    embed = rng.random() < 0.4
    weight = None
    max_norm, norm_type = None, 2.0
    if embed:
        dim = rng.randint(1, 8)
        weight = (np.random.default_rng(r).standard_normal((vocab, dim)) * 2).astype(np.float32)
        table = os.path.join(TMP, "t%d.txt" % r)
        with open(table, "w") as f:
            for i in range(vocab):
                f.write("w%d %s\n" % (i, " ".join(repr(float(x)) for x in weight[i])))
        args += ["--embed", table]
        if rng.random() < 0.6:
            max_norm = rng.choice([0.5, 1.0, 3.0])
            norm_type = rng.choice([1.0, 2.0, 3.5])
            args += ["--max-norm", str(max_norm), "--norm-type", str(norm_type)]
    inp = os.path.join(TMP, "in%d.txt" % r)
    with open(inp, "w") as f:
        f.write("".join(" ".join(map(str, s)) + "\n" for s in seqs))
    pack = os.path.join(TMP, "out%d.pack" % r)
    npzd = os.path.join(TMP, "npz%d" % r)
    shutil.rmtree(npzd, ignore_errors=True)
    run(args + ["-o", pack, inp])
    run(args + ["--to", "npz", "-o", npzd, inp])
    seen = []
    for src, batches in (("pack", packreader.read(pack)), ("npz", npz_batches(npzd))):
        count = 0
        for k, b in enumerate(batches):
            tag = "round %d %s batch %d (%s)" % (r, src, k, " ".join(args))
            check_batch(tag, b, seqs, pad, batch_first, enforce)
            if embed:
                check_embed(tag, b, weight, pad, max_norm, norm_type)
            if src == "pack":
                seen.extend(b["index"].tolist())
            count += len(b["lengths"])
        if count != nseq:
            fail("round %d %s: %d sequences, want %d" % (r, src, count, nseq))
    if sorted(seen) != list(range(nseq)):
        fail("round %d: batches do not cover every input line once" % r)


for r in range(ROUNDS):
    one_round(r)
print("%d rounds, %d failures" % (ROUNDS, len(failures)))
sys.exit(1 if failures else 0)
