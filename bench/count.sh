#!/bin/sh
# bench/count.sh: `tokvocab count` (default threads, and one thread) against word2vec.c's
# vocabulary pass (`word2vec -train F -save-vocab V -min-count 1`, no -output: it only counts)
# and `tr -s ' ' '\n' | sort | uniq -c`, interleaved in one run on the English bench corpus
# repeated to at least 100 MB.  Writes bench/results/count.md (machine, commands, medians of
# wall time, MB/s, peak RSS, ratios) and checks that tokvocab and word2vec.c count the same.
# ROUNDS (default 5) rounds; the sort pipeline, ~50x slower, runs SORT_ROUNDS (default 1).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
: "${EMB_BUILD:=$top/build}"
: "${ROUNDS:=5}"
: "${SORT_ROUNDS:=1}"
sh bench/corpus.sh
sh bench/peers.sh
tv="$EMB_BUILD/tokvocab"
w2v="$top/bench/work/peers/word2vec/word2vec"
[ -x "$tv" ] || { echo "bench/count.sh: build tokvocab first (make)" >&2; exit 1; }
work="$top/bench/work/count"
mkdir -p "$work" bench/results
big="$work/corpus-100mb.txt"
if [ ! -s "$big" ]; then
	: >"$big.tmp"
	while [ "$(wc -c <"$big.tmp")" -lt 100000000 ]; do
		cat bench/work/corpus.txt >>"$big.tmp"
	done
	mv "$big.tmp" "$big"
fi
bytes=$(wc -c <"$big")
raw="$work/raw.txt"
: >"$raw"

# measure NAME CMD...: append "NAME seconds peak-KiB" to $raw
measure() {
	name=$1
	shift
	/usr/bin/time -f "%e %M" -o "$work/time.out" "$@" >/dev/null 2>"$work/err.out" || {
		echo "bench/count.sh: $name failed:" >&2
		cat "$work/err.out" >&2
		exit 1
	}
	echo "$name $(tail -n 1 "$work/time.out")" >>"$raw"
}

r=1
while [ "$r" -le "$ROUNDS" ]; do
	measure tokvocab "$tv" count -q "$big" -o "$work/tokvocab.tsv"
	measure word2vec "$w2v" -train "$big" -save-vocab "$work/w2v.txt" -min-count 1
	measure tokvocab-1 "$tv" count -q -j 1 "$big" -o "$work/tokvocab1.tsv"
	if [ "$r" -le "$SORT_ROUNDS" ]; then
		measure sort sh -c "LC_ALL=C tr -s ' ' '\n' <'$big' | LC_ALL=C sort | uniq -c >'$work/sort.txt'"
	fi
	r=$((r + 1))
done

# The same counts: word2vec.c adds </s> (one per line), orders ties arbitrarily and cuts
# tokens to 98 bytes (MAX_STRING), so tokens of 98 bytes or more are left out of the check.
cmp "$work/tokvocab.tsv" "$work/tokvocab1.tsv"
short() { LC_ALL=C awk 'length($1) < 98' | LC_ALL=C sort; }
tr '\t' ' ' <"$work/tokvocab.tsv" | short >"$work/a.txt"
grep -v '^</s> ' "$work/w2v.txt" | short >"$work/b.txt"
if cmp -s "$work/a.txt" "$work/b.txt"; then same=yes; else same=NO; fi

median() { # median NAME COLUMN
	awk -v n="$1" -v c="$2" '$1 == n { print $c }' "$raw" | sort -g |
		awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
t_tv=$(median tokvocab 2); t_tv1=$(median tokvocab-1 2); t_w2v=$(median word2vec 2); t_sort=$(median sort 2)
m_tv=$(median tokvocab 3); m_tv1=$(median tokvocab-1 3); m_w2v=$(median word2vec 3); m_sort=$(median sort 3)
mbs() { awk -v b="$bytes" -v t="$1" 'BEGIN { printf "%.0f", b / 1e6 / t }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

{
	echo "## count: tokvocab count vs word2vec.c vocabulary pass vs sort | uniq -c"
	echo
	echo "Machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1); load average at start of write-up: $(cut -d ' ' -f 1-3 /proc/loadavg)."
	echo "Input: bench/work/corpus.txt repeated to $(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1e6 }') MB ($(wc -w <"$big") words)."
	echo "Medians of $ROUNDS interleaved rounds (sort pipeline: $SORT_ROUNDS); peak RSS from /usr/bin/time -f %M."
	echo "Same counts as word2vec.c for every token shorter than its 98-byte cut (ignoring its </s>): $same."
	echo
	echo "| command | median s | MB/s | peak RSS MiB | speed vs word2vec.c |"
	echo "|---|---:|---:|---:|---:|"
	echo "| \`tokvocab count\` ($(nproc) threads) | $t_tv | $(mbs "$t_tv") | $(mib "$m_tv") | $(ratio "$t_w2v" "$t_tv")x |"
	echo "| \`tokvocab count -j 1\` | $t_tv1 | $(mbs "$t_tv1") | $(mib "$m_tv1") | $(ratio "$t_w2v" "$t_tv1")x |"
	echo "| \`word2vec -train F -save-vocab V -min-count 1\` | $t_w2v | $(mbs "$t_w2v") | $(mib "$m_w2v") | 1.00x |"
	echo "| \`tr -s ' ' '\\\\n' \\| sort \\| uniq -c\` (LC_ALL=C) | $t_sort | $(mbs "$t_sort") | $(mib "$m_sort") | $(ratio "$t_w2v" "$t_sort")x |"
	echo
	echo "Raw (name seconds KiB):"
	echo
	echo '```'
	cat "$raw"
	echo '```'
} >bench/results/count.md
cat bench/results/count.md
