#!/usr/bin/python3
"""embquery lookup against torch.nn.Embedding.from_pretrained(max_norm=..., norm_type=...).

Usage: embquery_torch.py WORKDIR EMBQUERY

A random table with rows planted exactly at the bound for p = 1, 2 and 3 (and rows far above
and below it) is written as word2vec text with every float exact; random id sequences are
looked up by embquery and by torch, for norm_type 1, 2 and 3, and must agree to float
rounding (torch renormalises the weight in place, so a row is scaled once and then stays).
"""
import os
import subprocess
import sys

import numpy as np
import torch

work, embquery = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(11)
ROWS, DIM, MAX = 40, 6, 1.25
w = (rng.standard_normal((ROWS, DIM)) * rng.choice([0.1, 0.5, 3.0], size=(ROWS, 1))).astype(np.float32)
w[1] = 0
w[1, 2] = MAX                       # |x| = MAX for every p: exactly at the bound
w[2] = 0
w[2, :2] = [0.75, 1.0]              # 2-norm exactly 1.25 (no cube is a sum of two)
w[3] = 0
w[3, :2] = [1.0, 0.25]              # 1-norm exactly 1.25
w[4] = 0                            # a zero row
path = os.path.join(work, "lookup.txt")
with open(path, "w") as f:
    f.write("%d %d\n" % (ROWS, DIM))
    for i in range(ROWS):
        f.write("w%d %s\n" % (i, " ".join(repr(float(x)) for x in w[i])))

seqs = [list(rng.integers(0, ROWS, size=int(rng.integers(1, 12)))) for _ in range(60)]
seqs[0] = [1, 2, 3, 4, 1]
stdin = "".join(" ".join(str(i) for i in s) + "\n" for s in seqs)
checks = 0
for p in (1.0, 2.0, 3.0):
    out = subprocess.run([embquery, "lookup", path, "--max-norm", str(MAX), "--norm-type", str(p)],
                         input=stdin, capture_output=True, text=True, check=True).stdout
    ours = [np.array([[float(x) for x in line.split()] for line in blk.split("\n")], dtype=np.float32)
            for blk in out.strip("\n").split("\n\n")]
    emb = torch.nn.Embedding.from_pretrained(torch.from_numpy(w.copy()), max_norm=MAX, norm_type=p)
    for s, o in zip(seqs, ours):
        with torch.no_grad():
            ref = emb(torch.tensor(s, dtype=torch.long)).numpy()
        assert o.shape == ref.shape, (o.shape, ref.shape)
        assert np.allclose(o, ref, rtol=2e-6, atol=1e-7), "p=%g ids %s:\n%s\n%s" % (p, s, o, ref)
        checks += 1
    # rows at the bound are left exactly as they are
    assert (ours[0][0] == w[1]).all(), (p, ours[0][0], w[1])
    if p == 2.0:
        assert (ours[0][1] == w[2]).all()
    if p == 1.0:
        assert (ours[0][2] == w[3]).all()
    assert len(ours) == len(seqs)
print("torch interop: %d checks passed" % checks)
