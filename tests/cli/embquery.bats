#!/usr/bin/env bats
# embquery: lookups, neighbours, analogies, evaluation; hostile input; gensim and torch interop.
bats_require_minimum_version 1.5.0
load helpers

T="$FIX/small.txt" # king queen man woman apple pear King zero (a zero row), 3 dimensions

@test "embquery --help, and each command's --help, list every option and the man page has them" {
  check_help embquery
  for c in vec nn analogy sim doesnt-match eval-analogy eval-sim lookup; do
    check_help embquery "$c"
  done
}

@test "embquery --list-options lists the commands, 'embquery nn --list-options' nn's options" {
  run -0 t embquery --list-options
  assert_line "eval-analogy"
  assert_line "--help"
  run -0 t embquery nn --list-options
  assert_line "--k="
  refute_line "--max-norm="
  run -0 t embquery lookup --list-options
  assert_line "--max-norm="
}

@test "embquery rejects a bad option, an unknown command and a missing table with status 2" {
  for c in vec nn analogy sim doesnt-match eval-analogy eval-sim lookup; do
    check_bad_option embquery "$c" "$T" king
  done
  run -2 --separate-stderr t embquery frobnicate "$T"
  assert_equal "$stderr" "embquery: unknown command 'frobnicate'
Try 'embquery --help' for more information."
  run -2 --separate-stderr t embquery nn
  [[ "$stderr" == *"missing VECTORS"* ]]
}

@test "embquery nn --k 0 is a usage error" {
  run -2 --separate-stderr t embquery nn --k 0 "$T" king
  [[ "$stderr" == "embquery: invalid --k '0': out of range (1 to 16777216)"* ]]
}

@test "embquery nn ranks by cosine, excludes the query word, and prints word<TAB>score" {
  run -0 --separate-stderr t embquery nn --k 3 "$T" man
  assert_output "$(printf 'king\t0.70710677\nKing\t0.70534563\npear\t0.09950372')"
}

@test "embquery nn: a zero row has similarity 0 (never NaN), and a zero query ties everything at 0" {
  run -0 --separate-stderr t embquery nn --k 8 "$T" king
  assert_line "$(printf 'zero\t0')"
  refute_output --partial "nan"
  run -0 --separate-stderr t embquery nn --k 3 "$T" zero
  assert_output "$(printf 'king\t0\nqueen\t0\nman\t0')"
  run -0 t embquery sim "$T" king zero
  assert_output "$(printf 'king\tzero\t0')"
}

@test "embquery nn answers several queries in blocks separated by an empty line, and as JSON" {
  run -0 t embquery nn --k 1 "$T" man woman
  assert_output "$(printf 'king\t0.70710677\n\nqueen\t0.70710677')"
  run -0 t embquery nn --k 1 --format json "$T" man
  assert_output '{"query":"man","results":[{"word":"king","score":0.70710677}]}'
}

@test "embquery nn takes a literal vector, and the table name may come before the command" {
  run -0 t embquery "$T" nn --k 2 "1 0 0.01"
  assert_output "$(printf 'man\t0.99995\nking\t0.7141421')"
}

@test "embquery nn --restrict searches only the first rows" {
  run -0 t embquery nn --restrict 3 --k 5 "$T" king
  assert_output "$(printf 'man\t0.70710677\nqueen\t0.49999997')"
}

@test "embquery reads queries from stdin; an empty or bad line is skipped with its line number" {
  run -0 --separate-stderr t embquery nn --k 1 "$T" <<<$'man\n\nman woman\nwoman'
  assert_output "$(printf 'king\t0.70710677\n\nqueen\t0.70710677')"
  assert_equal "$stderr" "embquery: warning: <stdin>:2: empty query (line skipped)
embquery: warning: <stdin>:3: expected a word or 3 numbers, found 2 fields (line skipped)"
}

@test "embquery --strict makes a bad query line an error naming the line" {
  run -1 --separate-stderr t embquery nn --strict "$T" <<<$'man\n\n'
  assert_equal "$stderr" "embquery: <stdin>:2: empty query"
}

@test "embquery: an unknown word is an error (status 1) unless --oov skip or zero" {
  run -1 --separate-stderr t embquery nn "$T" xyz
  assert_equal "$stderr" "embquery: 'xyz' is not in the vocabulary"
  run -0 --separate-stderr t embquery nn --oov skip --k 1 "$T" xyz man
  assert_output "$(printf 'king\t0.70710677')"
  assert_equal "$stderr" "embquery: warning: 'xyz' is not in the vocabulary: skipped"
  run -0 --separate-stderr t embquery vec --oov zero "$T" xyz
  assert_output "xyz 0 0 0"
}

