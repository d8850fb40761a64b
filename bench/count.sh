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

# measure NAME CMD...: append "NAME wall-seconds peak-KiB cpu-seconds" to $raw
measure() {
	name=$1
	shift
	/usr/bin/time -f "%e %M %U %S" -o "$work/time.out" "$@" >/dev/null 2>"$work/err.out" || {
		echo "bench/count.sh: $name failed:" >&2
		cat "$work/err.out" >&2
		exit 1
	}
	tail -n 1 "$work/time.out" | awk -v n="$name" '{ printf "%s %s %s %.2f\n", n, $1, $2, $3 + $4 }' >>"$raw"
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
c_tv=$(median tokvocab 4); c_tv1=$(median tokvocab-1 4); c_w2v=$(median word2vec 4); c_sort=$(median sort 4)
mbs() { awk -v b="$bytes" -v t="$1" 'BEGIN { if (t > 0) printf "%.0f", b / 1e6 / t; else printf "-" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

{
	echo "## count: tokvocab count vs word2vec.c vocabulary pass vs sort | uniq -c"
	echo
	echo "Machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1); load average at start of write-up: $(cut -d ' ' -f 1-3 /proc/loadavg)."
	echo "Input: bench/work/corpus.txt repeated to $(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1e6 }') MB ($(wc -w <"$big") words)."
	echo "Medians of $ROUNDS interleaved rounds (sort pipeline: $SORT_ROUNDS); peak RSS from /usr/bin/time -f %M;"
	echo "CPU s = user + system time, which a busy machine disturbs far less than wall time."
	echo "Same counts as word2vec.c for every token shorter than its 98-byte cut (ignoring its </s>): $same."
	echo
	echo "| command | wall s | MB/s | CPU s | MB per CPU s | peak RSS MiB | wall vs word2vec.c | CPU vs word2vec.c |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	row() { echo "| $1 | $2 | $(mbs "$2") | $3 | $(mbs "$3") | $(mib "$4") | $(ratio "$t_w2v" "$2")x | $(ratio "$c_w2v" "$3")x |"; }
	row "\`tokvocab count\` ($(nproc) threads)" "$t_tv" "$c_tv" "$m_tv"
	row "\`tokvocab count -j 1\`" "$t_tv1" "$c_tv1" "$m_tv1"
	row "\`word2vec -train F -save-vocab V -min-count 1\`" "$t_w2v" "$c_w2v" "$m_w2v"
	row "\`tr -s ' ' '\\\\n' \\| sort \\| uniq -c\` (LC_ALL=C)" "$t_sort" "$c_sort" "$m_sort"
	echo
	echo "Raw (name wall-s KiB CPU-s):"
	echo
	echo '```'
	cat "$raw"
	echo '```'
} >bench/results/count.md
cat bench/results/count.md
