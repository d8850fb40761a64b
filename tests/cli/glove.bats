#!/usr/bin/env bats
# embtrain --model glove: planted classes, determinism, spill = no spill, temporary files,
# interrupts, checkpoints, co-occurrence files and their damage, options.  Corpora are made by
# the awk scripts in tests/fixtures/glove (topics.awk: planted classes; zipf.awk: many pairs).
bats_require_minimum_version 1.5.0
load helpers

setup() {
  C="$BATS_TEST_TMPDIR/topics.txt"
  awk -f "$FIX/topics.awk" >"$C"
  mkdir -p "$BATS_TEST_TMPDIR/tmp"
  export TMPDIR="$BATS_TEST_TMPDIR/tmp"
}

FAST=(--model glove -d 10 -e 5 -w 3 -j 1 -q)

# the vectors alone (the EMB metadata holds the command line)
vectors() { t embtrain "$@" -t word2vec; }

zipf() { awk -v LINES="${1:-30000}" -f "$FIX/zipf.awk" >"$BATS_TEST_TMPDIR/zipf.txt"; }

@test "glove: same-class neighbours for planted classes (gensim reads the word2vec binary)" {
  t embtrain --model glove -d 10 -e 30 -w 3 -j 1 -q -t word2vec-bin "$C" -o "$BATS_TEST_TMPDIR/v.bin"
  run -0 /usr/bin/python3 "$TOP/tests/interop/embtrain_gensim.py" "$BATS_TEST_TMPDIR/v.bin"
  assert_output --partial "ok"
}

@test "glove with --threads 1 and a seed is bit-identical across runs; another seed differs" {
  vectors "${FAST[@]}" --seed 4 "$C" -o "$BATS_TEST_TMPDIR/a.txt"
  vectors "${FAST[@]}" --seed 4 "$C" -o "$BATS_TEST_TMPDIR/b.txt"
  vectors "${FAST[@]}" --seed 5 "$C" -o "$BATS_TEST_TMPDIR/c.txt"
  cmp "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/b.txt"
  ! cmp -s "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/c.txt"
}

@test "glove with a small --memory spills sorted runs and gives the bytes of an unbounded run" {
  zipf
  run -0 --separate-stderr t embtrain --model glove -d 8 -e 2 -w 5 -j 1 --seed 3 --memory 16M \
    -t word2vec "$BATS_TEST_TMPDIR/zipf.txt" -o "$BATS_TEST_TMPDIR/small.txt"
  [[ "$stderr" == *"counting in 16 MiB of memory"* ]]
  [[ "$stderr" =~ \(([1-9][0-9]*)\ runs\ spilled,\ shuffled\ on\ disk\) ]]
  vectors --model glove -d 8 -e 2 -w 5 -j 1 --seed 3 -q "$BATS_TEST_TMPDIR/zipf.txt" \
    -o "$BATS_TEST_TMPDIR/big.txt"
  cmp "$BATS_TEST_TMPDIR/small.txt" "$BATS_TEST_TMPDIR/big.txt"
  # and nothing is left in $TMPDIR
  [ -z "$(ls -A "$TMPDIR")" ]
}

@test "glove: temporary files are gone after a failure (the temporary disk is full)" {
  zipf
  # a file size limit stands for a full disk: the first spill fails
  run -1 --separate-stderr bash -c "trap '' XFSZ; ulimit -f 2048; exec $EMB_EXEC embtrain --model glove -d 4 -e 1 -j 1 -q --memory 16M '$BATS_TEST_TMPDIR/zipf.txt' -o '$BATS_TEST_TMPDIR/v.emb'"
  [[ "$stderr" == "embtrain: writing temporary co-occurrence data in $TMPDIR: "* ]]
  [ ! -e "$BATS_TEST_TMPDIR/v.emb" ]
  [ -z "$(ls -A "$TMPDIR")" ]
}

@test "glove on SIGINT stops with status 130, leaves no output and no temporary file" {
  zipf
  ( exec $EMB_EXEC embtrain --model glove -d 50 -e 100000 -j 1 --memory 16M --progress \
      "$BATS_TEST_TMPDIR/zipf.txt" -o "$BATS_TEST_TMPDIR/v.emb" 2>"$BATS_TEST_TMPDIR/err" ) &
  pid=$!
  for _ in $(seq 400); do
    grep -q "training" "$BATS_TEST_TMPDIR/err" 2>/dev/null && break
    sleep 0.05
  done
  # while it trains, its shuffled data is an unlinked file in $TMPDIR: open, but not listed
  ls -l /proc/$pid/fd | grep -q "$TMPDIR/embtrain-cooc.* (deleted)"
  [ -z "$(ls -A "$TMPDIR")" ]
  kill -INT $pid
  set +e; wait $pid; st=$?; set -e
  assert_equal "$st" 130
  [ ! -e "$BATS_TEST_TMPDIR/v.emb" ]
  [ -z "$(ls -A "$TMPDIR")" ]
}

