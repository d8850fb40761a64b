#!/bin/sh
# bench/torch.sh: embkit.PackDataset (PACK batches from embpack, as torch tensors with a
# PackedSequence) against a plain Python loop calling pad_sequence + pack_padded_sequence on
# the same ids, batch for batch (the loop gets the batches' members from the PACK index and
# its ids already parsed into tensors, so it is timed on padding and packing alone).
# Input: TORCH_N sequences (default 300k) from bench/pack.sh's generator (Zipf-ish lengths,
# mean ~15, cap 512), `embpack -b 64 --bucket 6400`.  Rates are batches/s and MB/s of batch
# arrays (the uncompressed PACK payload bytes) per wall second; medians of TORCH_REPS runs.
# Writes bench/results/torch.md.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
: "${EMB_BUILD:=$top/build}"
N=${TORCH_N:-300000}
REPS=${TORCH_REPS:-3}
PY=/usr/bin/python3
work="$top/bench/work/torch"
res="$top/bench/results/torch.md"
mkdir -p "$work" "$top/bench/results"
[ -x "$EMB_BUILD/embpack" ] || make -C "$top" B="$(basename "$EMB_BUILD")" all >&2

in="$work/ids-$N.txt"
if [ ! -s "$in" ]; then
	awk -v n="$N" 'BEGIN { srand(1)
		for (i = 0; i < n; i++) {
			l = int(8 / sqrt(rand() + 1e-9)); if (l > 512) l = 512
			line = int(50000 * rand() ^ 3)
			for (j = 1; j < l; j++) line = line " " int(50000 * rand() ^ 3)
			print line } }' >"$in.tmp"
	mv "$in.tmp" "$in"
fi
"$EMB_BUILD/embpack" -q -b 64 --bucket 6400 -o "$work/gz.pack" "$in"
"$EMB_BUILD/embpack" -q -b 64 --bucket 6400 --level 0 -o "$work/plain.pack" "$in"

{
echo "## embkit.PackDataset vs a Python pad/pack loop (bench/torch.sh)"
echo
echo "Machine: $(nproc) cores; load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)."
echo "The same $N id sequences, \`embpack -b 64 --bucket 6400\`: PackDataset reads the PACK file"
echo "(every CRC checked, each batch as torch tensors with its PackedSequence); the loop gets the"
echo "same batches' ids already parsed into tensors and calls pad_sequence + pack_padded_sequence"
echo "(enforce_sorted=False) per batch.  MB/s counts the batch arrays (uncompressed PACK bytes)."
echo
} >"$res.tmp"
PYTHONPATH="$top/python" "$PY" - "$in" "$work" "$REPS" <<'EOF' >>"$res.tmp"
import os, statistics, sys, time
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence
import embkit
from embkit import pack

src, work, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
plain, gz = os.path.join(work, "plain.pack"), os.path.join(work, "gz.pack")
payload = os.path.getsize(plain)            # the arrays, uncompressed (+ 48-byte headers)
batches = [b["index"] for b in pack.read(plain)]
t0 = time.perf_counter()
seqs = [torch.tensor([int(x) for x in l.split()], dtype=torch.int64) for l in open(src)]
parse = time.perf_counter() - t0


def dataset(path, workers):
    def run():
        ds = embkit.PackDataset(path)
        n = 0
        for b in torch.utils.data.DataLoader(ds, batch_size=None, num_workers=workers):
            n += b["packed"].data.numel() > 0
        return n
    return run


def loop():
    n = 0
    for idx in batches:
        group = [seqs[i] for i in idx]
        padded = pad_sequence(group, batch_first=False, padding_value=0)
        lengths = torch.tensor([len(s) for s in group])
        p = pack_padded_sequence(padded, lengths, enforce_sorted=False)
        n += p.data.numel() > 0
    return n


cases = [("`PackDataset(plain.pack)`, num_workers=0 (uncompressed PACK)", dataset(plain, 0)),
         ("`PackDataset(gz.pack)`, num_workers=0 (gzip PACK, member by member)", dataset(gz, 0)),
         ("`PackDataset(gz.pack)`, num_workers=2", dataset(gz, 2)),
         ("Python loop: `pad_sequence` + `pack_padded_sequence` per batch", loop)]
times = {name: [] for name, _ in cases}
for r in range(reps):
    for name, fn in cases:
        t0 = time.perf_counter()
        n = fn()
        times[name].append(time.perf_counter() - t0)
        assert n == len(batches), (name, n)
print("| reader | batches | wall s (median of %d) | batches/s | MB/s of batches |" % reps)
print("|---|---:|---:|---:|---:|")
for name, _ in cases:
    t = statistics.median(times[name])
    print("| %s | %d | %.2f | %.0f | %.0f |" % (name, len(batches), t, len(batches) / t,
                                                 payload / t / 1e6))
print()
print("%d sequences, %d batches, %.1f MB of batch arrays (PACK uncompressed), %.1f MB gzip; "
      "parsing the id text into tensors for the loop took %.2f s (not in its time). torch %s."
      % (len(seqs), len(batches), payload / 1e6, os.path.getsize(gz) / 1e6, parse,
         torch.__version__))
EOF
mv "$res.tmp" "$res"
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)." >>"$res"
cat "$res"