@test "embquery: a word whose row holds NaN or inf is an error naming it, a warning under --oov; such rows are never neighbours" {
  command -v embconv >/dev/null || skip "embconv not built"
  printf '4 3\na 1 2 3\nb nan 1 1\nc inf 0 1\nd 1 0 0\n' >"$BATS_TEST_TMPDIR/nan.txt"
  N="$BATS_TEST_TMPDIR/nan.emb"
  t embconv -q --allow-nonfinite --level 0 "$BATS_TEST_TMPDIR/nan.txt" "$N" # raw: mapped unchecked
  run -1 --separate-stderr t embquery sim "$N" a b
  assert_output ""
  assert_equal "$stderr" "embquery: 'b' has a non-finite vector (row 2)"
  run -1 --separate-stderr t embquery nn "$N" c
  assert_equal "$stderr" "embquery: 'c' has a non-finite vector (row 3)"
  run -1 --separate-stderr t embquery analogy "$N" a b d
  assert_equal "$stderr" "embquery: 'b' has a non-finite vector (row 2)"
  run -0 --separate-stderr t embquery nn --k 5 "$N" d
  assert_output "$(printf 'a\t0.26726124')"
  run -0 --separate-stderr t embquery nn --k 5 "$N" <<<$'d\nd\nd\nd\nd\nd' # a batch: sgemm
  assert_output "$(for i in 1 2 3 4 5 6; do [ $i = 1 ] || echo; printf 'a\t0.26726124\n'; done)"
  run -0 --separate-stderr t embquery nn --k 5 "$N" <<<"0 1 1"
  assert_output "$(printf 'a\t0.9449112\nd\t0')"
  run -0 --separate-stderr t embquery sim --oov skip "$N" a c a d
  assert_output "$(printf 'a\td\t0.26726124')"
  assert_equal "$stderr" "embquery: warning: 'c' has a non-finite vector (row 3): skipped"
  run -0 --separate-stderr t embquery sim --oov zero "$N" b a
  assert_output "$(printf 'b\ta\t0')"
  refute_output --partial "nan"
  run -0 --separate-stderr t embquery vec "$N" b   # vec prints what the row holds
  assert_output "b nan 1 1"
  printf 'a\tb\t1\na\td\t2\nd\tc\t3\na\tc\t4\nd\ta\t5\n' >"$BATS_TEST_TMPDIR/p.tsv"
  run -0 t embquery eval-sim "$N" "$BATS_TEST_TMPDIR/p.tsv" # the evaluations: out of vocabulary
  assert_output "$(printf 'pearson\tn/a\nspearman\tn/a\npairs\t2\noov\t3\ncoverage\t0.4\nrestrict\t4')"
  printf ': s\na b d c\na d a d\n' >"$BATS_TEST_TMPDIR/q.txt"
  run -0 t embquery eval-analogy "$N" "$BATS_TEST_TMPDIR/q.txt"
  assert_line "$(printf 'coverage\t1\t2\t0.5')"
}

@test "embquery analogy: 3CosAdd and 3CosMul, inputs excluded, a line of two words skipped" {
  run -0 t embquery analogy --k 1 "$T" man woman king
  assert_output "$(printf 'queen\t0.9585689')"
  run -0 t embquery analogy --k 1 --method cosmul "$T" man woman king
  assert_output "$(printf 'queen\t1.2803276')"
  run -0 --separate-stderr t embquery analogy --k 1 "$T" <<<$'man woman\nman woman king'
  assert_output "$(printf 'queen\t0.9585689')"
  assert_equal "$stderr" "embquery: warning: <stdin>:1: expected 3 words (A B C), found 2 (line skipped)"
  run -2 --separate-stderr t embquery analogy "$T" man woman
}

