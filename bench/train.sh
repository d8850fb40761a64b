#!/bin/sh
# bench/train.sh: embtrain against word2vec.c (npm `word2vec` src, built by bench/peers.sh) and
# gensim's Word2Vec on the bench corpus (bench/corpus.sh), same settings as word2vec.c:
#   -size 100 -window 5 -negative 5 -hs 0 -sample 1e-3 -min-count 5 (cbow: -alpha 0.05)
# Speed: SPEED_EPOCHS epochs, RUNS runs per command, ours and the peers interleaved in the same
# loop; words/s per thread = corpus words x epochs / wall seconds / threads; medians.
# Quality: one QUALITY_EPOCHS run per mode at 2 threads, analogy (questions-words.txt, 30k most
# frequent words, gensim evaluate_word_analogies) and wordsim353 Spearman (evaluate_word_pairs).
# Writes bench/results/train.md.  Knobs: RUNS SPEED_EPOCHS QUALITY_EPOCHS THREADS BATCHES
# MODELS ("sg cbow") QUALITY_IMPLS (e.g. "ours w2v batch1 gensim") SKIP_GENSIM=1 SPEED_MB QUALITY_MB (use the first N MB of the corpus), PHASES
# ("speed quality report" by default; phases and models keep separate raw files, so they can run
# as separate processes and the report gathers them all).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${EMB_BUILD:-$top/build}
work=$top/bench/work/train
out=$top/bench/results/train.md
RUNS=${RUNS:-3}
SPEED_EPOCHS=${SPEED_EPOCHS:-1}
QUALITY_EPOCHS=${QUALITY_EPOCHS:-5}
THREADS=${THREADS:-"1 2"}
BATCHES=${BATCHES:-"1 4"}
py=/usr/bin/python3
PHASES=${PHASES:-speed quality report}
MODELS=${MODELS:-sg cbow}
tag=$(echo "$MODELS" | tr ' ' -)
has() { case " $PHASES " in *" $1 "*) return 0 ;; esac; return 1; }
mkdir -p "$work" "$top/bench/results"

sh "$top/bench/corpus.sh"
sh "$top/bench/peers.sh"
[ -x "$B/embtrain" ] || make -C "$top" B="$(basename "$B")" "$(basename "$B")/embtrain" >&2
corpus=$top/bench/work/corpus.txt
w2v=$top/bench/work/peers/word2vec/word2vec
eval_dir=$top/data/eval
words=$(wc -w <"$corpus")
# slice PHASE MB NAME: the corpus, or its first MB megabytes (whole lines) when MB is not 0
slice() {
	if [ "$2" = 0 ]; then
		echo "$corpus"
		return
	fi
	# via rename: another phase may be reading the slice right now
	has "$1" && head -c "${2}000000" "$corpus" | sed '$d' >"$work/$3.$$" && mv "$work/$3.$$" "$work/$3"
	echo "$work/$3"
}
SPEED_MB=${SPEED_MB:-0}
QUALITY_MB=${QUALITY_MB:-0}
scorpus=$(slice speed "$SPEED_MB" slice-speed.txt)
qcorpus=$(slice quality "$QUALITY_MB" slice-quality.txt)
swords=$(wc -w <"$scorpus")
qwords=$(wc -w <"$qcorpus")

cat >"$work/gensim_train.py" <<'EOF'
import sys
from gensim.models import Word2Vec
corpus, out, sg, epochs, threads, alpha = sys.argv[1:7]
m = Word2Vec(corpus_file=corpus, vector_size=100, window=5, negative=5, hs=0, sample=1e-3,
             min_count=5, sg=int(sg), epochs=int(epochs), workers=int(threads), alpha=float(alpha))
m.wv.save_word2vec_format(out, binary=True)
EOF
cat >"$work/eval.py" <<'EOF'
import sys, logging
from gensim.models import KeyedVectors
logging.disable(logging.WARNING)
kv = KeyedVectors.load_word2vec_format(sys.argv[1], binary=True)
score, sections = kv.evaluate_word_analogies(sys.argv[2] + '/questions-words.txt', restrict_vocab=30000)
def acc(ss):
    c = sum(len(s['correct']) for s in ss); n = c + sum(len(s['incorrect']) for s in ss)
    return c / n if n else 0
