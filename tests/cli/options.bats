#!/usr/bin/env bats
# Option values across the tools (cmd/cli.c's parsers): a bad value is a usage error (status 2)
# whose message says what is wrong with it, the same way in every tool.
bats_require_minimum_version 1.5.0
load helpers

# bad_value 'EXPECTED MESSAGE' TOOL ARGS...: status 2, that first line, then the --help hint
bad_value() {
  local want=$1; shift
  run -2 --separate-stderr t "$@" </dev/null
  assert_equal "$stderr" "$want
Try '$1 --help' for more information."
}

@test "a value that is not a number says 'not a number', in every tool" {
  bad_value "embpack: invalid --batch-size 'x': not a number" embpack -b x
  bad_value "embpack: invalid --batch-size '': not a number" embpack -b ''
  bad_value "embpack: invalid --batch-size ' 1': not a number" embpack -b ' 1'
  bad_value "embpack: invalid --batch-size '1k': not a number" embpack -b 1k
  bad_value "tokvocab: invalid --min-count '1.5': not a number" tokvocab count --min-count 1.5
  bad_value "embtrain: invalid --alpha 'fast': not a number" embtrain --alpha fast
  bad_value "embtrain: invalid --sample 'nan': not a number" embtrain --sample nan
  bad_value "embconv: invalid --max-norm '0x': not a number" embconv --max-norm 0x
  bad_value "embquery: invalid --k 'ten': not a number" embquery nn --k ten
}

@test "a number outside the option's range says 'out of range' and gives the range" {
  bad_value "embquery: invalid --k '99999999999999999999': out of range (1 to 16777216)" \
    embquery nn --k 99999999999999999999
  bad_value "embquery: invalid --k '0': out of range (1 to 16777216)" embquery nn --k 0
  bad_value "embpack: invalid --batch-size '-1': out of range (at least 1)" embpack -b -1
  bad_value "embpack: invalid --padding-idx '2147483648': out of range (-2147483648 to 2147483647)" \
    embpack -p 2147483648
  bad_value "embtrain: invalid --dim '100001': out of range (1 to 100000)" embtrain -d 100001
  bad_value "embtrain: invalid --alpha '0': out of range (greater than 0, at most 1)" embtrain --alpha 0
  bad_value "embtrain: invalid --alpha '1e999': out of range (greater than 0, at most 1)" embtrain --alpha 1e999
  bad_value "embconv: invalid --level '13': out of range (0 to 12)" embconv --level 13
  bad_value "embconv: invalid --norm-type '-2': out of range (greater than 0, or inf)" \
    embconv --norm-type -2
  bad_value "tokvocab: invalid --threads '0': out of range (at least 1)" tokvocab count -j 0
}

@test "a word outside an option's choices lists the choices" {
  for tool in tokvocab embtrain embpack; do
    local sub=(); [ "$tool" = tokvocab ] && sub=(count)
    bad_value "$tool: invalid --split 'lines' (ws or words)" "$tool" "${sub[@]}" --split lines
  done
  bad_value "embpack: invalid --to 'csv' (pack or npz)" embpack --to csv
  bad_value "embtrain: invalid --model 'lsa' (sg, skipgram, cbow or glove)" embtrain -m lsa
  bad_value "embconv: invalid --dedupe 'both' (error, first or last)" embconv --dedupe both
  bad_value "embquery: invalid --oov 'keep' (error, skip or zero)" embquery nn --oov keep
}

@test "valid edge values are accepted: 0 where allowed, inf for a norm's p, a leading +" {
  printf '1 2\n3\n' >"$BATS_TEST_TMPDIR/ids.txt"
  run -0 t embpack --bucket 0 --seed 18446744073709551615 -b +2 "$BATS_TEST_TMPDIR/ids.txt" \
    -o "$BATS_TEST_TMPDIR/a.pack"
  run -0 t embpack dump "$BATS_TEST_TMPDIR/a.pack"
  [[ "$output" == *"lengths 2 1"* ]]
  printf 'a 1 0\nb 0 1\nc 1 1\nd 2 -4\n' >"$BATS_TEST_TMPDIR/v.txt"
  run -0 t embpack -b 2 --embed "$BATS_TEST_TMPDIR/v.txt" --max-norm 0.5 --norm-type inf \
    "$BATS_TEST_TMPDIR/ids.txt" -o "$BATS_TEST_TMPDIR/b.pack"
  run -0 t embpack dump "$BATS_TEST_TMPDIR/b.pack"
  [[ "$output" == *"vectors 3 x 2"$'\n'"  0 0.49999994"$'\n'"  0.25 -0.5"$'\n'* ]]
}

@test "binary output to a terminal is refused (status 2, nothing written) unless --force" {
  command -v script >/dev/null || skip "script(1) is not installed"
  printf '1 2\n3\n' >"$BATS_TEST_TMPDIR/ids.txt"
  printf 'a 1 0\nb 0 1\n' >"$BATS_TEST_TMPDIR/v.txt"
  local cmds=(
    "embpack $BATS_TEST_TMPDIR/ids.txt"
    "embconv $BATS_TEST_TMPDIR/v.txt"
    "embconv -t word2vec-bin $BATS_TEST_TMPDIR/v.txt -"
    "embtrain -e 1 -o - $BATS_TEST_TMPDIR/ids.txt"
  )
  for c in "${cmds[@]}"; do
    run script -qec "$EMB_BUILD/$c; echo status=\$?" /dev/null
    [[ "$output" == *"refusing to write binary data to a terminal (use --force)"*"status=2"* ]] ||
      { echo "$c: $output"; return 1; }
  done
  # text goes to the terminal; --force sends binary anyway
  run script -qec "$EMB_BUILD/embconv -t glove $BATS_TEST_TMPDIR/v.txt; echo status=\$?" /dev/null
  [[ "$output" == "a 1 0"*"b 0 1"*"status=0"* ]]
  run script -qec "$EMB_BUILD/embpack -q --force $BATS_TEST_TMPDIR/ids.txt; echo status=\$?" /dev/null
  [[ "$output" == $'\x1f\x8b'*"status=0"* ]]
}
