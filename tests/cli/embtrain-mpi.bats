#!/usr/bin/env bats
# embtrain-mpi: embtrain on Open MPI (issue 16).  Every job runs under `timeout 60` so a hang
# fails rather than blocks; corpora are tiny.  The processes run without $EMB_EXEC (valgrind
# under mpirun reports Open MPI's own allocations).
bats_require_minimum_version 1.5.0
load helpers

G="$TOP/tests/fixtures/embtrain/grammar.txt"
FAST=(-d 12 -e 3 -j 1 -q)

setup() {
  command -v mpirun >/dev/null || skip "mpirun not installed (Debian: openmpi-bin)"
}

# mpi N ARGS...: embtrain-mpi on N processes of this machine (as root too, as CI runs).  Shared
# memory only: probing the network transports costs a quarter of a tiny job's start.
mpi() {
  local np=$1
  shift
  timeout 60 mpirun --allow-run-as-root --oversubscribe --mca pml ob1 --mca btl self,vader \
    -np "$np" embtrain-mpi "$@"
}

# How many times the text $1 occurs in $2.
occurrences() {
  grep -o -F -- "$1" <<<"$2" | wc -l
}

@test "embtrain-mpi --help is embtrain's plus its own options; options agree with the man page" {
  check_help embtrain-mpi
  run -0 t embtrain-mpi --help
  assert_output --partial "Usage: embtrain-mpi"
  assert_output --partial "--sync-words=N"
  # every embtrain option is there too
  for o in $(embtrain --list-options); do
    case $o in --*) ;; *) continue ;; esac # the "-x --name" lines' letters are in --help too
    assert_output --partial "${o%=}"
  done
  run -0 t embtrain-mpi --version
  assert_output --partial "embtrain-mpi (embkit)"
}

@test "the plain embtrain does not link libmpi; embtrain-mpi does" {
  run ! bash -c 'ldd "$1" | grep -q libmpi' _ "$EMB_BUILD/embtrain"
  ldd "$EMB_BUILD/embtrain-mpi" | grep -q libmpi
}

@test "embtrain-mpi -np 1 gives embtrain's bytes (sg, and cbow with hs)" {
  embtrain "${FAST[@]}" --seed 4 -t word2vec "$G" -o "$BATS_TEST_TMPDIR/a.txt"
  mpi 1 "${FAST[@]}" --seed 4 -t word2vec "$G" -o "$BATS_TEST_TMPDIR/b.txt"
  cmp "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/b.txt"
  embtrain "${FAST[@]}" -m cbow --hs -n 0 -t word2vec-bin "$G" -o "$BATS_TEST_TMPDIR/a.bin"
  mpi 1 "${FAST[@]}" -m cbow --hs -n 0 -t word2vec-bin "$G" -o "$BATS_TEST_TMPDIR/b.bin"
  cmp "$BATS_TEST_TMPDIR/a.bin" "$BATS_TEST_TMPDIR/b.bin"
}

@test "embtrain-mpi -np 2 --threads 1 --seed S repeats its bytes; another seed differs" {
  local o=(-t word2vec --sync-words 500 "$G")
  mpi 2 "${FAST[@]}" --seed 7 "${o[@]}" -o "$BATS_TEST_TMPDIR/a.txt"
  mpi 2 "${FAST[@]}" --seed 7 "${o[@]}" -o "$BATS_TEST_TMPDIR/b.txt"
  mpi 2 "${FAST[@]}" --seed 8 "${o[@]}" -o "$BATS_TEST_TMPDIR/c.txt"
  cmp "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/b.txt"
  ! cmp -s "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/c.txt"
}

@test "embtrain-mpi's vocabulary counted by 3 processes is tokvocab count's, byte for byte" {
  command -v tokvocab >/dev/null || skip "tokvocab not built"
  local d=$BATS_TEST_TMPDIR
  # a plain file cut between processes, a gzip file dealt whole, words of every count
  head -n 700 "$G" >"$d/one.txt"
  tail -n +701 "$G" | sed 's/ a / an /' | gzip -c >"$d/two.txt.gz"
  printf 'rare words once\nand twice twice\n' >"$d/three.txt"
  mpi 3 -q -d 4 -e 1 -j 1 --min-count 2 --save-vocab "$d/v.tsv" "$d/one.txt" "$d/two.txt.gz" \
    "$d/three.txt" -o "$d/v.emb"
  t tokvocab count --min-count 2 "$d/one.txt" "$d/two.txt.gz" "$d/three.txt" -o "$d/want.tsv"
  cmp "$d/want.tsv" "$d/v.tsv"
  grep -q '^twice' "$d/v.tsv"
}

