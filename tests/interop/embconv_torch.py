#!/usr/bin/python3
"""embconv --max-norm/--norm-type agree with torch.nn.Embedding(max_norm=...): the same
formula (scale = max_norm / (norm + 1e-7) applied to the float row), bit for bit except
where torch's float-accumulated norm is itself off the exact norm by an ulp or two.

usage: embconv_torch.py WORKDIR
"""
import os
import subprocess
import sys

import numpy as np
import torch


def main():
    work = sys.argv[1]
    rng = np.random.default_rng(11)
    w = (rng.standard_normal((64, 9)) * rng.uniform(0.1, 3, size=(64, 1))).astype(np.float32)
    txt = os.path.join(work, "w.txt")
    with open(txt, "w") as f:
        for i, row in enumerate(w):
            f.write("t%d %s\n" % (i, " ".join(repr(float(x)) for x in row)))
    for norm_type in ("2", "1", "3", "inf"):
        out = os.path.join(work, "r%s.bin" % norm_type)
        subprocess.run(["embconv", "-q", "--max-norm", "1.5", "--norm-type", norm_type, txt, out],
                       check=True)
        data = open(out, "rb").read()
        ours = []
        pos = data.index(b"\n") + 1
        for _ in range(64):
            sp = data.index(b" ", pos)
            ours.append(np.frombuffer(data, dtype="<f4", count=9, offset=sp + 1))
            pos = sp + 1 + 36 + 1
        ours = np.stack(ours)
        p = float("inf") if norm_type == "inf" else float(norm_type)
        emb = torch.nn.Embedding.from_pretrained(torch.tensor(w), max_norm=1.5, norm_type=p)
        emb(torch.arange(64))  # renormalises the looked-up rows in place
        theirs = emb.weight.detach().numpy()
        diff = np.abs(ours.view(np.int32).astype(np.int64) - theirs.view(np.int32).astype(np.int64))
        if diff.max() > 4 or np.mean(diff == 0) < 0.5:
            sys.exit("norm_type %s: %d ulp from torch, %.0f%% exact"
                     % (norm_type, diff.max(), 100 * np.mean(diff == 0)))


main()
