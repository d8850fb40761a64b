#!/bin/sh
# The threaded paths of every tool under ThreadSanitizer (`make tsan` builds them into
# build-tsan/ and runs this).  A case passes when the tool exits 0 and TSan reports nothing;
# TSan's only suppressions are Hogwild's races on the training matrices (tests/tsan/suppressions).
# Inputs are small: TSan runs 5-15x slower, and this is a CI step of well under a minute.
# Ends with one line "N passed, N failed"; exit status 1 if anything failed.
: "${EMB_BUILD:?EMB_BUILD must name the build-tsan directory}"
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# exitcode 66 tells a report from the tool's own failures; OpenBLAS starts an uninstrumented
# thread pool when loaded unless told one thread (emb_knn runs its sgemm single-threaded anyway)
TSAN_OPTIONS="halt_on_error=1 exitcode=66 suppressions=$top/tests/tsan/suppressions"
export TSAN_OPTIONS OPENBLAS_NUM_THREADS=1
# Without address randomisation: TSan's fixed shadow layout fails on kernels that randomise mmap
# with more bits than the runtime knows (vm.mmap_rnd_bits = 32 with older LLVM/GCC runtimes).
norand=""
setarch "$(uname -m)" -R true 2>/dev/null && norand="setarch $(uname -m) -R"
pass=0
fail=0
n=0

# case DESCRIPTION TOOL ARG...: run one tool under TSan
case_() {
	desc=$1
	shift
	n=$((n + 1))
	tool=$1
	shift
	if $norand "$EMB_BUILD/$tool" "$@" >"$work/out" 2>"$work/err" &&
	   ! grep -q "ThreadSanitizer" "$work/err"; then
		echo "ok $n - $desc"
		pass=$((pass + 1))
	else
		echo "not ok $n - $desc"
		sed 's/^/# /' "$work/err" | head -60
		fail=$((fail + 1))
	fi
}

G=$top/tests/fixtures/embtrain/grammar.txt
gzip -c "$G" >"$work/g.gz"
T="-q -j 2 -d 16 -e 2 --seed 3"
case_ "embtrain -j2 skip-gram" embtrain $T "$G" -o "$work/sg.emb"
case_ "embtrain -j2 cbow, hierarchical softmax" embtrain $T -m cbow --hs "$G" -o "$work/cbow.emb"
case_ "embtrain -j2 --batch" embtrain $T --batch=4 "$G" -o "$work/b.emb"
case_ "embtrain -j2 gzip corpus, word2vec text output" embtrain $T "$work/g.gz" -t word2vec -o "$work/w.txt"
case_ "tokvocab count -j2 (gzip input, gzip output)" tokvocab count -q -j 2 "$work/g.gz" -o "$work/v.tsv.gz"
case_ "embconv -j2 text output" embconv -q -j 2 "$work/sg.emb" "$work/sg.txt"
case_ "embconv -j2 gzip output" embconv -q -j 2 -z "$work/sg.emb" "$work/sg.txt.gz"
case_ "embconv -j2 gzip text input" embconv -q -j 2 "$work/sg.txt.gz" "$work/sg2.emb"
# emb_knn splits the rows into tiles of 512 among its threads: a table of 1500 rows
awk 'BEGIN { srand(5); for (i = 0; i < 1500; i++) { l = "w" i
	for (j = 0; j < 8; j++) l = l " " (rand() - 0.5); print l } }' >"$work/big.txt"
case_ "embquery nn -j2" embquery nn -j 2 -k 3 "$work/big.txt" w1 w2 w3 w4
case_ "embquery analogy -j2" embquery analogy -j 2 -k 3 "$work/big.txt" w1 w2 w3
"$EMB_BUILD/tokvocab" count -q "$G" -o "$work/v.tsv" 2>/dev/null
"$EMB_BUILD/tokvocab" encode -v "$work/v.tsv" "$G" >"$work/ids.txt" 2>/dev/null
case_ "embpack -j2 gzip batches" embpack -q -j 2 --level 6 -b 4 "$work/ids.txt" -o "$work/p.pack"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
