#!/bin/sh
# bench/query.sh: embquery nn against gensim most_similar, a numpy batch (what gensim users
# write by hand: there is no batched most_similar) and `fasttext nn`, on a generated table of
# QUERY_ROWS x QUERY_DIM (default 400000 x 300, N(0, 1) float32), QUERY_N nn queries with
# k = 10 (default 1000; gensim and fasttext, which take one query at a time, get a subset and
# are reported in queries/s).  Interleaved QUERY_REPS times (default 3), medians.
# Also: the sgemm bound (2*Q*N*D flops at the sgemm rate measured here, one thread per core as
# embquery runs it), `vec WORD` and a single `nn` as whole processes on the raw EMB (mapped),
# the latter against the memory-bandwidth bound of one pass over the table.
# Writes bench/results/query.md.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
: "${EMB_BUILD:=$top/build}"
ROWS=${QUERY_ROWS:-400000}
DIM=${QUERY_DIM:-300}
NQ=${QUERY_N:-1000}
GQ=${QUERY_GENSIM_N:-200}
FQ=${QUERY_FASTTEXT_N:-100}
REPS=${QUERY_REPS:-3}
PY=/usr/bin/python3
work="$top/bench/work/query"
res="$top/bench/results/query.md"
eq="$EMB_BUILD/embquery"
ec="$EMB_BUILD/embconv"
mkdir -p "$work" "$top/bench/results"
[ -x "$eq" ] && [ -x "$ec" ] || make -C "$top" B="$(basename "$EMB_BUILD")" all >&2

bin="$work/t-$ROWS-$DIM.bin"
emb="$work/t-$ROWS-$DIM.raw.emb"
if [ ! -s "$emb" ]; then
	echo "query: generating $ROWS x $DIM" >&2
	$PY - "$bin.tmp" "$ROWS" "$DIM" <<'PY'
import sys
import numpy as np
path, rows, dim = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(5)
with open(path, "wb") as f:
    f.write(b"%d %d\n" % (rows, dim))
    for start in range(0, rows, 10000):
        n = min(10000, rows - start)
        v = rng.standard_normal((n, dim)).astype("<f4")
        f.write(b"".join(b"w%d " % (start + i) + v[i].tobytes() + b"\n" for i in range(n)))
PY
	mv "$bin.tmp" "$bin"
	"$ec" -q --level 0 "$bin" "$emb" # raw: mapped by embquery
fi
$PY -c "
import random
random.seed(9)
print('\n'.join('w%d' % random.randrange($ROWS) for _ in range($NQ)))" >"$work/queries.txt"
head -n "$GQ" "$work/queries.txt" >"$work/queries-gensim.txt"
head -n "$FQ" "$work/queries.txt" >"$work/queries-fasttext.txt"
word=$(head -n 1 "$work/queries.txt")

# The sgemm rate with embquery's shapes (256 queries x 512-row tiles x DIM), one thread, and one
# single-threaded sgemm per core in our own threads; the read bandwidth of one pass.
cat >"$work/rates.c" <<'EOF'
#include <cblas.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static size_t N, D;
static float *T, *Q;
static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}
struct part { size_t lo, hi; uint64_t sum; };
static void *gemm(void *arg)
{
	struct part *p = arg;
	float *c = malloc(256 * 512 * sizeof *c);
	for (size_t r = p->lo; r < p->hi; r += 512) {
		size_t n = p->hi - r < 512 ? p->hi - r : 512;
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 256, (int)n, (int)D, 1, Q, (int)D,
			    T + r * D, (int)D, 0, c, (int)n);
	}
	free(c);
	return NULL;
}
static void *reader(void *arg)
{
	struct part *p = arg;
	const uint64_t *u = (const uint64_t *)(T + p->lo * D);
	size_t n = (p->hi - p->lo) * D / 2;
	uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	for (size_t i = 0; i + 4 <= n; i += 4) {
		s0 ^= u[i]; s1 ^= u[i + 1]; s2 ^= u[i + 2]; s3 ^= u[i + 3];
	}
	p->sum = s0 ^ s1 ^ s2 ^ s3;
	return NULL;
}
static double run(void *(*fn)(void *), int th)
{
	pthread_t t[8];
	struct part p[8];
	double t0 = now();
	for (int i = 0; i < th; i++) {
		p[i].lo = N * i / th / 512 * 512;
		p[i].hi = i + 1 == th ? N : N * (i + 1) / th / 512 * 512;
		pthread_create(&t[i], NULL, fn, &p[i]);
	}
	for (int i = 0; i < th; i++)
		pthread_join(t[i], NULL);
	return now() - t0;
}
int main(int argc, char **argv)
{
	int cores = atoi(argv[3]);
	N = strtoul(argv[1], NULL, 10);
	D = strtoul(argv[2], NULL, 10);
	T = malloc(N * D * sizeof *T);
	Q = malloc(256 * D * sizeof *Q);
	for (size_t i = 0; i < N * D; i++)
		T[i] = (float)(i % 1000) / 1000.0f;
	for (size_t i = 0; i < 256 * D; i++)
		Q[i] = (float)(i % 77) / 77.0f;
	openblas_set_num_threads(1);
	run(gemm, 1);
	double g1 = 2.0 * 256 * N * D / run(gemm, 1) / 1e9;
	double gn = 2.0 * 256 * N * D / run(gemm, cores) / 1e9;
	run(reader, cores);
	double bw = 4.0 * N * D / run(reader, cores) / 1e9;
	printf("%.1f %.1f %.1f\n", g1, gn, bw);
	return 0;
}
EOF
cc -O2 -o "$work/rates" "$work/rates.c" -lopenblas -lpthread

