#!/bin/sh
# Float text conversion: emb_float_parse / emb_float_format / emb_float_format_fixed against the
# C library (glibc strtof, printf "%g" "%.9g" "%.6f") on the same values, one core, ours and the
# peer alternating round by round; medians of ROUNDS rounds.  Writes bench/results/float.md.
#   N=30000000 ROUNDS=5 sh bench/float.sh
# The driver bench/float_bench.c is compiled here against lib/text/emb_float*.c (the peer is libc,
# nothing to fetch).  Times are the thread's CPU time: teammates share the machine.
# Values: "6-decimal" = values in [-1, 1] with 6 decimals as GloVe-style text has them;
# "full-precision" = gaussian * 0.3 floats as a trained model holds them.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
work=$top/bench/work/float
out=$top/bench/results/float.md
N=${N:-30000000}
ROUNDS=${ROUNDS:-5}
CC=${CC:-cc}
mkdir -p "$work" "$top/bench/results"

# Same flags as the library build (no -march=native: what users get).
$CC -std=c11 -D_DEFAULT_SOURCE -O2 -I"$top/lib" -I"$top/lib/core" -I"$top/lib/text" -o "$work/float_bench" \
	"$top/bench/float_bench.c" "$top/lib/text/emb_float.c" "$top/lib/text/emb_float_parse.c" \
	"$top/lib/text/emb_float_fixed.c" "$top/lib/text/emb_f16.c" -lm

echo "float.sh: $N values, $ROUNDS rounds" >&2
res=$(taskset -c 0 "$work/float_bench" "$N" "$ROUNDS" 2>/dev/null ||
	"$work/float_bench" "$N" "$ROUNDS")

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
{
	echo "# Float text conversion: embkit vs the C library"
	echo
	echo "Machine: ${cpu:-unknown CPU}, $(nproc) cores, $(uname -sm), $(${CC} --version | head -n 1)."
	echo "Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) (teammates compiling: noisy)."
	echo "Command: \`N=$N ROUNDS=$ROUNDS sh bench/float.sh\` ($(date -u +%Y-%m-%d))."
	echo "$N values per case; MB/s of text read or written per second of the thread's CPU time,"
	echo "median of $ROUNDS rounds, ours and the peer alternating within each round on one core."
	echo "Ratio = ours / peer throughput."
	echo
	echo "| case | ours | peer | ours MB/s | peer MB/s | ratio |"
	echo "|---|---|---|---:|---:|---:|"
	printf '%s\n' "$res" | awk -F '\t' '{ printf "| %s | %s | %s | %s | %s | %sx |\n", $1, $2, $3, $4, $5, $6 }'
	echo
	echo "Both sides produce identical floats (parse) and text that round-trips exactly; \"%g\""
	echo "prints 6 significant digits and does not round-trip in general, \"%.9g\" does but is"
	echo "not shortest.  Parse of the shortest text mixes 6- to 9-digit values."
} >"$out"
cat "$out"
