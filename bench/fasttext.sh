#!/bin/sh
# bench/fasttext.sh: embtrain --subwords against the fasttext CLI (Debian's fasttext 0.9.2) at
# equal settings on the bench corpus (bench/corpus.sh):
#   skipgram/cbow, dim DIM, window 5, 5 negatives (noise count^0.5, as fastText), minCount 5,
#   sample 1e-4, lr 0.05 decaying to 0, n-grams 3-6, BUCKET buckets
# Speed: SPEED_EPOCHS epochs, RUNS runs each, the two commands interleaved in one loop; words/s
# per thread = corpus words x epochs / wall s / threads (both write a .bin; medians).
# Quality: one EPOCHS run each; both models are scored by the same evaluator (embquery, whose
# fastText reader gives print-word-vectors' numbers): EN-RW-STANFORD Spearman with unseen words
# from their n-grams, WordSim-353 Spearman, analogy accuracy (questions-words.txt, 30k words).
# Knobs: MB (first MB of the corpus, 0 = all), DIM, BUCKET, THREADS, RUNS, SPEED_EPOCHS, EPOCHS,
# MODELS ("sg cbow"), PHASES ("speed quality report").  Writes bench/results/fasttext.md.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${EMB_BUILD:-$top/build}
work=$top/bench/work/fasttext
out=$top/bench/results/fasttext.md
MB=${MB:-0}
DIM=${DIM:-100}
BUCKET=${BUCKET:-2000000}
THREADS=${THREADS:-2}
RUNS=${RUNS:-3}
SPEED_EPOCHS=${SPEED_EPOCHS:-1}
EPOCHS=${EPOCHS:-5}
MODELS=${MODELS:-sg cbow}
PHASES=${PHASES:-speed quality report}
has() { case " $PHASES " in *" $1 "*) return 0 ;; esac; return 1; }
mkdir -p "$work" "$top/bench/results"

sh "$top/bench/corpus.sh"
command -v fasttext >/dev/null || sh "$top/.ci/deps" bench
[ -x "$B/embtrain" ] || make -C "$top" "$B/embtrain" "$B/embquery" >&2
corpus=$top/bench/work/corpus.txt
if [ "$MB" != 0 ]; then
	head -c "${MB}000000" "$corpus" | sed '$d' >"$work/slice.txt"
	corpus=$work/slice.txt
fi
words=$(wc -w <"$corpus")
eval_dir=$top/data/eval

ft() { # model threads epochs out-prefix
	fm=$1
	[ "$fm" = sg ] && fm=skipgram
	/usr/bin/time -f "%e %M %U %S" -o "$work/time.tmp" fasttext "$fm" -input "$corpus" \
		-output "$4" -dim "$DIM" -ws 5 -epoch "$3" -minCount 5 -neg 5 -loss ns \
		-bucket "$BUCKET" -minn 3 -maxn 6 -thread "$2" -t 1e-4 -lr 0.05 -verbose 2 2>&1 |
		tr '\r' '\n' | grep -a 'words/sec/thread' | tail -n 1 |
		sed 's/.*words\/sec\/thread: *\([0-9]*\).*/\1/' >"$work/rate.tmp"
}
ours() { # model threads epochs out-prefix
	/usr/bin/time -f "%e %M %U %S" -o "$work/time.tmp" "$B/embtrain" --subwords -m "$1" \
		-d "$DIM" -w 5 -e "$3" --min-count 5 -n 5 --ns-exponent 0.5 --sample 1e-4 -a 0.05 \
		--min-alpha 0 --bucket "$BUCKET" --minn 3 --maxn 6 -j "$2" -t fasttext "$corpus" \
		-o "$4.bin" 2>&1 | sed -n 's/.*(\([0-9]*\)k words\/s\/thread.*/\1000/p' >"$work/rate.tmp"
}
# run NAME MODEL THREADS EPOCHS FILE: time one command, append
# "NAME MODEL T E wall rss user sys rate" (rate: the training loop's own words/s/thread)
run() {
	: >"$work/rate.tmp"
	rm -f "$work/m-$1.bin"
	"$1" "$2" "$3" "$4" "$work/m-$1" || { echo "fasttext.sh: $1 failed" >&2; exit 1; }
	[ -s "$work/m-$1.bin" ] || { echo "fasttext.sh: $1 wrote no model" >&2; exit 1; }
	echo "$1 $2 $3 $4 $(cat "$work/time.tmp") $(cat "$work/rate.tmp")" >>"$5"
	echo "$1 $2 T=$3 epochs=$4: $(cat "$work/time.tmp") $(cat "$work/rate.tmp")" >&2
}

if has speed; then
	: >"$work/speed.txt"
	for r in $(seq "$RUNS"); do
		for m in $MODELS; do
			run ft "$m" "$THREADS" "$SPEED_EPOCHS" "$work/speed.txt"
			run ours "$m" "$THREADS" "$SPEED_EPOCHS" "$work/speed.txt"
		done
	done
fi

