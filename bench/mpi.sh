#!/bin/sh
# bench/mpi.sh: embtrain-mpi with 2 processes x 1 thread against embtrain with 1 process x 2
# threads, on the bench corpus (bench/corpus.sh) or its first MB megabytes (whole lines):
#   speed:   RUNS interleaved runs of SPEED_EPOCHS epochs each, median words/s (all processes);
#   quality: one QUALITY_EPOCHS run each per seed of SEEDS, analogy (questions-words, 30k most
#            frequent words) and wordsim353 Spearman, evaluated by gensim as bench/train.sh does;
#            one run is within a point of analogy of noise, so the report gives the means;
#   averaging: the time of one allreduce of the whole table and of the hot rows, as
#            embtrain-mpi reports it, and the scaling model built from those numbers.
# Settings as bench/train.sh: sg, dim 100, window 5, negative 5, sample 1e-3, min-count 5.
# Writes bench/results/mpi.md.  Knobs: MB (default 20; 0 = whole corpus) RUNS (3)
# SPEED_EPOCHS (1) QUALITY_EPOCHS (5) SEEDS ("1 2 3") MODEL (sg) CORPUS (default
# bench/work/corpus.txt)
# REPORT_ONLY=1 (rewrite the report from the last runs' files).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${EMB_BUILD:-$top/build}
work=$top/bench/work/mpi
out=$top/bench/results/mpi.md
MB=${MB:-20}
RUNS=${RUNS:-3}
SPEED_EPOCHS=${SPEED_EPOCHS:-1}
QUALITY_EPOCHS=${QUALITY_EPOCHS:-5}
SEEDS=${SEEDS:-1 2 3}
MODEL=${MODEL:-sg}
py=/usr/bin/python3
mkdir -p "$work" "$top/bench/results"
[ -n "${CORPUS:-}" ] || { sh "$top/bench/corpus.sh"; CORPUS=$top/bench/work/corpus.txt; }
REPORT_ONLY=${REPORT_ONLY:-}
[ -x "$B/embtrain-mpi" ] || { echo "bench/mpi.sh: $B/embtrain-mpi not built (mpicc)" >&2; exit 1; }
if [ "$MB" = 0 ]; then
	corpus=$CORPUS
elif [ -n "$REPORT_ONLY" ]; then
	corpus=$work/corpus.txt
else
	head -c "${MB}000000" "$CORPUS" | sed '$d' >"$work/corpus.txt"
	corpus=$work/corpus.txt
fi
words=$(wc -w <"$corpus")
alpha=0.025
[ "$MODEL" = cbow ] && alpha=0.05
opts="-m $MODEL -d 100 -w 5 -n 5 --sample 1e-3 --min-count 5 -a $alpha"
mpirun="mpirun --allow-run-as-root --oversubscribe -np 2"

# run NAME EPOCHS OUT CMD...: wall seconds and CPU seconds into $work/NAME.times, stderr kept
run() {
	name=$1 epochs=$2 o=$3
	shift 3
	/usr/bin/time -f '%e %U %S' -o "$work/time.$$" "$@" -e "$epochs" "$corpus" -o "$o" \
		2>"$work/$name.err"
	# the training loop's own seconds, from the summary ("... epochs in 3.5 s ...")
	train=$(sed -n 's/.* epochs in \([0-9.]*\) s .*/\1/p' "$work/$name.err" | tail -n 1)
	echo "$(cat "$work/time.$$") $epochs ${train:-0}" >>"$work/$name.times"
	rm -f "$work/time.$$"
}