# gensim: one most_similar call per query (the only form it has), and the numpy batch.
cat >"$work/gensim_nn.py" <<'EOF'
import sys, time
import numpy as np
from gensim.models import KeyedVectors
kv = KeyedVectors.load_word2vec_format(sys.argv[1], binary=True)
words = open(sys.argv[2]).read().split()
allq = open(sys.argv[3]).read().split()
kv.fill_norms()
kv.most_similar(words[0], topn=10)  # warm up (normed vectors, caches)
t0 = time.perf_counter()
for w in words:
    kv.most_similar(w, topn=10)
t1 = time.perf_counter()
normed = kv.get_normed_vectors()
Q = np.stack([normed[kv.get_index(w)] for w in allq])
t2 = time.perf_counter()
for s in range(0, len(allq), 256):
    sims = Q[s:s + 256] @ normed.T
    top = np.argpartition(-sims, 11, axis=1)[:, :11]
    np.take_along_axis(sims, top, axis=1).argsort(axis=1)
t3 = time.perf_counter()
print("%.3f %.3f" % (len(words) / (t1 - t0), len(allq) / (t3 - t2)))
EOF

# fastText's nn needs a .bin model: one with exactly the table's words and vectors, trained for
# one epoch at learning rate 0 on a corpus of the words, no subwords (so a word's vector is its
# row), from the table as -pretrainedVectors.
ft="$work/ft-$ROWS-$DIM"
if [ ! -s "$ft.bin" ] && command -v fasttext >/dev/null; then
	echo "query: building the fastText model" >&2
	"$ec" -q -t word2vec "$emb" "$work/t.vec"
	awk 'NR > 1 { printf "%s ", $1 } END { print "" }' "$work/t.vec" >"$work/words.txt"
	fasttext skipgram -input "$work/words.txt" -output "$ft" -dim "$DIM" -minCount 1 -epoch 1 \
		-lr 0 -minn 0 -maxn 0 -thread 2 -pretrainedVectors "$work/t.vec" -verbose 0 >&2 || true
	rm -f "$work/t.vec" "$ft.vec"
fi