ws = kv.evaluate_word_pairs(sys.argv[2] + '/wordsim353.tsv')
print("%.4f %.4f %.4f %.4f" % (score, acc(sections[:5]), acc(sections[5:-1]), ws[1][0]))
EOF

# run NAME MODEL THREADS EPOCHS OUTPUT FUNC ARGS...: FUNC times its command into time.tmp;
# append "NAME MODEL T EPOCHS WALL RSS" to the times file
run() {
	name=$1 model=$2 th=$3 ep=$4 o=$5
	shift 5
	"$@" >/dev/null 2>"$work/last-$PHASES-$tag.err" ||
		{ cat "$work/last-$PHASES-$tag.err" >&2; echo "train.sh: $name failed" >&2; exit 1; }
	echo "$name $model $th $ep $(cat "$work/time-$PHASES-$tag.tmp")" >>"$times"
	echo "$name $model T=$th epochs=$ep: $(cat "$work/time-$PHASES-$tag.tmp")" >&2
	[ "$o" = - ] || [ -s "$o" ]
}

ours() { # model threads epochs out [extra]
	m=$1 th=$2 ep=$3 o=$4
	shift 4
	/usr/bin/time -f "%e %M %U %S" -o "$work/time-$PHASES-$tag.tmp" "$B/embtrain" -q -m "$m" -d 100 -w 5 -n 5 --sample 1e-3 --min-count 5 -e "$ep" -j "$th" \
		-t word2vec-bin "$@" "$c_in" -o "$o"
}
peer() { # model threads epochs out
	if [ "$1" = cbow ]; then set -- 1 "$2" "$3" "$4" -alpha 0.05; else set -- 0 "$2" "$3" "$4"; fi
	c=$1 th=$2 ep=$3 o=$4
	shift 4
	/usr/bin/time -f "%e %M %U %S" -o "$work/time-$PHASES-$tag.tmp" "$w2v" -train "$c_in" -output "$o" -binary 1 -cbow "$c" -size 100 -window 5 -negative 5 -hs 0 \
		-sample 1e-3 -min-count 5 -iter "$ep" -threads "$th" "$@"
}
gensim() { # model threads epochs out
	if [ "$1" = cbow ]; then s=0 a=0.05; else s=1 a=0.025; fi
	/usr/bin/time -f "%e %M %U %S" -o "$work/time-$PHASES-$tag.tmp" $py "$work/gensim_train.py" "$c_in" "$4" "$s" "$3" "$2" "$a"
}

# ---- speed: interleaved ----
c_in=$scorpus
times=$work/times-speed-$tag.txt
has speed && : >"$times"
has speed && for r in $(seq "$RUNS"); do
	for m in $MODELS; do
		for th in $THREADS; do
			run ours "$m" "$th" "$SPEED_EPOCHS" "$work/s.bin" ours "$m" "$th" "$SPEED_EPOCHS" "$work/s.bin"
			run w2v "$m" "$th" "$SPEED_EPOCHS" "$work/s.bin" peer "$m" "$th" "$SPEED_EPOCHS" "$work/s.bin"
			if [ "$m" = sg ]; then
				for b in $BATCHES; do
					run "batch$b" sg "$th" "$SPEED_EPOCHS" "$work/s.bin" \
						ours sg "$th" "$SPEED_EPOCHS" "$work/s.bin" --batch="$b"
				done
			fi
			if [ "${SKIP_GENSIM:-0}" != 1 ] && [ "$th" = 2 ] && [ "$r" = 1 ]; then
				run gensim "$m" "$th" "$SPEED_EPOCHS" "$work/s.bin" gensim "$m" "$th" "$SPEED_EPOCHS" "$work/s.bin"
			fi
		done
	done
done