score() { # model.bin -> "rw_spearman rw_pairs ws353 analogy"
	rw=$("$B/embquery" eval-sim -q "$1" "$eval_dir/EN-RW-STANFORD.txt")
	ws=$("$B/embquery" eval-sim -q "$1" "$eval_dir/wordsim353.tsv")
	an=$("$B/embquery" eval-analogy -q "$1" "$eval_dir/questions-words.txt")
	printf '%s %s %s %s\n' "$(echo "$rw" | awk '$1 == "spearman" { print $2 }')" \
		"$(echo "$rw" | awk '$1 == "pairs" { print $2 }')" \
		"$(echo "$ws" | awk '$1 == "spearman" { print $2 }')" \
		"$(echo "$an" | awk '$1 == "total" { print $4 }')"
}

if has quality; then
	: >"$work/quality.txt"
	: >"$work/quality-times.txt"
	for m in $MODELS; do
		for impl in ft ours; do
			run "$impl" "$m" "$THREADS" "$EPOCHS" "$work/quality-times.txt"
			echo "$impl $m $(score "$work/m-$impl.bin")" >>"$work/quality.txt"
		done
	done
fi

has report || exit 0
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v n="$1" -v m="$2" -v c="$3" '$1 == n && $2 == m { print $c }' "$work/speed.txt" | median; }
wps() { awk -v s="$1" -v w="$words" -v e="$SPEED_EPOCHS" -v t="$THREADS" 'BEGIN { if (s == "-" || s == 0) print "-"; else printf "%.0f", w * e / s / t }'; }
{
	echo "# embtrain --subwords vs fastText"
	echo
	echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) CPUs, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (shared with other jobs: expect noise)."
	echo "Corpus: bench/work/corpus.txt$([ "$MB" != 0 ] && echo ", its first $MB MB"), $words words."
	echo "Settings (both): dim $DIM, window 5, 5 negatives, minCount 5, sample 1e-4, lr 0.05 to 0, n-grams 3-6, $BUCKET buckets, $THREADS threads."
	echo
	echo "    fasttext MODEL -input C -output M -dim $DIM -ws 5 -epoch E -minCount 5 -neg 5 -loss ns -bucket $BUCKET -minn 3 -maxn 6 -thread $THREADS -t 1e-4 -lr 0.05"
	echo "    embtrain --subwords -m MODEL -d $DIM -w 5 -e E --min-count 5 -n 5 --ns-exponent 0.5 --sample 1e-4 -a 0.05 --min-alpha 0 --bucket $BUCKET --minn 3 --maxn 6 -j $THREADS -t fasttext C -o M.bin"
	echo
	if [ -s "$work/speed.txt" ]; then
		echo "## Speed ($SPEED_EPOCHS epoch(s), median of $RUNS interleaved runs; wall time includes counting and writing the .bin)"
		echo
		echo "Training loop: the words/s/thread each tool reports for its training phase (fastText's progress line, embtrain's summary, rounded to thousands); whole run: corpus words x epochs / wall s / threads, which also counts reading the corpus and writing the ${BUCKET}-bucket .bin (about $((BUCKET / 1000 * DIM * 4 / 1000)) MB) to disk."
		echo
		echo "| model | command | training loop words/s/thread | vs fastText | whole run wall s | whole run words/s/thread | CPU s | vs fastText (CPU) | peak RSS MB |"
		echo "|---|---|---|---|---|---|---|---|---|"
		for m in $MODELS; do
			fr=$(col ft "$m" 9)
			fc=$(awk -v m="$m" '$1 == "ft" && $2 == m { print $7 + $8 }' "$work/speed.txt" | median)
			for impl in ft ours; do
				w=$(col "$impl" "$m" 5)
				r=$(col "$impl" "$m" 9)
				cpu=$(awk -v n="$impl" -v m="$m" '$1 == n && $2 == m { print $7 + $8 }' "$work/speed.txt" | median)
				rss=$(col "$impl" "$m" 6)
				echo "| $m | $([ "$impl" = ft ] && echo fasttext || echo embtrain) | $r | $(awk -v a="$r" -v b="$fr" 'BEGIN { printf "%.2fx", a / b }') | $w | $(wps "$w") | $cpu | $(awk -v a="$fc" -v b="$cpu" 'BEGIN { printf "%.2fx", a / b }') | $(awk -v k="$rss" 'BEGIN { printf "%.0f", k / 1024 }') |"
			done
		done
		echo
	fi
	if [ -s "$work/quality.txt" ]; then
		echo "## Quality ($EPOCHS epochs; scored by embquery for both)"
		echo
		echo "| model | command | EN-RW Spearman (pairs) | WS-353 Spearman | analogy accuracy |"
		echo "|---|---|---|---|---|"
		while read -r impl m rw n ws an; do
			echo "| $m | $([ "$impl" = ft ] && echo fasttext || echo embtrain) | $rw ($n) | $ws | $an |"
		done <"$work/quality.txt"
	fi
} >"$out"
cat "$out"