@test "embquery nn --negative: the words form one query (gensim most_similar), all of them excluded" {
  run -0 --separate-stderr t embquery nn --negative man --k 3 "$T" king woman
  assert_output "$(printf 'queen\t0.9585689\napple\t0.56151664\npear\t0.5355866')"
  run -0 t embquery nn --negative man --k 3 "$T" <<<$'king woman\nking woman'  # per line
  assert_output "$(printf 'queen\t0.9585689\napple\t0.56151664\npear\t0.5355866\n\nqueen\t0.9585689\napple\t0.56151664\npear\t0.5355866')"
  run -0 t embquery nn --negative man --negative woman --k 8 "$T" king
  refute_line --regexp $'^(king|man|woman)\t'
  run -0 t embquery nn --negative man --k 1 --format json "$T" king woman
  assert_output '{"query":"king woman","results":[{"word":"queen","score":0.9585689}]}'
  run -1 --separate-stderr t embquery nn --negative xyz "$T" king
  assert_equal "$stderr" "embquery: 'xyz' is not in the vocabulary"
  run -2 --separate-stderr t embquery nn --negative 'a b' "$T" king
  assert_equal "${stderr%%$'\n'*}" "embquery: invalid --negative 'a b' (one word)"
  run -2 --separate-stderr t embquery nn --negative man "$T" king 'woman pear'
  assert_equal "${stderr%%$'\n'*}" "embquery: 'woman pear' is not one word"
}

@test "embquery doesnt-match ranks the words by cosine to their mean, the odd one first" {
  run -0 t embquery doesnt-match "$T" king queen man apple
  assert_output "$(printf 'man\t0.56151664\nqueen\t0.7259811\napple\t0.7941045\nking\t0.9585689')"
  run -0 t embquery doesnt-match --format json "$T" king queen apple
  assert_output '{"query":"king queen apple","results":[{"word":"king","score":0.84462315},{"word":"queen","score":0.84462315},{"word":"apple","score":0.9238795}]}'
  run -0 --separate-stderr t embquery doesnt-match "$T" <<<$'king queen apple\n\nman woman pear'
  assert_output "$(printf 'king\t0.84462315\nqueen\t0.84462315\napple\t0.9238795\n\nwoman\t0.5591037\nman\t0.6147366\npear\t0.6147366')"
  assert_equal "$stderr" "embquery: warning: <stdin>:2: empty query (line skipped)"
  run -1 --separate-stderr t embquery doesnt-match "$T" apple xyz
  assert_equal "$stderr" "embquery: 'xyz' is not in the vocabulary"
  run -0 --separate-stderr t embquery doesnt-match --oov skip "$T" xyz apple pear
  assert_output "$(printf 'apple\t0.99875855\npear\t0.99875855')"
  run -0 --separate-stderr t embquery doesnt-match --oov skip "$T" xyz
  assert_output ""
  assert_equal "$stderr" "embquery: warning: 'xyz' is not in the vocabulary: skipped
embquery: warning: no word of the query has a vector (query skipped)"
}

@test "embquery vec prints text, TSV and JSON rows" {
  run -0 t embquery vec "$T" king pear
  assert_output "$(printf 'king 1 0 1\npear 0.1 0 1')"
  run -0 t embquery vec --format tsv "$T" pear
  assert_output "$(printf 'pear\t0.1\t0\t1')"
  run -0 t embquery vec --format json "$T" pear
  assert_output '{"word":"pear","vector":[0.1,0,1]}'
  run -0 /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["vector"][0])' \
    < <(t embquery vec --format json "$T" pear)
  assert_output "0.1"
}

@test "embquery sim prints the cosine of each pair" {
  run -0 t embquery sim "$T" king queen man woman
  assert_output "$(printf 'king\tqueen\t0.5\nman\twoman\t0')"
  run -2 t embquery sim "$T" king
}

@test "embquery eval-analogy reports sections, semantic/syntactic/total and coverage" {
  run -0 --separate-stderr t embquery eval-analogy "$T" "$FIX/questions.txt"
  assert_output "$(printf 'section\tcorrect\tasked\taccuracy
family\t2\t2\t1
gram-plural\t1\t1\t1
semantic\t2\t2\t1
syntactic\t1\t1\t1
total\t3\t3\t1
coverage\t3\t4\t0.75
restrict\t8')"
  assert_equal "$stderr" "embquery: warning: $FIX/questions.txt:5: expected 4 words (A B C D), found 3"
  run -0 t embquery eval-analogy -q --restrict 3 --format json "$T" "$FIX/questions.txt"
  assert_output --partial ',"restrict":3}'
  run -0 t embquery eval-analogy -q --case-sensitive "$T" "$FIX/questions.txt"
  assert_line "$(printf 'coverage\t2\t4\t0.5')"
  run -1 --separate-stderr t embquery eval-analogy --strict "$T" "$FIX/questions.txt"
  assert_equal "$stderr" "embquery: $FIX/questions.txt:5: expected 4 words (A B C D), found 3"
}