@test "glove --checkpoint after an epoch; --resume with more --epochs gives the uninterrupted bytes" {
  vectors "${FAST[@]}" --seed 2 -e 2 "$C" -o "$BATS_TEST_TMPDIR/whole.txt"
  t embtrain "${FAST[@]}" --seed 2 -e 1 --checkpoint "$BATS_TEST_TMPDIR/ck" "$C" -o "$BATS_TEST_TMPDIR/one.emb"
  [ -s "$BATS_TEST_TMPDIR/ck" ]
  vectors "${FAST[@]}" -e 2 --resume "$BATS_TEST_TMPDIR/ck" "$C" -o "$BATS_TEST_TMPDIR/r.txt"
  cmp "$BATS_TEST_TMPDIR/whole.txt" "$BATS_TEST_TMPDIR/r.txt"
  # other data does not resume
  head -100 "$C" >"$BATS_TEST_TMPDIR/other.txt"
  run -1 --separate-stderr t embtrain "${FAST[@]}" -e 2 --resume "$BATS_TEST_TMPDIR/ck" \
    "$BATS_TEST_TMPDIR/other.txt" -o "$BATS_TEST_TMPDIR/x.emb"
  [[ "$stderr" == *"checkpoint was made from other co-occurrence data"* ]]
  run -1 --separate-stderr t embtrain "${FAST[@]}" --resume "$C" "$C" -o "$BATS_TEST_TMPDIR/x.emb"
  [[ "$stderr" == *"not a GloVe checkpoint"* ]]
}

@test "glove --cooc-out keeps the co-occurrences; --cooc (also gzipped) trains to the same bytes" {
  vectors "${FAST[@]}" --seed 6 --cooc-out "$BATS_TEST_TMPDIR/c.cooc" "$C" -o "$BATS_TEST_TMPDIR/a.txt"
  head -c 8 "$BATS_TEST_TMPDIR/c.cooc" | grep -q EMBCOOC1
  vectors "${FAST[@]}" --seed 6 --cooc "$BATS_TEST_TMPDIR/c.cooc" -o "$BATS_TEST_TMPDIR/b.txt"
  cmp "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/b.txt"
  gzip -c "$BATS_TEST_TMPDIR/c.cooc" >"$BATS_TEST_TMPDIR/c.cooc.gz"
  vectors "${FAST[@]}" --seed 6 --cooc "$BATS_TEST_TMPDIR/c.cooc.gz" -o "$BATS_TEST_TMPDIR/c.txt"
  cmp "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/c.txt"
  # --cooc-out -z writes it gzipped
  t embtrain "${FAST[@]}" -z --cooc-out "$BATS_TEST_TMPDIR/z.cooc" "$C" -o "$BATS_TEST_TMPDIR/z.emb"
  zcat "$BATS_TEST_TMPDIR/z.cooc" | cmp - "$BATS_TEST_TMPDIR/c.cooc"
}

