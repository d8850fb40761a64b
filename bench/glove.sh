#!/bin/sh
# bench/glove.sh: embtrain --model glove against Stanford GloVe's four programs (vocab_count,
# cooccur, shuffle, glove) on the bench corpus (bench/corpus.sh), same settings: window 10
# (symmetric, 1/d), x_max 10, 15 iterations, dim 100, min-count 5, 2 threads.
# Stanford GloVe is never part of this repository: bench/peers.sh (make bench) clones and builds
# it in bench/work/peers/GloVe (ignored by git), or give GLOVE_DIR=/path/GloVe, a checkout built
# with its own Makefile (binaries in $GLOVE_DIR/build); without either the peer's rows are
# skipped with a note.
# Measured: the whole pipeline's wall and CPU (user+sys) time and peak RSS, ours and the
# peer's runs interleaved (RUNS each, medians); quality of each (analogy on questions-words.txt
# over the 30k most frequent rows and WordSim353 Spearman, with embquery); and the spill run:
# --memory 48M on an 8 MB corpus, its peak RSS against budget + 4 x V x (D+1) floats + 40 MB,
# and its vectors against an unbounded run's (1 thread, same seed: the same bytes).
# Knobs: CORPUS, GLOVE_MB (corpus prefix, default 20), SPILL_MB (8), RUNS (1), EPOCHS (15).
# Writes bench/results/glove.md.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${EMB_BUILD:-$top/build}
work=$top/bench/work/glove
out=$top/bench/results/glove.md
GLOVE_MB=${GLOVE_MB:-20}
SPILL_MB=${SPILL_MB:-8}
RUNS=${RUNS:-1}
EPOCHS=${EPOCHS:-15}
eval_dir=$top/data/eval
mkdir -p "$work" "$top/bench/results"
# CORPUS: another copy of the bench corpus (else bench/corpus.sh makes bench/work/corpus.txt)
if [ -z "${CORPUS:-}" ]; then
	sh "$top/bench/corpus.sh"
	CORPUS=$top/bench/work/corpus.txt
fi
[ -x "$B/embtrain" ] || make -C "$top" -j2 >&2
corpus=$CORPUS
# whole lines of the first MB megabytes
head -c "${GLOVE_MB}000000" "$corpus" | sed '$d' >"$work/corpus.txt"
head -c "${SPILL_MB}000000" "$corpus" | sed '$d' >"$work/spill.txt"
c=$work/corpus.txt
peer=
# bench/peers.sh clones and builds it here when GLOVE_DIR is not given
[ -z "${GLOVE_DIR:-}" ] && [ -x "$top/bench/work/peers/GloVe/build/glove" ] && GLOVE_DIR=$top/bench/work/peers/GloVe
if [ -n "${GLOVE_DIR:-}" ] && [ -x "$GLOVE_DIR/build/glove" ] && [ -x "$GLOVE_DIR/build/cooccur" ]; then
	peer=$GLOVE_DIR/build
else
	echo "glove.sh: GLOVE_DIR not set or not built: Stanford GloVe skipped" >&2
fi

timed() { # NAME CMD...: "wall rss_kb user sys" appended to times.txt under NAME
	name=$1
	shift
	/usr/bin/time -f "%e %M %U %S" -o "$work/time.tmp" "$@" >/dev/null 2>"$work/$name.err" ||
		{ cat "$work/$name.err" >&2; echo "glove.sh: $name failed" >&2; exit 1; }
	echo "$name $(cat "$work/time.tmp")" >>"$work/times.txt"
	echo "$name: $(cat "$work/time.tmp")" >&2
}

ours() {
	timed ours "$B/embtrain" -q --model glove -w 10 --x-max 10 -e "$EPOCHS" -d 100 --min-count 5 \
		-j 2 -t glove "$c" -o "$work/ours.txt"
}
# the four programs as their README runs them (demo.sh), defaults for memory; one shell times
# all four (its children's CPU and largest RSS)
stanford() {
	timed peer sh -c 'set -e; cd "$1"; p=$2; c=$3; e=$4
		"$p/vocab_count" -min-count 5 -verbose 0 <"$c" >vocab.txt
		"$p/cooccur" -memory 4.0 -vocab-file vocab.txt -verbose 0 -window-size 10 <"$c" >cooc.bin
		"$p/shuffle" -memory 4.0 -verbose 0 <cooc.bin >cooc.shuf.bin
		"$p/glove" -save-file peer -threads 2 -input-file cooc.shuf.bin -x-max 10 -iter "$e" \
			-vector-size 100 -binary 0 -vocab-file vocab.txt -verbose 0 -seed 1
		rm -f cooc.bin cooc.shuf.bin' sh "$work" "$peer" "$c" "$EPOCHS"
}

