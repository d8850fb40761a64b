#!/usr/bin/env bats
# fastText models against the fastText CLI itself (and gensim): reading .bin, vectors for unseen
# words (embquery vec, nn, sim, analogy), EMB with subwords, writing .bin, damaged models.
# The models are trained here by `fasttext` (Debian's, 0.9.2), never committed.
bats_require_minimum_version 1.5.0
load helpers

PY=/usr/bin/python3
IO="$TOP/tests/interop/fasttext_cli.py"

setup_file() {
  local d=$BATS_FILE_TMPDIR
  $PY "$IO" corpus "$d/c.txt"
  $PY "$IO" labeled "$d/lab.txt"
  fasttext skipgram -input "$d/c.txt" -output "$d/sg" -dim 10 -epoch 1 -minCount 1 -bucket 1000 \
    -thread 1 -verbose 0
  # n-grams of exactly 5 characters: a short unseen word has none
  fasttext cbow -input "$d/c.txt" -output "$d/cb" -dim 8 -epoch 1 -minCount 1 -bucket 500 \
    -minn 5 -maxn 5 -loss hs -thread 1 -verbose 0
  fasttext supervised -input "$d/lab.txt" -output "$d/sup" -dim 10 -epoch 1 -minCount 1 \
    -wordNgrams 2 -bucket 300 -thread 1 -verbose 0
  fasttext quantize -input "$d/lab.txt" -output "$d/sup" -verbose 0
  # known words, then unseen ones: ASCII, Latin with accents, CJK, a single letter
  printf '%s\n' house naïve 東京 xyzzy naïveté 東京都 catdog q Straße >"$d/words.txt"
}

@test "embconv writes a fastText model's words as print-word-vectors gives them" {
  local d=$BATS_FILE_TMPDIR
  run -0 t embconv "$d/sg.bin" "$BATS_TEST_TMPDIR/out.vec"
  tail -n +2 "$BATS_TEST_TMPDIR/out.vec" | cut -d' ' -f1 |
    fasttext print-word-vectors "$d/sg.bin" >"$BATS_TEST_TMPDIR/ft.txt"
  run -0 $PY "$IO" vec "$BATS_TEST_TMPDIR/out.vec" "$BATS_TEST_TMPDIR/ft.txt"
  [ "$(head -n 1 "$BATS_TEST_TMPDIR/out.vec")" = "$(head -n 1 "$d/sg.vec")" ]
}

@test "embquery vec answers known and unseen words (ASCII and not) as print-word-vectors" {
  local d=$BATS_FILE_TMPDIR
  fasttext print-word-vectors "$d/sg.bin" <"$d/words.txt" >"$BATS_TEST_TMPDIR/ft.txt"
  run -0 t embquery vec "$d/sg.bin" <"$d/words.txt"
  printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/ours.txt"
  run -0 $PY "$IO" vec "$BATS_TEST_TMPDIR/ours.txt" "$BATS_TEST_TMPDIR/ft.txt"
  assert_output "9 rows agree, 9 nonzero"
}

@test "a word with no known n-gram gets zeros, as fastText gives it (cbow, hs, 5-grams)" {
  local d=$BATS_FILE_TMPDIR
  printf '%s\n' q ab xyzzy tree naïveté >"$BATS_TEST_TMPDIR/w.txt"
  fasttext print-word-vectors "$d/cb.bin" <"$BATS_TEST_TMPDIR/w.txt" >"$BATS_TEST_TMPDIR/ft.txt"
  run -0 t embquery vec "$d/cb.bin" <"$BATS_TEST_TMPDIR/w.txt"
  printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/ours.txt"
  assert_line "q 0 0 0 0 0 0 0 0"
  run -0 $PY "$IO" vec "$BATS_TEST_TMPDIR/ours.txt" "$BATS_TEST_TMPDIR/ft.txt"
}