@test "embquery eval-sim reads TSV and CSV with a header and reports correlations and coverage" {
  run -0 t embquery eval-sim "$T" "$FIX/pairs.tsv"
  assert_line "$(printf 'pairs\t4')"
  assert_line "$(printf 'oov\t1')"
  assert_line "$(printf 'coverage\t0.8')"
  assert_line "$(printf 'restrict\t8')"
  tsv=$output
  run -0 t embquery eval-sim "$T" "$FIX/pairs.csv"
  assert_equal "$(head -2 <<<"$output")" "$(head -2 <<<"$tsv")"
}

@test "embquery eval-analogy and eval-sim search gensim's default 300000 rows and say how many counted" {
  awk 'BEGIN { print "30010 2"; for (i = 1; i <= 30010; i++) print "w" i, i % 7, i % 5 }' \
    >"$BATS_TEST_TMPDIR/big.txt"
  printf ': s\nw1 w2 w30005 w30006\n' >"$BATS_TEST_TMPDIR/q.txt"
  run -0 t embquery eval-analogy -q "$BATS_TEST_TMPDIR/big.txt" "$BATS_TEST_TMPDIR/q.txt"
  assert_line "$(printf 'coverage\t1\t1\t1')"
  assert_line "$(printf 'restrict\t30010')"
  run -0 t embquery eval-analogy -q --restrict 30000 "$BATS_TEST_TMPDIR/big.txt" "$BATS_TEST_TMPDIR/q.txt"
  assert_line "$(printf 'coverage\t0\t1\t0')"
  assert_line "$(printf 'restrict\t30000')"
  printf 'w1\tw30005\t1\nw2\tw30006\t2\nw3\tw4\t3\n' >"$BATS_TEST_TMPDIR/p.tsv"
  run -0 t embquery eval-sim -q "$BATS_TEST_TMPDIR/big.txt" "$BATS_TEST_TMPDIR/p.tsv"
  assert_line "$(printf 'pairs\t3')"
  assert_line "$(printf 'restrict\t30010')"
}

@test "embquery: an evaluation file that is not one is an error naming it" {
  run -1 --separate-stderr t embquery eval-sim "$T" "$FIX/questions.txt"
  assert_equal "$stderr" "embquery: $FIX/questions.txt:1: not a word-pair file: no lines of 'word, word, score' (expected 3 fields (word, word, score), found 1)"
  run -1 --separate-stderr t embquery eval-analogy "$T" "$FIX/pairs.tsv"
  [[ "$stderr" == "embquery: $FIX/pairs.tsv:1: not an analogy file"* ]]
  run -1 --separate-stderr t embquery eval-analogy "$T" /dev/null
  assert_equal "$stderr" "embquery: /dev/null: not an analogy file: no question lines of four words"
}

@test "embquery lookup writes rows of id sequences; padding row zeros; bad ids" {
  run -0 t embquery lookup "$T" <<<$'0 3\n7'
  assert_output "$(printf '1 0 1\n0 1 0\n\n0 0 0')"
  run -0 t embquery lookup --padding-idx 0 --format json "$T" <<<'0 3'
  assert_output '[[0,0,0],[0,1,0]]'
  run -0 t embquery lookup --max-norm 1 "$T" <<<'0'
  assert_output "0.70710677 0 0.70710677" # torch: scale = 1 / ((float)sqrt(2) + 1e-7)
  run -1 --separate-stderr t embquery lookup "$T" <<<'8'
  assert_equal "$stderr" "embquery: id 8 is out of range (the table has 8 rows)"
  run -0 --separate-stderr t embquery lookup "$T" <<<$'x 1\n1'
  assert_output "0 1 1"
  assert_equal "$stderr" "embquery: warning: <stdin>:1: 'x' is not an id (line skipped)"
}

@test "embquery output is the same on every run and with 1 or 2 threads" {
  seq 1 300 | sed 's/.*/king/' >"$BATS_TEST_TMPDIR/q"
  a=$(t embquery nn -j 1 "$T" <"$BATS_TEST_TMPDIR/q" | md5sum)
  b=$(t embquery nn -j 2 "$T" <"$BATS_TEST_TMPDIR/q" | md5sum)
  assert_equal "$a" "$b"
}

write_full() { t embquery nn "$T" king >/dev/full; }
@test "embquery to /dev/full fails with status 1 and says why" {
  # not check_dev_full: it puts $EMB_EXEC before its argument, and valgrind cannot run a function
  run --separate-stderr write_full
  assert_equal "$status" 1
  [[ "$stderr" == *"No space left on device"* ]]
}