[ -n "$REPORT_ONLY" ] || rm -f "$work"/*.times
i=0
[ -z "$REPORT_ONLY" ] || i=$RUNS
while [ $i -lt "$RUNS" ]; do
	# shellcheck disable=SC2086
	run threads "$SPEED_EPOCHS" "$work/t.bin" "$B/embtrain" $opts -j 2 -t word2vec-bin
	# shellcheck disable=SC2086
	run ranks "$SPEED_EPOCHS" "$work/r.bin" $mpirun "$B/embtrain-mpi" $opts -j 1 -t word2vec-bin
	i=$((i + 1))
done
evaluate() {
	$py -c '
import sys
from gensim.models import KeyedVectors
kv = KeyedVectors.load_word2vec_format(sys.argv[1], binary=True)
analogy = kv.evaluate_word_analogies(sys.argv[2] + "/questions-words.txt", restrict_vocab=30000)[0]
rho = kv.evaluate_word_pairs(sys.argv[2] + "/wordsim353.tsv")[1][0]
print("%.4f %.4f" % (analogy, rho))' "$1" "$top/data/eval"
}
if [ -z "$REPORT_ONLY" ]; then
	rm -f "$work/quality"
	for seed in $SEEDS; do
		# shellcheck disable=SC2086
		run qthreads "$QUALITY_EPOCHS" "$work/qt.bin" "$B/embtrain" $opts -j 2 --seed "$seed" \
			-t word2vec-bin
		# shellcheck disable=SC2086
		run qranks "$QUALITY_EPOCHS" "$work/qr.bin" $mpirun "$B/embtrain-mpi" $opts -j 1 \
			--seed "$seed" -t word2vec-bin
		# seed, then analogy and ws353 of embtrain and of embtrain-mpi
		echo "$seed $(evaluate "$work/qt.bin") $(evaluate "$work/qr.bin")" >>"$work/quality"
	done
fi
qt=$(awk '{ a += $2; r += $3 } END { printf "%.4f %.4f", a / NR, r / NR }' "$work/quality")
qr=$(awk '{ a += $4; r += $5 } END { printf "%.4f %.4f", a / NR, r / NR }' "$work/quality")
seeds=$(awk '{ printf "%s| %s | %s | %s | %s | %s | %+.2f |\n", "", $1, $2, $4, $3, $5, ($4 - $2) * 100 }' \
	"$work/quality")

# median wall seconds and words/s of NAME
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
wall_t=$(awk '{ print $1 }' "$work/threads.times" | median)
wall_r=$(awk '{ print $1 }' "$work/ranks.times" | median)
cpu_t=$(awk '{ print $2 + $3 }' "$work/threads.times" | median)
cpu_r=$(awk '{ print $2 + $3 }' "$work/ranks.times" | median)
loop_t=$(awk '{ print $5 }' "$work/threads.times" | median)
loop_r=$(awk '{ print $5 }' "$work/ranks.times" | median)
waits=$(grep ' merged ' "$work/ranks.err" | tail -n 1 | sed -n 's/.*; \([0-9.]*\) s waiting.*/\1/p')
# the averaging times embtrain-mpi printed in the quality run (more rounds than the speed runs)
avg=$(grep ' merged ' "$work/qranks.err" | tail -n 1)
full_ms=$(echo "$avg" | sed -n 's/.*whole tables (\([0-9.]*\) ms each).*/\1/p')
hot_ms=$(echo "$avg" | sed -n 's/.*rows (\([0-9.]*\) ms each).*/\1/p')
rows=$(head -n 1 "$work/qr.bin" | awk '{ print $1 }')
[ -n "$REPORT_ONLY" ] || cut -d' ' -f1-3 /proc/loadavg >"$work/load" # at the end of the runs
load=$(cat "$work/load")

awk -v w="$words" -v e="$SPEED_EPOCHS" -v wt="$wall_t" -v wr="$wall_r" -v ct="$cpu_t" -v cr="$cpu_r" \
    -v lt="$loop_t" -v lr="$loop_r" -v waits="${waits:-?}" \
    -v qt="$qt" -v qr="$qr" -v qe="$QUALITY_EPOCHS" -v seeds="$seeds" -v full="$full_ms" -v hot="$hot_ms" \
    -v rows="$rows" -v model="$MODEL" -v runs="$RUNS" -v load="$load" -v mb="$MB" -v avg="$avg" '