@test "embquery nn matches fasttext nn for known and unseen words" {
  local d=$BATS_FILE_TMPDIR
  fasttext nn "$d/sg.bin" 5 <"$d/words.txt" >"$BATS_TEST_TMPDIR/ft.txt"
  run -0 t embquery nn -k 5 "$d/sg.bin" <"$d/words.txt"
  printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/ours.txt"
  run -0 $PY "$IO" nn "$BATS_TEST_TMPDIR/ours.txt" "$BATS_TEST_TMPDIR/ft.txt" 5
  assert_output "9 queries agree"
}

@test "embquery analogy with unseen words is 3CosAdd over fastText's own vectors" {
  local d=$BATS_FILE_TMPDIR o=$BATS_TEST_TMPDIR
  # (fasttext analogies never ends at the end of its input, so it cannot be scripted)
  printf 'xyzzy naïveté house\ncatdog cat 東京都\nriver tree Straße\n' >"$o/ours.txt.queries"
  tr ' ' '\n' <"$o/ours.txt.queries" | fasttext print-word-vectors "$d/sg.bin" >"$o/qv.txt"
  run -0 t embquery analogy -k 4 "$d/sg.bin" <"$o/ours.txt.queries"
  printf '%s\n' "$output" >"$o/ours.txt"
  run -0 $PY "$IO" analogy "$o/ours.txt" "$d/sg.vec" "$o/qv.txt" 4
  assert_output "3 analogies agree"
}

@test "embquery sim of unseen words is the cosine of fastText's vectors" {
  local d=$BATS_FILE_TMPDIR
  fasttext print-word-vectors "$d/sg.bin" <"$d/words.txt" >"$BATS_TEST_TMPDIR/ft.txt"
  run -0 t embquery sim "$d/sg.bin" <<<$'xyzzy naïveté\n東京都 house\ncatdog Straße'
  printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/ours.txt"
  run -0 $PY "$IO" sim "$BATS_TEST_TMPDIR/ours.txt" "$BATS_TEST_TMPDIR/ft.txt"
  assert_output "3 similarities agree"
}

@test "EMB keeps the n-grams: raw (mapped) and gzip EMB answer unseen words as the model" {
  local d=$BATS_FILE_TMPDIR o=$BATS_TEST_TMPDIR
  run -0 t embconv --level 0 "$d/sg.bin" "$o/raw.emb"
  run -0 t embconv "$d/sg.bin" "$o/gz.emb"
  t embquery vec "$d/sg.bin" <"$d/words.txt" >"$o/bin.txt"
  t embquery vec "$o/raw.emb" <"$d/words.txt" >"$o/raw.txt"
  t embquery vec "$o/gz.emb" <"$d/words.txt" >"$o/gz.txt"
  cmp "$o/bin.txt" "$o/raw.txt"
  cmp "$o/bin.txt" "$o/gz.txt"
  # and EMB -> EMB keeps them too
  run -0 t embconv "$o/raw.emb" "$o/again.emb"
  t embquery vec "$o/again.emb" <"$d/words.txt" | cmp - "$o/bin.txt"
}

@test "a table without n-grams still follows --oov for an unseen word" {
  local d=$BATS_FILE_TMPDIR
  run -0 t embconv "$d/sg.bin" "$BATS_TEST_TMPDIR/w.vec"
  run -1 --separate-stderr t embquery vec "$BATS_TEST_TMPDIR/w.vec" xyzzy
  assert_equal "$stderr" "embquery: 'xyzzy' is not in the vocabulary"
  run -0 --separate-stderr t embquery vec --oov zero "$BATS_TEST_TMPDIR/w.vec" xyzzy
  assert_output "xyzzy 0 0 0 0 0 0 0 0 0 0"
}