@test "embtrain-mpi with 2 and 3 processes learns the planted classes of both halves (sg, cbow)" {
  # the second half is the grammar with every word renamed: with 2 processes only rank 1
  # sees it, and rank 0 writes, so its words come out right only through the merging
  { cat "$G"; awk '{ for (i = 1; i <= NF; i++) $i = $i "2"; print }' "$G"; } >"$BATS_TEST_TMPDIR/h.txt"
  for np in 2 3; do
    for m in sg cbow; do
      mpi "$np" -q -d 20 -e 5 -j 1 --sample 0 -m "$m" --sync-words 2000 -t word2vec-bin \
        "$BATS_TEST_TMPDIR/h.txt" -o "$BATS_TEST_TMPDIR/$np-$m.bin"
    done
  done
  run -0 /usr/bin/python3 "$TOP/tests/interop/embtrain_mpi_halves.py" "$BATS_TEST_TMPDIR"/*.bin
  assert_output --partial "ok"
}

@test "embtrain-mpi --sync-words, --sync-rows, --full-sync and --average change the merging (-np 2)" {
  local o=("${FAST[@]}" --seed 3 -t word2vec "$G")
  mpi 2 "${o[@]}" --sync-words 300 -o "$BATS_TEST_TMPDIR/a.txt"
  mpi 2 "${o[@]}" --sync-words 3000 -o "$BATS_TEST_TMPDIR/b.txt"
  mpi 2 "${o[@]}" --sync-words 300 --sync-rows 5 --full-sync 4 -o "$BATS_TEST_TMPDIR/c.txt"
  mpi 2 "${o[@]}" --sync-words 300 --average -o "$BATS_TEST_TMPDIR/e.txt"
  run ! cmp -s "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/b.txt"
  run ! cmp -s "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/c.txt"
  run ! cmp -s "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/e.txt"
  run -2 --separate-stderr mpi 2 "${o[@]}" --sync-words 0 -o "$BATS_TEST_TMPDIR/d.txt"
  [[ "$stderr" == *"invalid --sync-words '0'"* ]]
}

@test "embtrain-mpi --sync-rows 0 merges the whole table every round, as --full-sync 1; bad values are refused" {
  local d=$BATS_TEST_TMPDIR o=("${FAST[@]}" --seed 6 -t word2vec --sync-words 500 "$G")
  mpi 2 "${o[@]}" --sync-rows 0 -o "$d/rows0.txt"
  mpi 2 "${o[@]}" --sync-rows 5 --full-sync 1 -o "$d/full1.txt"
  mpi 2 "${o[@]}" --sync-rows 5 -o "$d/hot.txt"
  cmp "$d/rows0.txt" "$d/full1.txt"
  run ! cmp -s "$d/rows0.txt" "$d/hot.txt"
  run -2 --separate-stderr mpi 2 "${o[@]}" --sync-rows x -o "$d/x.txt"
  [[ "$stderr" == *"--sync-rows"* ]]
  run -2 --separate-stderr mpi 2 "${o[@]}" --full-sync 0 -o "$d/x.txt"
  [[ "$stderr" == *"--full-sync"* ]]
  [ ! -e "$d/x.txt" ]
  # the plain embtrain has no merging to tune
  run -2 t embtrain "${FAST[@]}" --sync-words 500 "$G" -o "$d/x.txt"
}

@test "embtrain-mpi merges the whole table every 4th round by default (-np 2)" {
  # 9 rounds an epoch over 5 hot rows: whole tables at rounds 4 and 8 and the epoch end, or at
  # the epoch end only under 16
  local d=$BATS_TEST_TMPDIR o=("${FAST[@]}" --seed 5 -t word2vec --sync-words 500 --sync-rows 5 "$G")
  mpi 2 "${o[@]}" -o "$d/default.txt"
  mpi 2 "${o[@]}" --full-sync 4 -o "$d/4.txt"
  mpi 2 "${o[@]}" --full-sync 16 -o "$d/16.txt"
  cmp "$d/default.txt" "$d/4.txt"
  ! cmp -s "$d/default.txt" "$d/16.txt"
}

@test "embtrain-mpi: rank 0 alone prints progress (all processes' words/s) and the summary" {
  # long enough for a progress line (every 0.25 s)
  run -0 --separate-stderr mpi 2 -d 12 -e 100 -j 1 --progress "$G" -o "$BATS_TEST_TMPDIR/v.emb"
  [[ "$stderr" == *"k words/s (2 processes)"* ]]
  assert_equal "$(occurrences "vectors from" "$stderr")" 1
  assert_equal "$(occurrences "vectors from 9000 words x 100 epochs" "$stderr")" 1
  # and the merging's account: rounds, their times, the waiting
  assert_equal "$(occurrences "embtrain-mpi: 2 processes merged " "$stderr")" 1
  [[ "$stderr" =~ "whole tables ("[0-9.]+" ms each), "[0-9]+" x 4096 rows ("[0-9.]+" ms each); "[0-9.]+" s waiting for each other" ]]
}

@test "embtrain-mpi --checkpoint under 2 processes; --resume continues to the same bytes" {
  local d=$BATS_TEST_TMPDIR o=(-q -d 12 -e 12 -j 1 --seed 3 -t word2vec --sync-words 1000)
  # take the first checkpoint of a run (written at an early merging round)
  mpi 2 "${o[@]}" --checkpoint "$d/ck" --checkpoint-every 0.00001 "$G" -o "$d/whole.txt" &
  local pid=$!
  while [ ! -e "$d/ck" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
  cp "$d/ck" "$d/ck0"
  wait "$pid"
  mpi 2 -q --resume "$d/ck0" -t word2vec "$G" -o "$d/resumed.txt"
  cmp "$d/whole.txt" "$d/resumed.txt"
  run -1 --separate-stderr mpi 3 -q --resume "$d/ck0" "$G" -o "$d/x.emb"
  [[ "$stderr" == *"a checkpoint of 2 processes, not of 3"* ]]
  [ ! -e "$d/x.emb" ]
}

@test "embtrain-mpi --resume of a checkpoint of one process under 2: status 1, no output" {
  # (a checkpoint of 2 processes under 3: the --checkpoint test above)
  local d=$BATS_TEST_TMPDIR
  embtrain -q -d 12 -e 500 -j 1 --checkpoint "$d/one" --checkpoint-every 0.00001 "$G" -o "$d/v.txt" &
  local pid=$!
  while [ ! -s "$d/one" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
  kill "$pid" 2>/dev/null || true
  wait "$pid" || true
  [ -s "$d/one" ] || skip "training ended before a checkpoint"
  run -1 --separate-stderr mpi 2 -q --resume "$d/one" "$G" -o "$d/r.txt"
  [[ "$stderr" == *"$d/one: a checkpoint of one process, not of 2"* ]]
  [ ! -e "$d/r.txt" ]
}

@test "embtrain-mpi refuses --subwords and --model glove (status 2, once); takes word2vec.c's command line" {
  local d=$BATS_TEST_TMPDIR
  run -2 --separate-stderr mpi 2 "${FAST[@]}" --subwords "$G" -o "$d/v.emb"
  assert_equal "$(occurrences "--subwords does not work with embtrain-mpi" "$stderr")" 1
  [ ! -e "$d/v.emb" ]
  run -2 --separate-stderr mpi 2 "${FAST[@]}" --model glove "$G" -o "$d/v.emb"
  assert_equal "$(occurrences "--model glove does not work with embtrain-mpi" "$stderr")" 1
  [ ! -e "$d/v.emb" ]
  # the side files of the compat command lines come from rank 0, after the merged vocabulary
  mpi 2 -train "$G" -output "$d/w.txt" -size 12 -iter 1 -threads 1 -save-vocab "$d/sv.txt" 2>/dev/null
  embtrain -train "$G" -output "$d/one.txt" -size 12 -iter 1 -threads 1 -save-vocab "$d/one.sv" 2>/dev/null
  cmp "$d/one.sv" "$d/sv.txt"
  assert_equal "$(head -n 1 "$d/w.txt")" "$(head -n 1 "$d/one.txt")"
}

@test "embtrain-mpi with a bad option: status 2, the usage error once" {
  run -2 --separate-stderr mpi 2 --no-such-option "$G" -o "$BATS_TEST_TMPDIR/v.emb"
  assert_equal "$(occurrences "Try 'embtrain-mpi --help'" "$stderr")" 1
  [ ! -e "$BATS_TEST_TMPDIR/v.emb" ]
}

@test "embtrain-mpi refuses standard input under 2 processes (status 2), not under 1" {
  run -2 --separate-stderr mpi 2 "${FAST[@]}" - -o "$BATS_TEST_TMPDIR/v.emb" <"$G"
  [[ "$stderr" == *"standard input cannot be split between 2 processes"* ]]
  mpi 1 "${FAST[@]}" - -o "$BATS_TEST_TMPDIR/v.emb" <"$G"
  [ -s "$BATS_TEST_TMPDIR/v.emb" ]
}

@test "embtrain-mpi with an unreadable corpus: status 1, one message, no output" {
  run -1 --separate-stderr mpi 2 "${FAST[@]}" "$G" "$BATS_TEST_TMPDIR/none.txt" -o "$BATS_TEST_TMPDIR/v.emb"
  assert_equal "$(occurrences "embtrain-mpi: $BATS_TEST_TMPDIR/none.txt: No such file or directory" "$stderr")" 1
  [ ! -e "$BATS_TEST_TMPDIR/v.emb" ]
}

@test "embtrain-mpi deals the corpus in slices: each process gets text from both halves" {
  # first half: words of the vocabulary; second half: words outside it.  One stretch per
  # process would leave process 1 nothing to train on ("has no word of the vocabulary").
  local c="$BATS_TEST_TMPDIR/two.txt"
  awk 'BEGIN { for (i = 0; i < 12000; i++) print "alpha beta gamma delta" }' >"$BATS_TEST_TMPDIR/first.txt"
  { cat "$BATS_TEST_TMPDIR/first.txt"; awk 'BEGIN { for (i = 0; i < 20000; i++) print "xx yy zz ww vv uu tt" }'; } >"$c"
  [ "$(wc -c <"$c")" -gt 600000 ] # the second half begins inside the words outside it
  t tokvocab count "$BATS_TEST_TMPDIR/first.txt" -o "$BATS_TEST_TMPDIR/v.tsv"
  run -0 mpi 2 "${FAST[@]}" -v "$BATS_TEST_TMPDIR/v.tsv" "$c" -o "$BATS_TEST_TMPDIR/v.emb"
  [ -s "$BATS_TEST_TMPDIR/v.emb" ]
}

@test "embtrain-mpi with more processes than lines: status 1, the process without words says so" {
  printf 'one two three\n' >"$BATS_TEST_TMPDIR/tiny.txt"
  run -1 --separate-stderr mpi 2 "${FAST[@]}" --min-count 1 "$BATS_TEST_TMPDIR/tiny.txt" -o "$BATS_TEST_TMPDIR/v.emb"
  [[ "$stderr" == *"embtrain-mpi[1]: process 1 of 2 has no word of the vocabulary"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/v.emb" ]
}

@test "embtrain-mpi: a rank killed during training ends the whole job, non-zero, no output" {
  local d=$BATS_TEST_TMPDIR st p start
  start=$SECONDS
  mpi 2 -q -d 16 -e 100000 -j 1 --sync-words 500 "$G" -o "$d/killed.emb" 2>"$d/err" &
  local job=$!
  # rank 1 of this job (its command line names this test's directory)
  for _ in $(seq 200); do
    for p in $(pgrep -x embtrain-mpi || true); do
      if grep -q -F "$d/killed.emb" "/proc/$p/cmdline" 2>/dev/null &&
         tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -q -x 'OMPI_COMM_WORLD_RANK=1'; then
        sleep 0.5
        kill -9 "$p"
        break 2
      fi
    done
    sleep 0.05
  done
  set +e
  wait "$job"
  st=$?
  set -e
  [ "$st" -ne 0 ]
  [ "$st" -ne 124 ] # not the timeout: the job ended by itself
  (( SECONDS - start < 60 ))
  grep -q "exited on signal 9" "$d/err"
  [ ! -e "$d/killed.emb" ]
  [ -z "$(ls "$d" | grep -v '^err$' || true)" ]
}