function model_rate(nodes, gbps) {
	return model_rate_at(nodes, gbps, 1600000)
}
function model_rate_at(nodes, gbps, sw,   bw, rate, interval, bytes_hot, bytes_full, t_hot, t_full, lat) {
	# one node = one process of 16 threads at the measured compute rate per thread (Hogwild
	# scales near-linearly in threads); the default schedule: a round every 100000 words per
	# thread (1.6M per node), 4096 hot rows, the whole table every 4th round; ring allreduce of
	# B bytes on N nodes moves 2(N-1)/N B per node in 2(N-1) steps of 5 us; input and output
	# matrices, float32, dim 100
	bw = gbps * 1e9 / 8
	rate = 16 * per_thread
	interval = sw / rate
	bytes_hot = 2 * 4096 * 100 * 4
	bytes_full = 2 * rows * 100 * 4
	lat = 2 * (nodes - 1) * 5e-6 * 2
	t_hot = 2 * (nodes - 1) / nodes * bytes_hot / bw + lat
	t_full = 2 * (nodes - 1) / nodes * bytes_full / bw + lat
	return nodes * sw / (interval + (3 * t_hot + t_full) / 4)
}
BEGIN {
	split(qt, a, " "); split(qr, b, " ")
	rt = w * e / wt; rr = w * e / wr
	# compute rate per thread: words per CPU second of embtrain -j 2 (steadier than wall time
	# on a shared machine; it includes counting and writing, so it is a floor)
	per_thread = w * e / ct
	printf "# embtrain-mpi: 2 processes x 1 thread against embtrain 1 process x 2 threads\n\n"
	printf "Corpus: %s of bench/work/corpus.txt (whole lines), %d words; %s, dim 100, window 5, negative 5, sample 1e-3, min-count 5.  Load average at the end: %s (shared machine).\n\n", (mb == 0 ? "all" : "the first " mb " MB"), w, model, load
	printf "## Speed (%d epoch(s), median of %d interleaved runs; wall time includes counting, the vocabulary merge and writing)\n\n", e, runs
	printf "| command | wall s | words/s (all) | CPU s | ratio (words/s) | training loop s | its words/s | ratio |\n|---|---|---|---|---|---|---|---|\n"
	printf "| `embtrain -j 2` | %.2f | %.0f | %.2f | 1.00 | %.2f | %.0f | 1.00 |\n", wt, rt, ct, lt, (lt > 0 ? w * e / lt : 0)
	printf "| `mpirun -np 2 embtrain-mpi -j 1` | %.2f | %.0f | %.2f | %.2f | %.2f | %.0f | %.2f |\n\n", wr, rr, cr, rr / rt, lr, (lr > 0 ? w * e / lr : 0), ((lr > 0 && lt > 0) ? lt / lr : 0)
	printf "The training loop is the time the summary reports (from the first word to the last, merging rounds included); the rest of the wall time is counting, the vocabulary, writing and, for embtrain-mpi, mpirun'"'"'s and MPI'"'"'s start-up.  The processes meet at every round (the slower one sets the pace: in the last speed run they waited %s s for each other in all, asleep, not spinning); Hogwild threads never wait.  CPU s: %.2f s against %.2f s.  On a machine shared with other jobs the waiting grows with the load; the ratios are a floor for a dedicated machine.\n\n", waits, cr, ct
	printf "## Quality (%d epochs, one run per seed, the mean over the seeds)\n\n", qe
	printf "| command | analogy (30k) | ws353 rho |\n|---|---|---|\n"
	printf "| `embtrain -j 2` | %s | %s |\n| `mpirun -np 2 embtrain-mpi -j 1` | %s | %s |\n\n", a[1], a[2], b[1], b[2]
	printf "Difference of the means: analogy %+.4f (%+.2f points), ws353 %+.4f.\n\n", b[1] - a[1], (b[1] - a[1]) * 100, b[2] - a[2]
	printf "| seed | analogy: embtrain | embtrain-mpi | ws353: embtrain | embtrain-mpi | analogy difference (points) |\n|---|---|---|---|---|---|\n%s\n\n", seeds
	printf "## Merging rounds\n\n`%s`\n\n", avg
	printf "One round over the whole table (%d rows x 100, input and output matrices, %.1f MB: change, allreduce, apply) took %s ms; one over the 4096 hot rows (3.3 MB) %s ms, between two processes of one machine (shared memory, on a machine shared with other jobs: the time includes waiting for the other process to be scheduled).\n\n", rows, 2 * rows * 100 * 4 / 1e6, full, hot
	printf "## Scaling model\n\n"
	printf "From the measured compute rate (%.0f words per CPU second of `embtrain -j 2`) and the bytes each round moves.  Assumed: a node is one process of 16 threads (Hogwild scales near-linearly in threads), the default schedule (a round every 100000 words per thread = 1.6M per node, 4096 hot rows, the whole table every 4th round), ring allreduce (2(N-1)/N of the bytes per node, 2(N-1) steps of 5 us), %d rows x dim 100.\n\n", per_thread, rows
	printf "| nodes | 10 Gb/s: words/s | efficiency | 100 Gb/s: words/s | efficiency |\n|---|---|---|---|---|\n"
	n = split("1 8 32 128", nodes, " ")
	for (i = 1; i <= n; i++) {
		ideal = nodes[i] * 16 * per_thread
		r10 = model_rate(nodes[i], 10); r100 = model_rate(nodes[i], 100)
		printf "| %d | %.3g | %.2f | %.3g | %.2f |\n", nodes[i], r10, r10 / ideal, r100, r100 / ideal
	}
	# where the latency of the ring (2(N-1) steps a round) eats a fifth of the time
	for (k = 2; k <= 65536 && model_rate(k, 10) / (k * 16 * per_thread) >= 0.8; k *= 2)
		;
	printf "\nThe bandwidth part of a ring allreduce does not grow with the nodes (each sends about twice the rows, whatever N), so in this model the efficiency stays near its 2-node value: the cost of a round is set by the bytes of the rows merged against the %.0f ms of work between rounds, and 10 Gb/s costs about %.0f%% at the defaults.  Its latency part grows as 2(N-1) steps a round: at 10 Gb/s the model falls under 80%% efficiency at about %d nodes.\n\n", 1600000 / (16 * per_thread) * 1000, (1 - model_rate(8, 10) / (8 * 16 * per_thread)) * 100, k
	printf "It stops scaling earlier for a statistical reason the model leaves out: between two rounds the model misses what the other processes learned, N x 1.6M words at the defaults (205M words at 128 nodes, a fifth of an epoch of a 1-billion-word corpus).  Keeping that gap small means a smaller --sync-words per process as N grows, which multiplies the rounds and with them the communication: with N x --sync-words held at 25M words, 128 nodes merge every 200000 words per node, 8 times as often, and the model above then gives %.2f efficiency at 10 Gb/s.  pWord2Vec showed near-linear scaling to 32 nodes, where this model agrees; beyond that, quality must be checked per corpus.  The whole-table rounds grow with the vocabulary: at 1M rows x dim 300 one is 2.4 GB, about 4 s at 10 Gb/s, and --full-sync should then be raised.\n", model_rate_at(128, 10, 200000) / (128 * 16 * per_thread)
}' >"$out"
cat "$out"
