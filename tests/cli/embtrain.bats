#!/usr/bin/env bats
# embtrain: options, outputs, determinism, interrupts and checkpoints, and every bad input of
# issue 4.  The corpus is a small grammar (tests/fixtures/embtrain/grammar.txt: "DET ADJ NOUN
# VERB DET NOUN", words of a class interchangeable); quality itself is tested in test_train.c.
bats_require_minimum_version 1.5.0
load helpers

G="$FIX/grammar.txt"
FAST=(-d 12 -e 3 -j 1 -q)

@test "embtrain --help, --version and --list-options agree with the man page" {
  check_help embtrain
  run -0 t embtrain --version
  assert_output --partial "embtrain (embkit)"
}

@test "embtrain rejects an unknown option with status 2" {
  check_bad_option embtrain "$G" -o "$BATS_TEST_TMPDIR/x.emb"
}

@test "embtrain writes word2vec text: header, one row per word of count >= 5, dim columns" {
  run -0 t embtrain "${FAST[@]}" -t word2vec "$G" -o "$BATS_TEST_TMPDIR/v.txt"
  read -r rows dim <"$BATS_TEST_TMPDIR/v.txt"
  assert_equal "$dim" 12
  assert_equal "$rows" "$(tr ' ' '\n' <"$G" | sort | uniq -c | awk '$1 >= 5' | wc -l)"
  awk 'NR > 1 && NF != 13 { exit 1 }' "$BATS_TEST_TMPDIR/v.txt"
}

@test "embtrain output rows come most frequent first, ties by bytes (as tokvocab count)" {
  run -0 t embtrain "${FAST[@]}" -t word2vec "$G" -o "$BATS_TEST_TMPDIR/v.txt"
  tail -n +2 "$BATS_TEST_TMPDIR/v.txt" | cut -d' ' -f1 >"$BATS_TEST_TMPDIR/ours"
  tr ' ' '\n' <"$G" | sort | uniq -c | sort -k1,1nr -k2,2 | awk '{print $2}' >"$BATS_TEST_TMPDIR/want"
  diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/ours"
}

@test "embtrain with --threads 1 and a seed is bit-identical across runs; another seed differs" {
  # the command line is in the metadata: same output name, other directories
  mkdir "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/c"
  (cd "$BATS_TEST_TMPDIR/a" && t embtrain "${FAST[@]}" --seed 9 "$G" -o v.emb)
  (cd "$BATS_TEST_TMPDIR/b" && t embtrain "${FAST[@]}" --seed 9 "$G" -o v.emb)
  (cd "$BATS_TEST_TMPDIR/c" && t embtrain "${FAST[@]}" --seed 10 "$G" -o v.emb)
  cmp "$BATS_TEST_TMPDIR/a/v.emb" "$BATS_TEST_TMPDIR/b/v.emb"
  ! cmp -s "$BATS_TEST_TMPDIR/a/v.emb" "$BATS_TEST_TMPDIR/c/v.emb"
  # and the vectors differ, not only the seed in the metadata
  t embtrain "${FAST[@]}" --seed 9 -t word2vec "$G" -o "$BATS_TEST_TMPDIR/a.txt"
  t embtrain "${FAST[@]}" --seed 10 -t word2vec "$G" -o "$BATS_TEST_TMPDIR/c.txt"
  ! cmp -s "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/c.txt"
}

@test "embtrain gives the same vectors from gzip, from stdin and from a plain file" {
  gzip -c "$G" >"$BATS_TEST_TMPDIR/g.gz"
  t embtrain "${FAST[@]}" -t word2vec "$G" -o "$BATS_TEST_TMPDIR/a.txt"
  t embtrain "${FAST[@]}" -t word2vec "$BATS_TEST_TMPDIR/g.gz" -o "$BATS_TEST_TMPDIR/b.txt"
  t embtrain "${FAST[@]}" -t word2vec - -o "$BATS_TEST_TMPDIR/c.txt" <"$G"
  cmp "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/b.txt"
  cmp "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/c.txt"
}

@test "embtrain stores the seed, options and corpus statistics in the EMB metadata" {
  t embtrain "${FAST[@]}" --seed 42 "$G" -o "$BATS_TEST_TMPDIR/v.emb"
  zcat "$BATS_TEST_TMPDIR/v.emb" >"$BATS_TEST_TMPDIR/v.raw"
  grep -a -q "train.seed" "$BATS_TEST_TMPDIR/v.raw"
  grep -a -q -- "--seed 42" "$BATS_TEST_TMPDIR/v.raw"
  grep -a -q "corpus.tokens" "$BATS_TEST_TMPDIR/v.raw"
  grep -a -q "9000" "$BATS_TEST_TMPDIR/v.raw"
}