@test "embconv -t fasttext writes a model fasttext and gensim read back" {
  local d=$BATS_FILE_TMPDIR o=$BATS_TEST_TMPDIR
  run -0 t embconv --level 0 "$d/sg.bin" "$o/raw.emb"
  run -0 t embconv -t fasttext "$o/raw.emb" "$o/back.bin"
  fasttext print-word-vectors "$d/sg.bin" <"$d/words.txt" >"$o/ft.txt"
  fasttext print-word-vectors "$o/back.bin" <"$d/words.txt" >"$o/back.txt"
  run -0 $PY "$IO" vec "$o/back.txt" "$o/ft.txt"
  run -0 $PY "$IO" gensim "$o/back.bin" "$o/ft.txt"
  run -0 $PY "$IO" gensim "$d/sg.bin" "$o/ft.txt"
}

@test "a supervised model reads as its words (labels left out)" {
  local d=$BATS_FILE_TMPDIR
  run -0 t embconv "$d/sup.bin" "$BATS_TEST_TMPDIR/sup.vec"
  run -1 grep -c __label__ "$BATS_TEST_TMPDIR/sup.vec"
  assert_equal "$(head -n 1 "$BATS_TEST_TMPDIR/sup.vec")" "$(head -n 1 "$d/sup.vec")"
  tail -n +2 "$BATS_TEST_TMPDIR/sup.vec" | cut -d' ' -f1 |
    fasttext print-word-vectors "$d/sup.bin" >"$BATS_TEST_TMPDIR/ft.txt"
  run -0 $PY "$IO" vec "$BATS_TEST_TMPDIR/sup.vec" "$BATS_TEST_TMPDIR/ft.txt"
}

@test "a quantized model (.ftz) is refused clearly, and nothing is written" {
  local d=$BATS_FILE_TMPDIR
  run -1 --separate-stderr t embconv "$d/sup.ftz" "$BATS_TEST_TMPDIR/out.vec"
  [[ "$stderr" =~ ^"embconv: $d/sup.ftz: byte "[0-9]+": quantized models (.ftz) are not supported"$ ]]
  [ ! -e "$BATS_TEST_TMPDIR/out.vec" ]
}

@test "a truncated or padded model is an error naming the byte, and nothing is written" {
  local d=$BATS_FILE_TMPDIR o=$BATS_TEST_TMPDIR size n
  size=$(stat -c %s "$d/sg.bin")
  for n in 6 60 100 300 $((size / 2)) $((size - 41)) $((size - 1)); do
    head -c "$n" "$d/sg.bin" >"$o/cut.bin"
    run -1 --separate-stderr t embconv "$o/cut.bin" "$o/out.vec"
    [[ "$stderr" =~ ^"embconv: $o/cut.bin: byte "[0-9]+": file ends inside " ]] || {
      echo "$n: $stderr"; return 1; }
    [ ! -e "$o/out.vec" ]
  done
  { cat "$d/sg.bin"; printf x; } >"$o/long.bin"
  run -1 --separate-stderr t embconv "$o/long.bin" "$o/out.vec"
  assert_equal "$stderr" "embconv: $o/long.bin: byte $size: trailing bytes after the model"
}

@test "embconv --limit keeps the first words, and unseen words still get vectors" {
  local d=$BATS_FILE_TMPDIR
  run -0 t embconv --limit 3 "$d/sg.bin" "$BATS_TEST_TMPDIR/few.emb"
  run -0 t embquery vec "$BATS_TEST_TMPDIR/few.emb" xyzzy
  [ "$output" = "$(t embquery vec "$d/sg.bin" xyzzy)" ]
  run -0 t embconv "$BATS_TEST_TMPDIR/few.emb" -t word2vec -
  assert_line --index 0 "3 10"
}