@test "embquery | head -c 1 ends quietly" {
  seq 1 5000 | sed 's/.*/king/' >"$BATS_TEST_TMPDIR/q"
  check_closed_pipe embquery nn "$T" <"$BATS_TEST_TMPDIR/q"
}

@test "embquery reports a truncated gzip table and truncated gzip queries" {
  seq 1 3000 | awk '{printf "w%d %d 1 0\n", $1, $1}' >"$BATS_TEST_TMPDIR/big.txt"
  make_truncated_gz "$BATS_TEST_TMPDIR/big.txt" "$BATS_TEST_TMPDIR/big.txt.gz"
  run -1 --separate-stderr t embquery nn "$BATS_TEST_TMPDIR/big.txt.gz" w1
  [[ "$stderr" == *"truncated"* ]]
  seq 1 3000 | sed 's/.*/king/' >"$BATS_TEST_TMPDIR/q"
  make_truncated_gz "$BATS_TEST_TMPDIR/q" "$BATS_TEST_TMPDIR/q.gz"
  run -1 --separate-stderr t embquery nn "$T" <"$BATS_TEST_TMPDIR/q.gz"
  [[ "$stderr" == *"truncated"* ]]
}

@test "embquery with empty input: no queries is no output; an empty table is an error" {
  run -0 --separate-stderr t embquery nn "$T" </dev/null
  assert_output ""
  : >"$BATS_TEST_TMPDIR/empty.txt"
  run -1 --separate-stderr t embquery nn "$BATS_TEST_TMPDIR/empty.txt" king
  [ -n "$stderr" ]
}

@test "embquery maps a raw EMB table written by embconv and answers the same" {
  command -v embconv >/dev/null || skip "embconv not built"
  t embconv --level 0 "$T" "$BATS_TEST_TMPDIR/t.emb" # raw EMB: mapped
  run -0 t embquery nn --k 8 "$BATS_TEST_TMPDIR/t.emb" man
  assert_output "$(t embquery nn --k 8 "$T" man)"
  run -0 t embquery vec "$BATS_TEST_TMPDIR/t.emb" pear
  assert_output "pear 0.1 0 1"
}

@test "embquery nn (with --negative), analogy, doesnt-match, eval-analogy and eval-sim equal gensim's" {
  /usr/bin/python3 -c 'import gensim' 2>/dev/null || skip "gensim not installed"
  conv=$(command -v embconv || true)
  run -0 /usr/bin/python3 "$TOP/tests/interop/embquery_gensim.py" "$BATS_TEST_TMPDIR" \
    "$(command -v embquery)" $conv
  assert_output --partial "checks passed"
}

@test "embquery lookup --max-norm equals torch nn.Embedding for norm_type 1, 2 and 3" {
  /usr/bin/python3 -c 'import torch' 2>/dev/null || skip "torch not installed"
  run -0 /usr/bin/python3 "$TOP/tests/interop/embquery_torch.py" "$BATS_TEST_TMPDIR" \
    "$(command -v embquery)"
  assert_output --partial "checks passed"
}

@test "embquery --unicode-errors and --max-token apply to VECTORS; the default keeps bytes with a warning" {
  cd "$BATS_TEST_TMPDIR"
  printf 'caf\xe9 1 2\nok 3 4\n' >l1.txt
  run -0 --separate-stderr t embquery vec l1.txt ok
  assert_output "ok 3 4"
  assert_equal "$stderr" "embquery: warning: l1.txt: 1 token is not valid UTF-8: invalid bytes kept as they are"
  run -0 --separate-stderr t embquery vec --unicode-errors=replace l1.txt "$(printf 'caf\xef\xbf\xbd')"
  assert_output "$(printf 'caf\xef\xbf\xbd 1 2')"
  run -1 --separate-stderr t embquery vec --unicode-errors=strict l1.txt ok
  assert_equal "$stderr" "embquery: l1.txt:1: token 'caf$(printf '\xe9')' is not valid UTF-8"
  run -1 --separate-stderr t embquery vec --max-token=3 l1.txt ok
  assert_equal "$stderr" "embquery: l1.txt:1: token 'caf$(printf '\xe9')' is longer than the token limit of 3 bytes"
  run -0 t embquery vec --max-token=4 l1.txt ok
  run -2 t embquery vec --unicode-errors=nope l1.txt ok
}
