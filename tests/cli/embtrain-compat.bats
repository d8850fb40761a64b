#!/usr/bin/env bats
# embtrain reads word2vec.c's and fastText's command lines (cmd/cli_compat.c): each gives the same
# bytes as the embtrain command it stands for, writes the files the other tool writes, and refuses
# what embtrain cannot honour with a usage error that names it.
bats_require_minimum_version 1.5.0
load helpers

G="$TOP/tests/fixtures/embtrain/grammar.txt"

@test "word2vec.c's command line gives the bytes of the embtrain command it stands for (cbow by default)" {
  cd "$BATS_TEST_TMPDIR"
  run -0 t embtrain -train "$G" -output w2v.txt -size 12 -threads 1 -iter 2 -min-count 1 -debug 0
  [ -z "$output" ]
  run -0 t embtrain -q -m cbow -d 12 -j 1 -e 2 --min-count 1 -t word2vec -o ours.txt "$G"
  cmp w2v.txt ours.txt
  head -n 1 w2v.txt | grep -qx '[0-9]* 12'
}

@test "word2vec.c's -cbow 0 -hs 1 -negative 0 -binary 1 -alpha -window -sample map to sg, hs, binary" {
  cd "$BATS_TEST_TMPDIR"
  run -0 t embtrain -train "$G" -output w.bin -size 8 -cbow 0 -hs 1 -negative 0 -binary 1 \
    -alpha 0.03 -window 3 -sample 0 -threads 1 -iter 1 -min-count 2 -debug 0
  run -0 t embtrain -q -m sg --hs -n 0 -d 8 -a 0.03 -w 3 --sample 0 -j 1 -e 1 --min-count 2 \
    -t word2vec-bin -o ours.bin "$G"
  cmp w.bin ours.bin
  # a .bin name without -binary 1 is still text, as word2vec.c writes it
  run -0 t embtrain -train "$G" -output text.bin -size 8 -threads 1 -iter 1 -debug 0
  head -n 1 text.bin | grep -qx '[0-9]* 8'
}

@test "word2vec.c's -save-vocab writes 'word count' lines, most frequent first; -read-vocab reads them" {
  cd "$BATS_TEST_TMPDIR"
  run -0 t embtrain -train "$G" -output a.txt -size 8 -threads 1 -iter 1 -min-count 1 \
    -save-vocab vocab.txt -debug 0
  [ "$(wc -l <vocab.txt)" -eq "$(($(head -n 1 a.txt | cut -d' ' -f1)))" ]
  grep -qvx '[^ ]* [0-9]*' vocab.txt && false
  sort -k2,2nr -s vocab.txt | cmp - vocab.txt
  # the counts are the corpus's
  n=$(tr -s ' ' '\n' <"$G" | grep -cx "$(head -n 1 vocab.txt | cut -d' ' -f1)")
  [ "$(head -n 1 vocab.txt | cut -d' ' -f2)" -eq "$n" ]
  run -0 t embtrain -train "$G" -output b.txt -size 8 -threads 1 -iter 1 -min-count 1 \
    -read-vocab vocab.txt -debug 0
  cmp a.txt b.txt
}

@test "word2vec.c's -classes, an unknown option and a missing -output are usage errors naming them" {
  run -2 --separate-stderr t embtrain -train "$G" -output x -classes 100
  assert_equal "${stderr%%$'\n'*}" "embtrain: word2vec.c's -classes (k-means clusters of the vectors) is not supported"
  run -2 --separate-stderr t embtrain -train "$G" -output x -foo 1
  [[ "$stderr" == "embtrain: '-foo' is not a word2vec.c option"* ]]
  run -2 --separate-stderr t embtrain -train "$G" -size 10
  [[ "$stderr" == "embtrain: no output given (-output FILE)"* ]]
  run -2 --separate-stderr t embtrain -train "$G" -output x -size
  [[ "$stderr" == "embtrain: -size needs a value"* ]]
  # values are checked by embtrain's own parser
  run -2 --separate-stderr t embtrain -train "$G" -output x -size abc
  [[ "$stderr" == "embtrain: invalid --dim 'abc'"* ]]
  [ ! -e x ]
}

@test "fastText's command line writes PREFIX.bin and PREFIX.vec, the bytes of the embtrain command" {
  embtrain --list-options | grep -q -- --subwords || skip "no subword training in this build"
  cd "$BATS_TEST_TMPDIR"
  run -0 t embtrain skipgram -input "$G" -output model -dim 8 -epoch 1 -minCount 1 -thread 1 \
    -bucket 1000 -verbose 0
  [ -s model.bin ] && [ -s model.vec ]
  head -n 1 model.vec | grep -qx '[0-9]* 8'
  run -0 t embtrain -q --subwords --alpha 0.05 --sample 1e-4 --minn 3 --maxn 6 --bucket 1000 \
    --min-count 1 -d 8 -e 1 -j 1 -t fasttext -o ours.bin "$G"
  cmp model.bin ours.bin
  # PREFIX.vec holds the words' vectors of PREFIX.bin (mean of the word's row and its n-gram
  # rows), as embconv reads them out of the model, up to float rounding of that mean
  run -0 t embconv -q -t word2vec ours.bin ours.vec
  paste -d' ' model.vec ours.vec | awk 'NR == 1 { if ($1 != $3 || $2 != $4) exit 1; next }
    { n = (NF - 2) / 2; if ($1 != $(n + 2)) exit 1
      for (i = 2; i <= n + 1; i++) { d = $i - $(i + n + 1); if (d < -1e-6 || d > 1e-6) exit 1 } }'
}

@test "fastText's cbow verb and -loss hs; supervised options and -loss softmax are refused" {
  embtrain --list-options | grep -q -- --subwords || skip "no subword training in this build"
  cd "$BATS_TEST_TMPDIR"
  run -0 t embtrain cbow -input "$G" -output m -dim 8 -epoch 1 -minCount 1 -thread 1 \
    -bucket 1000 -loss hs -verbose 0
  run -0 t embtrain -q -m cbow --hs -n 0 --subwords --alpha 0.05 --sample 1e-4 --bucket 1000 \
    --min-count 1 -d 8 -e 1 -j 1 -t fasttext -o o.bin "$G"
  cmp m.bin o.bin
  run -2 --separate-stderr t embtrain skipgram -input "$G" -output m -loss softmax
  [[ "$stderr" == "embtrain: -loss 'softmax' is not supported"* ]]
  run -2 --separate-stderr t embtrain skipgram -input "$G" -output m -wordNgrams 2
  [[ "$stderr" == *"supervised"* ]]
  run -2 --separate-stderr t embtrain skipgram -input "$G" -output m -label __l__
  [[ "$stderr" == *"supervised"* ]]
  run -2 --separate-stderr t embtrain skipgram -output m
  [[ "$stderr" == "embtrain: no corpus given (-input FILE)"* ]]
}

@test "a model written from fastText's command line is read by the fasttext CLI" {
  embtrain --list-options | grep -q -- --subwords || skip "no subword training in this build"
  command -v fasttext >/dev/null || skip "fasttext is not installed"
  cd "$BATS_TEST_TMPDIR"
  run -0 t embtrain skipgram -input "$G" -output model -dim 8 -epoch 1 -minCount 1 -thread 1 \
    -bucket 1000 -verbose 0
  run -0 bash -c 'echo the | fasttext print-word-vectors model.bin'
  [ "$(echo "$output" | wc -w)" -eq 9 ]
}