@test "embtrain -v keeps the vocabulary's rows; <pad> is a zero row, <unk> is never trained" {
  run -0 t embtrain "${FAST[@]}" -t word2vec -v "$FIX/vocab.tsv" "$G" -o "$BATS_TEST_TMPDIR/v.txt"
  assert_equal "$(sed -n 2p "$BATS_TEST_TMPDIR/v.txt" | cut -d' ' -f1)" "<pad>"
  assert_equal "$(sed -n 3p "$BATS_TEST_TMPDIR/v.txt" | cut -d' ' -f1)" "<unk>"
  sed -n 2p "$BATS_TEST_TMPDIR/v.txt" | awk '{ for (i = 2; i <= NF; i++) if ($i != 0) exit 1 }'
  assert_equal "$(($(wc -l <"$BATS_TEST_TMPDIR/v.txt") - 1))" "$(wc -l <"$FIX/vocab.tsv")"
  # <unk> keeps its initial vectors whatever the epochs
  t embtrain -d 12 -e 1 -j 1 -q -t word2vec -v "$FIX/vocab.tsv" "$G" -o "$BATS_TEST_TMPDIR/w.txt"
  assert_equal "$(sed -n 3p "$BATS_TEST_TMPDIR/v.txt")" "$(sed -n 3p "$BATS_TEST_TMPDIR/w.txt")"
}

@test "embtrain --padding-idx keeps that row zero" {
  t embtrain "${FAST[@]}" -t word2vec --padding-idx 3 "$G" -o "$BATS_TEST_TMPDIR/v.txt"
  sed -n 5p "$BATS_TEST_TMPDIR/v.txt" | awk '{ for (i = 2; i <= NF; i++) if ($i != 0) exit 1 }'
  ! sed -n 4p "$BATS_TEST_TMPDIR/v.txt" | awk '{ for (i = 2; i <= NF; i++) if ($i != 0) exit 1 }'
}

@test "embtrain trains cbow, hs and --batch, and writes --save-context of the same shape" {
  t embtrain "${FAST[@]}" -m cbow --hs -t word2vec "$G" -o "$BATS_TEST_TMPDIR/a.txt" \
    --save-context "$BATS_TEST_TMPDIR/ctx.txt" --to word2vec
  assert_equal "$(head -1 "$BATS_TEST_TMPDIR/a.txt")" "$(head -1 "$BATS_TEST_TMPDIR/ctx.txt")"
  ! cmp -s "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/ctx.txt"
  t embtrain "${FAST[@]}" --batch -t word2vec "$G" -o "$BATS_TEST_TMPDIR/b.txt"
  t embtrain "${FAST[@]}" --batch=4 -n 0 --hs -t word2vec "$G" -o "$BATS_TEST_TMPDIR/c.txt" && false
  t embtrain "${FAST[@]}" --negative 0 --hs -t word2vec "$G" -o "$BATS_TEST_TMPDIR/c.txt"
}

@test "embtrain --init-from copies matching rows; --freeze-existing keeps them as they were" {
  t embtrain -d 8 -e 2 -j 1 -q -t word2vec --init-from "$FIX/init-dim8.txt" --freeze-existing \
    "$G" -o "$BATS_TEST_TMPDIR/v.txt"
  assert_equal "$(grep '^cat ' "$BATS_TEST_TMPDIR/v.txt" | cut -d' ' -f2- | xargs printf '%.3f ')" \
    "$(grep '^cat ' "$FIX/init-dim8.txt" | cut -d' ' -f2- | xargs printf '%.3f ')"
  # without --freeze-existing the row moves on; the dim comes from the table without --dim
  t embtrain -e 2 -j 1 -q -t word2vec --init-from "$FIX/init-dim8.txt" "$G" -o "$BATS_TEST_TMPDIR/w.txt"
  assert_equal "$(head -1 "$BATS_TEST_TMPDIR/w.txt" | cut -d' ' -f2)" 8
  [ "$(grep '^cat ' "$BATS_TEST_TMPDIR/w.txt" | cut -d' ' -f2- | xargs printf '%.3f ')" != \
    "$(grep '^cat ' "$FIX/init-dim8.txt" | cut -d' ' -f2- | xargs printf '%.3f ')" ]
}