# ---- quality: one full run each, 2 threads ----
quality=$work/quality-$tag.txt
c_in=$qcorpus
times=$work/times-quality-$tag.txt
if has quality; then
	: >"$quality"
	: >"$times"
	for m in $MODELS; do
		set -- ours w2v
		[ "$m" = sg ] && for b in $BATCHES; do set -- "$@" "batch$b"; done
		[ "${SKIP_GENSIM:-0}" != 1 ] && set -- "$@" gensim
		[ -n "${QUALITY_IMPLS:-}" ] && set -- $QUALITY_IMPLS
		for impl; do
			o=$work/q-$impl-$m.bin
			case $impl in
			ours) run ours "$m" 2 "$QUALITY_EPOCHS" "$o" ours "$m" 2 "$QUALITY_EPOCHS" "$o" ;;
			w2v) run w2v "$m" 2 "$QUALITY_EPOCHS" "$o" peer "$m" 2 "$QUALITY_EPOCHS" "$o" ;;
			gensim) run gensim "$m" 2 "$QUALITY_EPOCHS" "$o" gensim "$m" 2 "$QUALITY_EPOCHS" "$o" ;;
			batch*) run "$impl" "$m" 2 "$QUALITY_EPOCHS" "$o" \
				ours "$m" 2 "$QUALITY_EPOCHS" "$o" --batch="${impl#batch}" ;;
			esac
			echo "$impl $m $($py "$work/eval.py" "$o" "$eval_dir")" >>"$quality"
		done
	done
fi

# ---- report ----
has report || exit 0
times=$work/times.txt
cat "$work"/times-speed*.txt "$work"/times-quality*.txt >"$times" 2>/dev/null || true
quality=$work/report-quality.txt
for f in "$work"/quality-*.txt; do
	[ -e "$f" ] && grep -E '^[a-z0-9]+ (sg|cbow) [0-9.]+ ' "$f"