now() { date +%s.%N; }
since() { echo "$(now) $1" | awk '{ printf "%.4f\n", $1 - $2 }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: >"$work/ours.t"; : >"$work/one.t"; : >"$work/vec.t"; : >"$work/gensim.t"; : >"$work/numpy.t"
: >"$work/ft.t"; : >"$work/rates.t"; : >"$work/one.cpu"; : >"$work/vec.cpu"
cat "$emb" >/dev/null # page cache: every run reads a resident table
load0=$(cut -d' ' -f1 /proc/loadavg)
for r in $(seq 1 "$REPS"); do
	echo "query: round $r of $REPS" >&2
	s=$(now); "$eq" nn --k 10 "$emb" <"$work/queries.txt" >/dev/null; since "$s" >>"$work/ours.t"
	s=$(now); "$eq" nn --k 10 "$emb" "$word" >/dev/null; since "$s" >>"$work/one.t"
	/usr/bin/time -f "%U %S" -a -o "$work/one.cpu" "$eq" nn --k 10 "$emb" "$word" >/dev/null
	for i in 1 2 3 4 5; do
		s=$(now); "$eq" vec "$emb" "$word" >/dev/null; since "$s" >>"$work/vec.t"
		/usr/bin/time -f "%U %S" -a -o "$work/vec.cpu" "$eq" vec "$emb" "$word" >/dev/null
	done
	$PY "$work/gensim_nn.py" "$bin" "$work/queries-gensim.txt" "$work/queries.txt" >"$work/g.out"
	awk '{ print $1 >> "'"$work/gensim.t"'"; print $2 >> "'"$work/numpy.t"'" }' "$work/g.out"
	if [ -s "$ft.bin" ]; then
		s=$(now); head -n 1 "$work/queries-fasttext.txt" | fasttext nn "$ft.bin" 10 >/dev/null
		load=$(since "$s")
		s=$(now); fasttext nn "$ft.bin" 10 <"$work/queries-fasttext.txt" >/dev/null
		echo "$(since "$s") $load $FQ" | awk '{ printf "%.3f\n", ($3 - 1) / ($1 - $2) }' >>"$work/ft.t"
	fi
	"$work/rates" "$ROWS" "$DIM" "$(nproc)" >>"$work/rates.t"
done

load1=$(cut -d' ' -f1 /proc/loadavg)
ours=$(median <"$work/ours.t")
one=$(median <"$work/one.t")
vec=$(median <"$work/vec.t")
veccpu=$(awk '{ print $1 + $2 }' "$work/vec.cpu" | median)
onecpu=$(awk '{ print $1 + $2 }' "$work/one.cpu" | median)
gq=$(median <"$work/gensim.t")
nq=$(median <"$work/numpy.t")
fq=$( [ -s "$work/ft.t" ] && median <"$work/ft.t" || echo "")
g1=$(awk '{ print $1 }' "$work/rates.t" | median)
gn=$(awk '{ print $2 }' "$work/rates.t" | median)
bw=$(awk '{ print $3 }' "$work/rates.t" | median)
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
oq=$(calc %.1f "$NQ / $ours")
bound=$(calc %.1f "$gn * 1e9 / (2 * $ROWS * $DIM)")
bwt=$(calc %.1f "4 * $ROWS * $DIM / ($bw * 1e9) * 1000")
{
	echo "## embquery nn ($ROWS x $DIM table, k = 10)"
	echo
	echo "Machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), shared: load average"
	echo "$load0 at the start and $load1 at the end, so every number is a fraction of an idle machine's;"
	echo "the ratios hold better than the absolute rates because the runs are interleaved."
	echo "Medians of $REPS interleaved rounds; the table is a raw EMB (mapped) for embquery, word2vec"
	echo "binary for gensim, a fastText .bin of the same words and vectors for fasttext."
	echo
	echo "| command | queries | median | queries/s | embquery is |"
	echo "| --- | ---: | ---: | ---: | ---: |"
	echo "| \`embquery nn --k 10 T.emb < queries\` (whole process) | $NQ | ${ours} s | $oq | 1 |"
	echo "| gensim \`most_similar(w, topn=10)\`, one call per query (load excluded) | $GQ | | $gq | $(calc %.1fx "$oq / $gq") faster |"
	echo "| numpy batch: gensim's normed vectors @ Q.T + argpartition, OpenBLAS threads (load excluded) | $NQ | | $nq | $(calc %.2fx "$oq / $nq") |"
	if [ -n "$fq" ]; then
		echo "| \`fasttext nn model.bin 10\`, one query per line (load subtracted) | $FQ | | $fq | $(calc %.1fx "$oq / $fq") faster |"
	else
		echo "| \`fasttext nn\` | | | not run (no fasttext) | |"
	fi
	echo
	echo "The sgemm bound: 2·Q·N·D = $(calc %.3g "2 * $NQ * $ROWS * $DIM") flops; OpenBLAS sgemm measured here with"
	echo "embquery's shapes at $g1 GFLOP/s on one core and $gn GFLOP/s on $(nproc) (one single-threaded"
	echo "sgemm per core), so at most $bound queries/s: embquery reaches $(calc %.0f%% "100 * $oq / $bound") of it"
	echo "(the target is within 1.5x, i.e. at least 67%), start-up, row norms and top-k included."
	echo
	echo "| whole process on the mapped $(calc %.0f "4 * $ROWS * $DIM / 1048576") MiB EMB | median wall | median CPU (user+sys) | bound |"
	echo "| --- | ---: | ---: | ---: |"
	echo "| \`embquery vec T.emb WORD\` | $(calc %.1f "$vec * 1000") ms | $(calc %.0f "$veccpu * 1000") ms | < 20 ms (target) |"
	echo "| \`embquery nn T.emb WORD\` (one pass over the table, $(nproc) threads) | $(calc %.1f "$one * 1000") ms | $(calc %.0f "$onecpu * 1000") ms | $bwt ms at the $bw GB/s read bandwidth measured here |"
	echo
	echo "(CPU time is counted in 10 ms ticks; on a loaded machine the wall time of a short process is"
	echo "mostly waiting for a core.)"
} >"$res"
cat "$res"