@test "embtrain -o with an extension that names no format is a usage error; --to overrides" {
  run -2 --separate-stderr t embtrain "${FAST[@]}" "$G" -o "$BATS_TEST_TMPDIR/v.foo"
  [[ "$stderr" == "embtrain: the extension of '$BATS_TEST_TMPDIR/v.foo' names no table format"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/v.foo" ]
  run -2 --separate-stderr t embtrain "${FAST[@]}" "$G" -o "$BATS_TEST_TMPDIR/v.emb" --context "$BATS_TEST_TMPDIR/c.gloves"
  [ ! -e "$BATS_TEST_TMPDIR/v.emb" ]
  run -0 t embtrain "${FAST[@]}" -t glove "$G" -o "$BATS_TEST_TMPDIR/v.foo"
  awk 'NF != 13 { exit 1 }' "$BATS_TEST_TMPDIR/v.foo"
  run -0 t embtrain "${FAST[@]}" "$G" -o "$BATS_TEST_TMPDIR/.v"
  [ -s "$BATS_TEST_TMPDIR/.v" ]
}

@test "embtrain --init-from a table of another dimension: status 1, no output" {
  run -1 --separate-stderr t embtrain -d 12 -q --init-from "$FIX/init-dim8.txt" "$G" -o "$BATS_TEST_TMPDIR/v.emb"
  assert_equal "$stderr" "embtrain: $FIX/init-dim8.txt: vectors of dimension 8, not 12"
  [ ! -e "$BATS_TEST_TMPDIR/v.emb" ]
}

@test "embtrain of an empty corpus: status 1, no output" {
  : >"$BATS_TEST_TMPDIR/empty.txt"
  run -1 --separate-stderr t embtrain -q "$BATS_TEST_TMPDIR/empty.txt" -o "$BATS_TEST_TMPDIR/v.emb"
  assert_equal "$stderr" "embtrain: the corpus is empty"
  [ ! -e "$BATS_TEST_TMPDIR/v.emb" ]
}

@test "embtrain of a corpus with no token in the vocabulary: status 1, no output" {
  run -1 --separate-stderr t embtrain -q -v "$FIX/other-vocab.tsv" "$G" -o "$BATS_TEST_TMPDIR/v.emb"
  assert_equal "$stderr" "embtrain: no token of the corpus is in the vocabulary"
  [ ! -e "$BATS_TEST_TMPDIR/v.emb" ]
  # and every word below --min-count
  run -1 --separate-stderr t embtrain -q --min-count 100000 "$G" -o "$BATS_TEST_TMPDIR/v.emb"
  [[ "$stderr" == *"no token of the corpus is in the vocabulary"* ]]
}

@test "embtrain with a vocabulary that is not one names file and line, status 1" {
  run -1 --separate-stderr t embtrain -q -v "$FIX/not-a-vocab.tsv" "$G" -o "$BATS_TEST_TMPDIR/v.emb"
  [[ "$stderr" == "embtrain: $FIX/not-a-vocab.tsv:2: "* ]]
  run -1 --separate-stderr t embtrain -q -v "$FIX/negative-count.tsv" "$G" -o "$BATS_TEST_TMPDIR/v.emb"
  [[ "$stderr" == "embtrain: $FIX/negative-count.tsv:2: "* ]]
  run -1 --separate-stderr t embtrain -q -v "$G" "$G" -o "$BATS_TEST_TMPDIR/v.emb"
  [[ "$stderr" == "embtrain: $G:1: "* ]]
  [ ! -e "$BATS_TEST_TMPDIR/v.emb" ]
}

@test "embtrain refuses --window 0, --negative 0 without --hs, dim 0 and negative numbers (status 2)" {
  local o="$BATS_TEST_TMPDIR/v.emb" a
  for a in "--window 0" "--negative 0" "--dim 0" "--min-count -1" "--epochs 0" "--threads 0" \
      "--sample -1" "--alpha -0.1" "--negative -5" "--model lsa" "--init zero" "--batch=99" \
      "--alpha 1.5" "--alpha nan" "--alpha inf" "--min-alpha 2" "--ns-exponent 11"; do
    run -2 --separate-stderr t embtrain $a "$G" -o "$o"
    [[ "$stderr" == *"Try 'embtrain --help' for more information."* ]] || { echo "$a: $stderr"; false; }
  done
  run -2 --separate-stderr t embtrain "$G"
  [[ "$stderr" == *"no output given"* ]]
  [ ! -e "$o" ]
}

@test "embtrain --alpha 1 diverges: 'training diverged', status 1, no output, no checkpoint" {
  local o="$BATS_TEST_TMPDIR/v.emb" a
  for a in "-m sg -n 20 -j 1" "-m sg -n 20 -j 2" "--batch -j 1" "-m cbow -n 20 -j 2"; do
    run -1 --separate-stderr t embtrain -q -d 100 -e 3 --alpha 1 $a "$G" -o "$o" \
      --checkpoint "$BATS_TEST_TMPDIR/ck"
    [[ "$stderr" == "embtrain: training diverged after "*" words"* ]] || { echo "$a: $stderr"; false; }
    [ ! -e "$o" ]
    [ ! -e "$BATS_TEST_TMPDIR/ck" ]
  done
}

@test "embtrain into a directory that does not exist fails before training, status 1" {
  run -1 --separate-stderr t embtrain -q "$G" -o "$BATS_TEST_TMPDIR/no/such/dir/v.emb"
  [[ "$stderr" == *"No such file or directory"* ]]
}

@test "embtrain to /dev/full: status 1, 'No space left on device'" {
  check_dev_full embtrain "${FAST[@]}" -t word2vec "$G" -o /dev/full
}

@test "embtrain -o - into a closed pipe is quiet" {
  # 52 rows x 1000 dims of text, about 740 KB: far more than a pipe holds (64 KiB), so the
  # writes after head has gone meet the closed pipe; status 141 shows they did (SIGPIPE)
  local big=(-d 1000 -e 1 -j 1 -q -t word2vec "$G" -o -)
  [ "$(t embtrain "${big[@]}" | wc -c)" -gt 262144 ]
  check_closed_pipe t embtrain "${big[@]}"
  assert_equal "$(cat "$BATS_TEST_TMPDIR/pipe.st")" 141
}

@test "embtrain of a truncated gzip corpus: status 1, no output" {
  make_truncated_gz "$G" "$BATS_TEST_TMPDIR/g.gz"
  run -1 --separate-stderr t embtrain -q "$BATS_TEST_TMPDIR/g.gz" -o "$BATS_TEST_TMPDIR/v.emb"
  [[ "$stderr" == *"truncated"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/v.emb" ]
}

@test "embtrain prints a one-line summary, progress only with --progress, nothing with -q" {
  run -0 --separate-stderr t embtrain -d 12 -e 2 -j 1 "$G" -o "$BATS_TEST_TMPDIR/v.emb"
  [[ "$stderr" == "embtrain: 52 x 12 vectors from 9000 words x 2 epochs in "*"words/s/thread"* ]]
  assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
  run -0 --separate-stderr t embtrain -d 12 -e 400 -j 1 --progress "$G" -o "$BATS_TEST_TMPDIR/v.emb"
  [[ "$stderr" == *"words/s/thread  alpha "*"ETA"* ]]
  run -0 --separate-stderr t embtrain "${FAST[@]}" "$G" -o "$BATS_TEST_TMPDIR/v.emb"
  [ -z "$stderr" ]
}

# Start embtrain in the background (exec: $pid is embtrain itself), wait until it trains (its
# progress line shows), send SIG, and set $st to its exit status.
interrupt() {
  local sig=$1; shift
  ( exec $EMB_EXEC embtrain --progress "$@" 2>"$BATS_TEST_TMPDIR/err" ) &
  pid=$!
  for _ in $(seq 200); do
    grep -q "ETA" "$BATS_TEST_TMPDIR/err" 2>/dev/null && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
  done
  kill -$sig $pid 2>/dev/null || true
  set +e; wait $pid; st=$?; set -e
}

@test "embtrain on SIGINT or SIGTERM stops with status 130 and leaves no output" {
  interrupt INT -d 16 -e 3000 -j 2 "$G" -o "$BATS_TEST_TMPDIR/v.emb"
  assert_equal "$st" 130
  [ ! -e "$BATS_TEST_TMPDIR/v.emb" ]
  [ -z "$(ls "$BATS_TEST_TMPDIR" | grep -v '^err$' || true)" ]
  interrupt TERM -d 16 -e 3000 -j 2 "$G" -o "$BATS_TEST_TMPDIR/v.emb"
  assert_equal "$st" 130
  [ ! -e "$BATS_TEST_TMPDIR/v.emb" ]
}

@test "embtrain --checkpoint saves on SIGINT; --resume continues to the uninterrupted vectors" {
  interrupt INT -d 16 -e 300 -j 1 --seed 5 "$G" -o "$BATS_TEST_TMPDIR/v.emb" --checkpoint "$BATS_TEST_TMPDIR/ck"
  if [ "$st" = 0 ]; then skip "training ended before the signal"; fi
  assert_equal "$st" 130
  [ -s "$BATS_TEST_TMPDIR/ck" ]
  [ ! -e "$BATS_TEST_TMPDIR/v.emb" ]
  t embtrain -q --resume "$BATS_TEST_TMPDIR/ck" "$G" -o "$BATS_TEST_TMPDIR/r.txt" -t word2vec
  # one thread: the resumed run ends with the vectors of a run never stopped
  t embtrain -d 16 -e 300 -j 1 -q --seed 5 "$G" -o "$BATS_TEST_TMPDIR/whole.txt" -t word2vec
  cmp "$BATS_TEST_TMPDIR/whole.txt" "$BATS_TEST_TMPDIR/r.txt"
  # another corpus does not resume
  head -100 "$G" >"$BATS_TEST_TMPDIR/other.txt"
  run -1 --separate-stderr t embtrain -q --resume "$BATS_TEST_TMPDIR/ck" "$BATS_TEST_TMPDIR/other.txt" -o "$BATS_TEST_TMPDIR/x.emb"
  [[ "$stderr" == *"not the one the checkpoint was made from"* ]]
}

@test "embtrain --resume after --min-count pruned words (some lines all rare) gives the uninterrupted bytes" {
  # 60 frequent words; a word seen once on every 7th line; every 50th line holds only one
  awk 'BEGIN { srand(3); for (i = 0; i < 3000; i++) {
    if (i % 50 == 0) { print "only" i; continue }
    l = "w" int(rand() * 60); for (j = 1; j < 8; j++) l = l " w" int(rand() * 60)
    if (i % 7 == 0) l = l " rare" i
    print l } }' >"$BATS_TEST_TMPDIR/rare.txt"
  local R="$BATS_TEST_TMPDIR/rare.txt"
  interrupt INT -d 16 -e 300 -j 1 --seed 5 "$R" -o "$BATS_TEST_TMPDIR/v.emb" --checkpoint "$BATS_TEST_TMPDIR/ck"
  if [ "$st" = 0 ]; then skip "training ended before the signal"; fi
  assert_equal "$st" 130
  run -0 --separate-stderr t embtrain -q --resume "$BATS_TEST_TMPDIR/ck" "$R" -o "$BATS_TEST_TMPDIR/r.txt" -t word2vec
  t embtrain -d 16 -e 300 -j 1 -q --seed 5 "$R" -o "$BATS_TEST_TMPDIR/whole.txt" -t word2vec
  cmp "$BATS_TEST_TMPDIR/whole.txt" "$BATS_TEST_TMPDIR/r.txt"
}

@test "embtrain -j 2 resumes in its dealt chunks; thread positions outside them are refused" {
  # 45000 lines (315000 ids with the line ends): two chunks per thread of at least 65536
  awk 'BEGIN { srand(4); for (i = 0; i < 45000; i++) { l = "w" int(rand() * 50)
    for (j = 1; j < 6; j++) l = l " w" int(rand() * 50); print l } }' >"$BATS_TEST_TMPDIR/c.txt"
  local C="$BATS_TEST_TMPDIR/c.txt"
  interrupt INT -d 8 -e 200 -j 2 --seed 5 "$C" -o "$BATS_TEST_TMPDIR/v.emb" --checkpoint "$BATS_TEST_TMPDIR/ck"
  if [ "$st" = 0 ]; then skip "training ended before the signal"; fi
  assert_equal "$st" 130
  # the last 48 bytes are thread 1's state (host order): u64 begin, end, pos, rng, words,
  # u32 epoch, chunk.  Move its begin; its position past its chunk; its chunk past the last.
  for edit in "Q 0 1" "Q 16 1000000000" "I 44 99"; do
    cp "$BATS_TEST_TMPDIR/ck" "$BATS_TEST_TMPDIR/bad"
    /usr/bin/python3 -c 'import struct,sys
b = bytearray(open(sys.argv[1], "rb").read()); f, off, add = sys.argv[2].split()
at = len(b) - 48 + int(off); v, = struct.unpack_from("=" + f, b, at)
struct.pack_into("=" + f, b, at, v + int(add)); open(sys.argv[1], "wb").write(b)' "$BATS_TEST_TMPDIR/bad" "$edit"
    run -1 --separate-stderr t embtrain -q --resume "$BATS_TEST_TMPDIR/bad" "$C" -o "$BATS_TEST_TMPDIR/x.emb"
    [[ "$stderr" == *"thread positions do not fit this corpus"* ]]
    [ ! -e "$BATS_TEST_TMPDIR/x.emb" ]
  done
  run -0 t embtrain -q --resume "$BATS_TEST_TMPDIR/ck" "$C" -o "$BATS_TEST_TMPDIR/r.emb"
  [ -s "$BATS_TEST_TMPDIR/r.emb" ]
}