done >"$quality" || true
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
wall() { awk -v n="$1" -v m="$2" -v t="$3" -v e="$4" '$1 == n && $2 == m && $3 == t && $4 == e { print $5 }' "$times" | median; }
cpu() { awk -v n="$1" -v m="$2" -v t="$3" -v e="$4" '$1 == n && $2 == m && $3 == t && $4 == e { print $7 + $8 }' "$times" | median; }
rss() { awk -v n="$1" -v m="$2" -v t="$3" -v e="$4" '$1 == n && $2 == m && $3 == t && $4 == e { print $6 }' "$times" | median; }
nruns() { awk -v n="$1" -v m="$2" -v t="$3" -v e="$4" '$1 == n && $2 == m && $3 == t && $4 == e' "$times" | wc -l; }
wps() { awk -v w="${4:-$words}" -v e="$2" -v s="$1" -v t="$3" 'BEGIN { if (s == "-" || s == 0) print "-"; else printf "%.0f", w * e / s / t }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }

{
	echo "# embtrain vs word2vec.c and gensim"
	echo
	echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) CPUs, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (shared with other jobs: expect noise)."
	echo "Corpus: bench/work/corpus.txt, $words words.  Settings as word2vec.c: dim 100, window 5, negative 5, sample 1e-3, min-count 5 (cbow alpha 0.05)."
	echo "Peers: word2vec.c (npm word2vec src, gcc -O3 -march=native), gensim $($py -c 'import gensim; print(gensim.__version__)') Word2Vec(corpus_file=...)."
	echo "Ours: \`embtrain -m MODEL -d 100 -w 5 -n 5 --sample 1e-3 --min-count 5 -e E -j T [--batch=B]\` (default x86-64 build, AVX2/FMA kernels chosen at run time)."
	echo
	echo "## Speed ($SPEED_EPOCHS epoch(s) over $swords words, median of $RUNS interleaved runs; wall time includes counting and writing)"
	echo
	echo "words/s/thread = words x epochs / wall s / threads.  On a shared machine wall time also measures the other jobs; CPU words/s = words x epochs / (user + sys CPU s) is the steadier per-thread figure."
	echo
	echo "| model | threads | command | runs | wall s | words/s/thread | vs word2vec.c | CPU s | CPU words/s | vs word2vec.c | peak RSS MB |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	for m in sg cbow; do
		for th in $THREADS; do
			base=$(wps "$(wall w2v "$m" "$th" "$SPEED_EPOCHS")" "$SPEED_EPOCHS" "$th" "$swords")
			cbase=$(wps "$(cpu w2v "$m" "$th" "$SPEED_EPOCHS")" "$SPEED_EPOCHS" 1 "$swords")
			set -- w2v ours
			[ "$m" = sg ] && for b in $BATCHES; do set -- "$@" "batch$b"; done
			set -- "$@" gensim
			for impl; do
				n=$(nruns "$impl" "$m" "$th" "$SPEED_EPOCHS")
				[ "$n" -gt 0 ] || continue
				s=$(wall "$impl" "$m" "$th" "$SPEED_EPOCHS")
				v=$(wps "$s" "$SPEED_EPOCHS" "$th" "$swords")
				cs=$(cpu "$impl" "$m" "$th" "$SPEED_EPOCHS")
				cv=$(wps "$cs" "$SPEED_EPOCHS" 1 "$swords")
				case $impl in
				w2v) name="word2vec.c" ;; ours) name="embtrain (exact)" ;;
				gensim) name="gensim" ;; *) name="embtrain --batch=${impl#batch}" ;;
				esac
				echo "| $m | $th | $name | $n | $s | $v | $(ratio "$v" "$base") | $cs | $cv | $(ratio "$cv" "$cbase") | $(awk -v k="$(rss "$impl" "$m" "$th" "$SPEED_EPOCHS")" 'BEGIN { printf "%.0f", k / 1024 }') |"
			done
		done
	done
	if [ -s "$quality" ]; then
		echo
		echo "## Quality ($QUALITY_EPOCHS epochs over $qwords words, 2 threads, one run each)"
		echo
		echo "| model | command | wall s | words/s/thread | analogy (30k) | semantic | syntactic | ws353 rho | peak RSS MB |"
		echo "|---|---|---|---|---|---|---|---|---|"
		while read -r impl m a sem syn ws; do
			s=$(wall "$impl" "$m" 2 "$QUALITY_EPOCHS")
			case $impl in
			w2v) name="word2vec.c" ;; ours) name="embtrain (exact)" ;;
			gensim) name="gensim" ;; *) name="embtrain --batch=${impl#batch}" ;;
			esac
			echo "| $m | $name | $s | $(wps "$s" "$QUALITY_EPOCHS" 2 "$qwords") | $a | $sem | $syn | $ws | $(awk -v k="$(rss "$impl" "$m" 2 "$QUALITY_EPOCHS")" 'BEGIN { printf "%.0f", k / 1024 }') |"
		done <"$quality"
	fi
	echo
	echo "Notes:"
	echo "- Exact mode is word2vec.c's algorithm update for update (same sampling, window shrink, sigmoid table clipping, learning-rate schedule); the speed comes from vectorised dot/axpy kernels (AVX2+FMA clone chosen at run time), an alias table for negatives (8 bytes a word, cache-resident) instead of word2vec.c's 400 MB unigram table, and a three-stage prefetch pipeline for the negatives' rows."
	echo "- --batch=B: skip-gram whose context words of B consecutive centre words share one set of negatives, updated as dense register-blocked products (Ji et al. 2016)."
	echo "- Quality needs the same corpus for both tools, not the full one: QUALITY_MB slices keep the comparison within the time budget; small corpora give low absolute analogy scores (and ±0.5 point run-to-run noise)."
	echo "- Peak RSS: word2vec.c allocates a 1e8-entry unigram table (400 MB) whatever the corpus; ours holds the vectors, the alias table and a few MB of id buffers (the corpus is streamed from the id cache)."
	echo
	echo "Raw times (name model threads epochs wall_s rss_kb user_s sys_s): bench/work/train/times.txt."
} >"$out"
cat "$out"