: >"$work/times.txt"
for _ in $(seq "$RUNS"); do
	ours
	[ -z "$peer" ] || stanford
done

quality() { # VECTORS: "analogy ws353"
	a=$("$B/embquery" eval-analogy -r 30000 "$1" "$eval_dir/questions-words.txt" 2>/dev/null |
		awk '$1 == "total" { printf "%.2f", $4 * 100 }')
	w=$("$B/embquery" eval-sim "$1" "$eval_dir/wordsim353.tsv" 2>/dev/null |
		awk '$1 == "spearman" { printf "%.3f", $2 }')
	echo "$a $w"
}
q_ours=$(quality "$work/ours.txt")
q_peer=
[ -z "$peer" ] || q_peer=$(quality "$work/peer.txt")

# ---- spill: --memory 48M on the small corpus, then the same without a bound ----
s=$work/spill.txt
/usr/bin/time -f "%e %M %U %S" -o "$work/spill.time" "$B/embtrain" --model glove -w 10 \
	--x-max 10 -e 3 -d 100 --min-count 5 -j 1 --seed 7 --memory 48M -t word2vec "$s" \
	-o "$work/spill.vec" 2>"$work/spill.err"
"$B/embtrain" -q --model glove -w 10 --x-max 10 -e 3 -d 100 --min-count 5 -j 1 --seed 7 \
	-t word2vec "$s" -o "$work/nospill.vec"
same=no
cmp -s "$work/spill.vec" "$work/nospill.vec" && same=yes
rows=$(head -n 1 "$work/spill.vec" | cut -d' ' -f1)
read -r s_wall s_rss s_user s_sys <"$work/spill.time"
limit_mb=$(awk -v v="$rows" 'BEGIN { printf "%.0f", 48 + 4 * v * 101 * 4 / 1048576 + 40 }')
runs=$(sed -n 's/.*(\([0-9]*\) runs spilled.*/\1/p' "$work/spill.err")

med() { # NAME COLUMN: the median of that column of NAME's runs
	awk -v n="$1" -v k="$2" '$1 == n { print $k }' "$work/times.txt" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}
row() { # NAME LABEL QUALITY
	w=$(med "$1" 2) r=$(med "$1" 3) u=$(med "$1" 4) y=$(med "$1" 5)
	set -- "$2" $3
	echo "| $1 | $w | $(awk -v u="$u" -v y="$y" 'BEGIN { printf "%.1f", u + y }') | $(awk -v r="$r" 'BEGIN { printf "%.0f", r / 1024 }') | $2 | $3 |"
}
words=$(wc -w <"$c")
{
	echo "## GloVe: embtrain --model glove vs Stanford GloVe (bench/glove.sh)"
	echo
	echo "Corpus: the first $GLOVE_MB MB of the bench corpus ($words words); window 10, x_max 10, $EPOCHS iterations, dim 100, min-count 5, 2 threads; medians of $RUNS run(s), ours and the peer's interleaved. Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo
	echo "| pipeline | wall s | CPU s (user+sys) | peak RSS MB | analogy % (30k) | ws353 rho |"
	echo "|---|---|---|---|---|---|"
	row ours "embtrain --model glove -w 10 --x-max 10 -e $EPOCHS -d 100 -j 2" "$q_ours"
	if [ -n "$peer" ]; then
		row peer "vocab_count + cooccur + shuffle + glove -threads 2" "$q_peer"
		echo
		awk -v a="$(med ours 2)" -v b="$(med peer 2)" -v c="$(med ours 4)" -v d="$(med ours 5)" \
			-v e="$(med peer 4)" -v f="$(med peer 5)" 'BEGIN {
			printf "Stanford / ours: wall %.2fx, CPU %.2fx.\n", b / a, (e + f) / (c + d) }'
	else
		echo
		echo "Stanford GloVe: not measured (GLOVE_DIR not given)."
	fi
	echo
	echo "Spill: \`embtrain --model glove --memory 48M -j 1 -e 3\` on the first $SPILL_MB MB ($rows rows): $runs sorted runs spilled; peak RSS $(awk -v r="$s_rss" 'BEGIN { printf "%.0f", r / 1024 }') MB against a bound of $limit_mb MB (48 + 4 x V x 101 floats + 40); wall $s_wall s, CPU $(awk -v u="$s_user" -v y="$s_sys" 'BEGIN { printf "%.1f", u + y }') s; the same vectors as without --memory: $same."
} >"$out"
cat "$out"