@test "glove --cooc of a damaged file: CRC mismatch, truncation, not a cooc file; status 1, no output" {
  t embtrain "${FAST[@]}" --cooc-out "$BATS_TEST_TMPDIR/c.cooc" "$C" -o "$BATS_TEST_TMPDIR/a.emb"
  size=$(stat -c %s "$BATS_TEST_TMPDIR/c.cooc")
  # one count byte of the last record changed: still in order and positive, but the CRC differs
  cp "$BATS_TEST_TMPDIR/c.cooc" "$BATS_TEST_TMPDIR/bad.cooc"
  printf '\x01' | dd of="$BATS_TEST_TMPDIR/bad.cooc" bs=1 seek=$((size - 24 - 4)) conv=notrunc 2>/dev/null
  run -1 --separate-stderr t embtrain "${FAST[@]}" --cooc "$BATS_TEST_TMPDIR/bad.cooc" -o "$BATS_TEST_TMPDIR/x.emb"
  [[ "$stderr" == *"CRC mismatch"* ]]
  head -c $((size - 30)) "$BATS_TEST_TMPDIR/c.cooc" >"$BATS_TEST_TMPDIR/short.cooc"
  run -1 --separate-stderr t embtrain "${FAST[@]}" --cooc "$BATS_TEST_TMPDIR/short.cooc" -o "$BATS_TEST_TMPDIR/x.emb"
  [[ "$stderr" == *"unexpected end"* ]]
  run -1 --separate-stderr t embtrain "${FAST[@]}" --cooc "$C" -o "$BATS_TEST_TMPDIR/x.emb"
  [[ "$stderr" == *"not a co-occurrence file"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/x.emb" ]
}

@test "glove --glove-output: sum differs from word; both is word and context side by side" {
  vectors "${FAST[@]}" --glove-output word "$C" -o "$BATS_TEST_TMPDIR/w.txt"
  vectors "${FAST[@]}" "$C" -o "$BATS_TEST_TMPDIR/s.txt"
  vectors "${FAST[@]}" --glove-output both "$C" -o "$BATS_TEST_TMPDIR/b.txt"
  ! cmp -s "$BATS_TEST_TMPDIR/w.txt" "$BATS_TEST_TMPDIR/s.txt"
  read -r rows dim <"$BATS_TEST_TMPDIR/b.txt"
  assert_equal "$dim" 20
  # the first half of "both" is "word"
  diff <(tail -n +2 "$BATS_TEST_TMPDIR/w.txt") <(tail -n +2 "$BATS_TEST_TMPDIR/b.txt" | cut -d' ' -f1-11)
}

@test "glove writes every output format and records its settings in the EMB metadata" {
  for f in glove word2vec word2vec-bin fasttext; do
    t embtrain "${FAST[@]}" -t "$f" "$C" -o "$BATS_TEST_TMPDIR/v.$f"
    [ -s "$BATS_TEST_TMPDIR/v.$f" ]
  done
  t embtrain "${FAST[@]}" --x-max 7 --glove-alpha 0.5 --symmetric 0 "$C" -o "$BATS_TEST_TMPDIR/v.emb"
  zcat -f "$BATS_TEST_TMPDIR/v.emb" >"$BATS_TEST_TMPDIR/v.raw"
  for k in train.model glove glove.x_max 7 glove.alpha 0.5 glove.symmetric train.window \
           train.epochs glove.records corpus.tokens "--x-max 7"; do
    grep -a -q -- "$k" "$BATS_TEST_TMPDIR/v.raw"
  done
}

@test "glove --symmetric 0 counts left context only: other vectors than the symmetric window" {
  vectors "${FAST[@]}" "$C" -o "$BATS_TEST_TMPDIR/a.txt"
  vectors "${FAST[@]}" --symmetric 0 "$C" -o "$BATS_TEST_TMPDIR/b.txt"
  ! cmp -s "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/b.txt"
}

@test "glove prints the estimate and a summary; progress per phase with --progress" {
  run -0 --separate-stderr t embtrain --model glove -d 10 -e 2 -j 1 --progress "$C" -o "$BATS_TEST_TMPDIR/v.emb"
  [[ "$stderr" == *"glove: 44 words, counting in "*" of memory (--memory), temporary disk none, model "* ]]
  [[ "$stderr" == *"counting: "*"merging: "*"shuffling: "*"training: epoch 2/2"*"ETA"* ]]
  [[ "$stderr" == *"44 x 10 vectors from "*" co-occurrences (0 runs spilled, shuffled in memory) x 2 epochs"* ]]
}

@test "glove options without --model glove, or bad values, are usage errors (status 2)" {
  run -2 t embtrain --x-max 5 "$C" -o "$BATS_TEST_TMPDIR/v.emb"
  run -2 t embtrain --cooc x "$C" -o "$BATS_TEST_TMPDIR/v.emb"
  run -2 --separate-stderr t embtrain --model glove --memory 12x "$C" -o "$BATS_TEST_TMPDIR/v.emb"
  [[ "$stderr" == *"invalid --memory '12x'"* ]]
  run -2 t embtrain --model glove --memory 1M "$C" -o "$BATS_TEST_TMPDIR/v.emb"
  run -2 t embtrain --model glove --symmetric 2 "$C" -o "$BATS_TEST_TMPDIR/v.emb"
  run -2 t embtrain --model glove --glove-output all "$C" -o "$BATS_TEST_TMPDIR/v.emb"
  run -2 t embtrain --model glove --x-max 0 "$C" -o "$BATS_TEST_TMPDIR/v.emb"
  run -2 t embtrain --model glove --hs "$C" -o "$BATS_TEST_TMPDIR/v.emb"
  run -2 t embtrain --model glove --cooc "$C" "$C" -o "$BATS_TEST_TMPDIR/v.emb"
  run -2 t embtrain --model glove "$C" -o "$BATS_TEST_TMPDIR/v.foo"
  run -2 t embtrain --model glove "$C"
  [ ! -e "$BATS_TEST_TMPDIR/v.emb" ]
}

@test "glove of an empty corpus or to /dev/full: status 1" {
  : >"$BATS_TEST_TMPDIR/empty.txt"
  run -1 --separate-stderr t embtrain "${FAST[@]}" "$BATS_TEST_TMPDIR/empty.txt" -o "$BATS_TEST_TMPDIR/v.emb"
  [[ "$stderr" == *"the corpus is empty"* ]]
  run -1 --separate-stderr t embtrain "${FAST[@]}" -t glove "$C" -o /dev/full
  [[ "$stderr" == *"No space left on device"* ]]
}

@test "glove of a corpus whose words never share a line: status 1, 'nothing to train'" {
  printf 'alone\n%.0s' $(seq 10) >"$BATS_TEST_TMPDIR/single.txt"
  run -1 --separate-stderr t embtrain "${FAST[@]}" "$BATS_TEST_TMPDIR/single.txt" -o "$BATS_TEST_TMPDIR/v.emb"
  [[ "$stderr" == *"no two words of the vocabulary share a line: nothing to train"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/v.emb" ]
}

@test "glove into a directory that does not exist fails before counting, status 1" {
  # not quiet: the estimate line would show if counting had started
  run -1 --separate-stderr t embtrain --model glove -d 10 -e 5 -j 1 "$C" -o "$BATS_TEST_TMPDIR/no/such/v.emb"
  [[ "$stderr" == *"No such file or directory"* ]]
  [[ "$stderr" != *"glove:"* ]]
}