@test "embtrain --padding-idx beyond the vocabulary's rows: status 2, no output" {
  run -2 --separate-stderr t embtrain "${FAST[@]}" --padding-idx 99999 "$G" -o "$BATS_TEST_TMPDIR/v.emb"
  [[ "$stderr" == *"--padding-idx 99999 is beyond the "*" rows"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/v.emb" ]
}

@test "embtrain --resume of a file that is not a checkpoint: status 1" {
  run -1 --separate-stderr t embtrain -q --resume "$G" "$G" -o "$BATS_TEST_TMPDIR/v.emb"
  [[ "$stderr" == *"not an embtrain checkpoint"* ]]
}

@test "gensim loads embtrain's word2vec binary output and finds same-class neighbours" {
  t embtrain -d 20 -e 10 -j 1 -q --sample 0 -t word2vec-bin "$G" -o "$BATS_TEST_TMPDIR/v.bin"
  run -0 /usr/bin/python3 "$TOP/tests/interop/embtrain_gensim.py" "$BATS_TEST_TMPDIR/v.bin"
  assert_output --partial "ok"
}

@test "embtrain tokenizes as tokvocab count (--split words --lower): same tokens, same order" {
  command -v tokvocab >/dev/null || skip "tokvocab not built"
  t embtrain -q -d 4 -e 1 -j 1 --min-count 1 --split words --lower -t word2vec "$FIX/mixed.txt" \
    -o "$BATS_TEST_TMPDIR/v.txt"
  tail -n +2 "$BATS_TEST_TMPDIR/v.txt" | cut -d' ' -f1 >"$BATS_TEST_TMPDIR/ours"
  # (tokvocab's TSV quotes a field holding '"': undo it)
  t tokvocab count --split words --lower "$FIX/mixed.txt" | cut -f1 |
    sed 's/^"\(.*\)"$/\1/; s/""/"/g' >"$BATS_TEST_TMPDIR/want"
  diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/ours"
  grep -qx 'école' "$BATS_TEST_TMPDIR/ours"
  # and with the default split, the same as tokvocab's default
  t embtrain -q -d 4 -e 1 -j 1 --min-count 1 -t word2vec "$FIX/mixed.txt" -o "$BATS_TEST_TMPDIR/w.txt"
  tail -n +2 "$BATS_TEST_TMPDIR/w.txt" | cut -d' ' -f1 >"$BATS_TEST_TMPDIR/ours"
  t tokvocab count "$FIX/mixed.txt" | cut -f1 | sed 's/^"\(.*\)"$/\1/; s/""/"/g' >"$BATS_TEST_TMPDIR/want"
  diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/ours"
}

@test "embtrain --unicode-errors decides how --init-from tokens that are not UTF-8 are matched" {
  cd "$BATS_TEST_TMPDIR"
  printf 'caf\xe9 7 7\nok 8 8\n' >init.txt
  printf 'caf\xef\xbf\xbd ok caf\xef\xbf\xbd ok\n' >c.txt
  t embtrain -q -d 2 -e 1 -j 1 --min-count 1 --init-from init.txt --freeze-existing \
    --unicode-errors=replace c.txt -o out.txt -t glove
  run -0 grep -c ' 7 7$' out.txt
  assert_output 1
  run -1 --separate-stderr t embtrain -q -d 2 -e 1 -j 1 --min-count 1 --init-from init.txt \
    --unicode-errors=strict c.txt -o out2.txt
  assert_equal "$stderr" "embtrain: init.txt:1: token 'caf$(printf '\xe9')' is not valid UTF-8"
  [ ! -e out2.txt ]
}