@test "embtrain --subwords -t fasttext: fasttext and gensim read the model, and agree with us" {
  local d=$BATS_FILE_TMPDIR o=$BATS_TEST_TMPDIR m
  for m in "-m sg" "-m cbow --hs -n 0"; do
    run -0 t embtrain -q $m --subwords --bucket 3000 -d 12 -e 2 -j 1 --min-count 1 \
      "$d/c.txt" -t fasttext -o "$o/ours.bin"
    run -0 t embtrain -q $m --subwords --bucket 3000 -d 12 -e 2 -j 1 --min-count 1 \
      "$d/c.txt" -o "$o/ours.emb"
    fasttext print-word-vectors "$o/ours.bin" <"$d/words.txt" >"$o/ft.txt"
    t embquery vec "$o/ours.emb" <"$d/words.txt" >"$o/emb.txt"
    run -0 $PY "$IO" vec "$o/emb.txt" "$o/ft.txt"
    assert_output "9 rows agree, 9 nonzero"
    run -0 $PY "$IO" gensim "$o/ours.bin" "$o/ft.txt"
    fasttext nn "$o/ours.bin" 5 <"$d/words.txt" >"$o/ftnn.txt"
    t embquery nn -k 5 "$o/ours.emb" <"$d/words.txt" >"$o/nn.txt"
    run -0 $PY "$IO" nn "$o/nn.txt" "$o/ftnn.txt" 5
  done
}

@test "eval-sim on a model trained with --subwords answers every rare-word pair" {
  local o=$BATS_TEST_TMPDIR
  zcat "$TOP/data/wordnet-glosses.txt.gz" | head -n 3000 >"$o/gl.txt"
  run -0 t embtrain -q --subwords --bucket 20000 -d 16 -e 1 -j 2 "$o/gl.txt" -o "$o/sw.emb"
  run -0 t embquery eval-sim "$o/sw.emb" "$TOP/data/eval/EN-RW-STANFORD.txt"
  assert_line "pairs	2034"
  assert_line "oov	0"
  run -0 t embtrain -q -d 16 -e 1 -j 2 "$o/gl.txt" -o "$o/plain.emb"
  run -0 t embquery eval-sim "$o/plain.emb" "$TOP/data/eval/EN-RW-STANFORD.txt"
  refute_line "oov	0"
}

@test "embtrain refuses n-gram options without --subwords, and combinations it cannot do" {
  local d=$BATS_FILE_TMPDIR
  run -2 --separate-stderr t embtrain --minn 2 "$d/c.txt" -o "$BATS_TEST_TMPDIR/x.emb"
  [[ "$stderr" == "embtrain: --minn, --maxn and --bucket need --subwords"* ]]
  run -2 --separate-stderr t embtrain --subwords --minn 5 --maxn 4 "$d/c.txt" -o "$BATS_TEST_TMPDIR/x.emb"
  [[ "$stderr" == "embtrain: --minn 5 is above --maxn 4"* ]]
  run -2 --separate-stderr t embtrain --subwords --batch "$d/c.txt" -o "$BATS_TEST_TMPDIR/x.emb"
  [[ "$stderr" == "embtrain: --subwords does not work with --batch yet"* ]]
  run -2 --separate-stderr t embtrain --subwords --maxn 65 "$d/c.txt" -o "$BATS_TEST_TMPDIR/x.emb"
  run -2 --separate-stderr t embtrain --subwords --bucket 0 "$d/c.txt" -o "$BATS_TEST_TMPDIR/x.emb"
  [ ! -e "$BATS_TEST_TMPDIR/x.emb" ]
}

@test "a model whose rows sum past the float range is refused, unless --allow-nonfinite" {
  m="$TOP/tests/fuzz/corpus/fasttext/overflowing-mean.bin"
  run -1 --separate-stderr t embconv -t word2vec "$m" "$BATS_TEST_TMPDIR/o.vec"
  assert_equal "$stderr" "embconv: $m: the vector of word 'né' is not finite (its rows sum past the float range)"
  [ ! -e "$BATS_TEST_TMPDIR/o.vec" ]
  run -0 t embconv -q --allow-nonfinite -t word2vec "$m" "$BATS_TEST_TMPDIR/o.vec"
}
