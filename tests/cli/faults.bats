#!/usr/bin/env bats
# Cross-tool faults (issue 7): full disks, unwritable and missing directories, odd inputs
# (a directory, a FIFO, /dev/null), signals mid-run, closed pipes, failed runs next to an
# existing output, and allocation failure under `ulimit -v`.  Every tool that exists in
# $EMB_BUILD is driven the same way; the inputs are generated in setup_file.
bats_require_minimum_version 1.5.0
load helpers

# The tools that write a named output, as "tool args... INPUT" with -o/OUTPUT appended by
# run_named; the inputs are the valid files made by setup_file.
NAMED="tokvocab embconv embpack embtrain"

setup_file() {
  local d=$BATS_FILE_TMPDIR
  export OPENBLAS_NUM_THREADS=1
  # a corpus of ~13k distinct words with a Zipf-like spread, its vocabulary, ids and vectors
  awk 'BEGIN { srand(1); for (l = 0; l < 3000; l++) { s = ""; n = 5 + int(rand() * 15)
    for (i = 0; i < n; i++) s = s (i ? " " : "") "w" int(rand() * rand() * 20000); print s } }' \
    >"$d/corpus.txt"
  tokvocab count -q -j 1 "$d/corpus.txt" -o "$d/vocab.tsv"
  tokvocab encode -q -v "$d/vocab.tsv" "$d/corpus.txt" -o "$d/ids.txt"
  awk -F'\t' 'BEGIN { srand(2) } { printf "%s", $1; for (j = 0; j < 8; j++) printf " %.4f", rand() - 0.5
    print "" }' "$d/vocab.tsv" >"$d/vec.txt"
  embconv -q "$d/vec.txt" "$d/vec.emb" --level=0
  embpack -q "$d/ids.txt" -o "$d/ids.pack"
}

# input_for TOOL: the valid input of TOOL's named-output run
input_for() {
  case $1 in
  tokvocab | embtrain) echo "$BATS_FILE_TMPDIR/corpus.txt" ;;
  embconv) echo "$BATS_FILE_TMPDIR/vec.txt" ;;
  embpack) echo "$BATS_FILE_TMPDIR/ids.txt" ;;
  esac
}

# named_cmd TOOL INPUT OUTPUT: set CMD to the tool's ordinary run from INPUT to OUTPUT
named_cmd() {
  local tool=$1 in=$2 out=$3
  case $tool in
  tokvocab) CMD=(tokvocab count -q -j 1 "$in" -o "$out") ;;
  embconv) CMD=(embconv -q -t emb "$in" "$out") ;;
  embpack) CMD=(embpack -q "$in" -o "$out") ;;
  embtrain) CMD=(embtrain -q -d 8 -e 1 -j 1 --min-count 1 "$in" -o "$out") ;;
  esac
}

run_named() {
  local CMD
  named_cmd "$@"
  t "${CMD[@]}"
}

have() { [ -x "$EMB_BUILD/$1" ]; }

# Files other than the ones named: a leftover temporary file fails the test.
no_strays() {
  local dir=$1; shift
  local f base extra=""
  for f in "$dir"/* "$dir"/.[!.]*; do
    [ -e "$f" ] || continue
    base=$(basename "$f")
    case " $* " in *" $base "*) continue ;; esac
    extra="$extra $base"
  done
  [ -z "$extra" ] || { echo "left behind in $dir:$extra"; return 1; }
}

@test "every tool writing a named output to /dev/full exits 1 naming the error" {
  for tool in $NAMED; do
    have "$tool" || continue
    run --separate-stderr run_named "$tool" "$(input_for "$tool")" /dev/full
    [ "$status" = 1 ] || { echo "$tool: status $status: $stderr"; return 1; }
    [[ "$stderr" == "$tool: "*"No space left on device"* ]] || { echo "$tool: $stderr"; return 1; }
  done
}

@test "tools writing standard output to /dev/full exit 1 naming the error" {
  local d=$BATS_FILE_TMPDIR
  have embquery && { check_dev_full sh -c "$EMB_EXEC embquery vec '$d/vec.emb' w1 w2 >/dev/full"; }
  have embpack && { check_dev_full sh -c "$EMB_EXEC embpack dump '$d/ids.pack' >/dev/full"; }
  have tokvocab && { check_dev_full sh -c "$EMB_EXEC tokvocab encode -v '$d/vocab.tsv' '$d/corpus.txt' >/dev/full"; }
  have embconv && { check_dev_full sh -c "$EMB_EXEC embconv -q -t glove '$d/vec.emb' - >/dev/full"; }
}

@test "an output into a missing directory is refused with the path and the reason" {
  for tool in $NAMED; do
    have "$tool" || continue
    run --separate-stderr run_named "$tool" "$(input_for "$tool")" "$BATS_TEST_TMPDIR/no/such/out"
    [ "$status" = 1 ] || { echo "$tool: status $status"; return 1; }
    [[ "$stderr" == *"$BATS_TEST_TMPDIR/no/such/out"*"No such file or directory"* ]] ||
      { echo "$tool: $stderr"; return 1; }
  done
  [ ! -e "$BATS_TEST_TMPDIR/no" ]
}

# A directory nobody may write into.  As root a mode-555 directory is still writable, so
# it is made immutable with chattr +i where the file system allows it (teardown undoes it).
readonly_dir() {
  local dir=$BATS_TEST_TMPDIR/ro
  mkdir -p "$dir"
  chmod 555 "$dir"
  if touch "$dir/probe" 2>/dev/null; then
    rm -f "$dir/probe"
    chattr +i "$dir" 2>/dev/null || return 1
    if touch "$dir/probe" 2>/dev/null; then
      rm -f "$dir/probe"; chattr -i "$dir"; return 1
    fi
  fi
  echo "$dir"
}

teardown() {
  [ -d "$BATS_TEST_TMPDIR/ro" ] && { chattr -i "$BATS_TEST_TMPDIR/ro" 2>/dev/null; chmod 755 "$BATS_TEST_TMPDIR/ro"; }
  # a writer left feeding a FIFO
  [ -n "${feeder:-}" ] && kill "$feeder" 2>/dev/null
  return 0
}

@test "an output into a read-only directory is refused with the path and the reason" {
  local dir
  dir=$(readonly_dir) || skip "cannot make a directory read-only here (root without chattr +i)"
  for tool in $NAMED; do
    have "$tool" || continue
    run --separate-stderr run_named "$tool" "$(input_for "$tool")" "$dir/out"
    [ "$status" = 1 ] || { echo "$tool: status $status"; return 1; }
    [[ "$stderr" == *"$dir/out"*@(Permission denied|Operation not permitted|Read-only file system)* ]] ||
      { echo "$tool: $stderr"; return 1; }
  done
  [ -z "$(ls -A "$dir")" ]
}

@test "an existing output survives a failed run byte for byte, with no temporary left" {
  for tool in $NAMED; do
    have "$tool" || continue
    local dir=$BATS_TEST_TMPDIR/$tool
    mkdir -p "$dir"
    printf 'precious %s\n' "$tool" >"$dir/out"
    local before
    before=$(sha256sum <"$dir/out")
    make_truncated_gz "$(input_for "$tool")" "$dir/in.gz"
    run --separate-stderr run_named "$tool" "$dir/in.gz" "$dir/out"
    [ "$status" = 1 ] || { echo "$tool: status $status"; return 1; }
    [[ "$stderr" == *"truncated"* ]] || { echo "$tool: $stderr"; return 1; }
    [ "$(sha256sum <"$dir/out")" = "$before" ] || { echo "$tool damaged its output"; return 1; }
    no_strays "$dir" out in.gz
  done
}

@test "an input that is a directory is an error naming it, not a crash or an empty result" {
  mkdir -p "$BATS_TEST_TMPDIR/dir"
  for tool in $NAMED; do
    have "$tool" || continue
    run --separate-stderr run_named "$tool" "$BATS_TEST_TMPDIR/dir" "$BATS_TEST_TMPDIR/out"
    [ "$status" = 1 ] || { echo "$tool: status $status"; return 1; }
    [[ "$stderr" == *"$BATS_TEST_TMPDIR/dir"*"directory"* ]] || { echo "$tool: $stderr"; return 1; }
    [ ! -e "$BATS_TEST_TMPDIR/out" ] || { echo "$tool wrote an output"; return 1; }
  done
  if have embquery; then
    run --separate-stderr t embquery vec "$BATS_TEST_TMPDIR/dir" w1
    assert_equal "$status" 1
    [[ "$stderr" == *"directory"* ]]
  fi
}

@test "/dev/null as input: a clean result or a clear error, never a crash" {
  for tool in $NAMED; do
    have "$tool" || continue
    run --separate-stderr run_named "$tool" /dev/null "$BATS_TEST_TMPDIR/out"
    case $status in
    0) [ -e "$BATS_TEST_TMPDIR/out" ] || { echo "$tool: status 0 but no output"; return 1; } ;;
    1) [ -n "$stderr" ] && [ ! -e "$BATS_TEST_TMPDIR/out" ] || { echo "$tool: '$stderr'"; return 1; } ;;
    *) echo "$tool: status $status: $stderr"; return 1 ;;
    esac
    rm -f "$BATS_TEST_TMPDIR/out"
  done
  if have embquery; then
    run --separate-stderr t embquery vec /dev/null w1
    assert_equal "$status" 1
    [[ "$stderr" == *"/dev/null"* ]]
  fi
}

@test "a FIFO as input gives the same output as the file (or a clear error for two passes)" {
  for tool in $NAMED; do
    have "$tool" || continue
    local in fifo=$BATS_TEST_TMPDIR/$tool.fifo
    in=$(input_for "$tool")
    mkfifo "$fifo"
    run_named "$tool" "$in" "$BATS_TEST_TMPDIR/$tool-file"
    cat "$in" >"$fifo" 3>&- &
    feeder=$!
    local CMD
    named_cmd "$tool" "$fifo" "$BATS_TEST_TMPDIR/$tool-fifo-out"
    run --separate-stderr timeout 60 $EMB_EXEC "${CMD[@]}"
    kill "$feeder" 2>/dev/null || true
    wait "$feeder" 2>/dev/null || true
    feeder=
    if [ "$status" = 0 ]; then
      if [ "$tool" = embtrain ]; then # its metadata names the corpus: compare the vectors
        t embconv -q -t word2vec "$BATS_TEST_TMPDIR/$tool-file" "$BATS_TEST_TMPDIR/a.vec"
        t embconv -q -t word2vec "$BATS_TEST_TMPDIR/$tool-fifo-out" "$BATS_TEST_TMPDIR/b.vec"
        cmp "$BATS_TEST_TMPDIR/a.vec" "$BATS_TEST_TMPDIR/b.vec" || { echo "$tool: FIFO output differs"; return 1; }
      else
        cmp "$BATS_TEST_TMPDIR/$tool-file" "$BATS_TEST_TMPDIR/$tool-fifo-out" ||
          { echo "$tool: FIFO output differs"; return 1; }
      fi
    else
      # a tool that must read its input twice may refuse a pipe, but must say so
      [ "$status" = 1 ] && [ -n "$stderr" ] || { echo "$tool: status $status: $stderr"; return 1; }
      [ ! -e "$BATS_TEST_TMPDIR/$tool-fifo-out" ]
    fi
  done
}

# interrupt TOOL SIGNAL STATUS: run TOOL on a FIFO whose writer sends half the input and
# then stalls, signal the tool, and check the status and that no named output or temporary
# is left.  A background job of a script starts with SIGINT ignored (and a tool keeps
# ignoring it, as under nohup), so env restores the default first.
interrupt() {
  local tool=$1 sig=$2 want=$3
  local dir=$BATS_TEST_TMPDIR/$tool.$sig in
  in=$(input_for "$tool")
  mkdir -p "$dir"
  mkfifo "$dir/in"
  ( head -c $(( $(stat -c %s "$in") / 2 )) "$in"; exec sleep 30 ) >"$dir/in" 3>&- &
  feeder=$!
  local CMD
  named_cmd "$tool" "$dir/in" "$dir/out"
  # exec: $! is the tool itself, not a subshell that would take the signal
  ( exec env --default-signal=INT,TERM $EMB_EXEC "${CMD[@]}" 2>"$dir/err" 3>&- ) &
  local pid=$!
  sleep 0.5
  kill -"$sig" "$pid"
  local st=0
  wait "$pid" || st=$?
  kill "$feeder" 2>/dev/null || true
  feeder=
  [[ "$st" == @($want) ]] || { echo "$tool: status $st after SIG$sig: $(cat "$dir/err")"; return 1; }
  no_strays "$dir" in err
}

@test "SIGINT mid-run: status 130 and no named output or temporary file" {
  for tool in $NAMED; do
    have "$tool" || continue
    interrupt "$tool" INT 130
  done
}

@test "SIGTERM mid-run: status 143 (embtrain training: 130, it stops itself) and nothing left" {
  for tool in $NAMED; do
    have "$tool" || continue
    if [ "$tool" = embtrain ]; then interrupt "$tool" TERM '130|143'; else interrupt "$tool" TERM 143; fi
  done
}

@test "embtrain --checkpoint on SIGTERM leaves a checkpoint that --resume finishes" {
  have embtrain || skip "no embtrain"
  local d=$BATS_TEST_TMPDIR/ck.d
  mkdir -p "$d"
  ( exec 3>&-; exec $EMB_EXEC embtrain --progress -d 8 -e 40 -j 1 --min-count 1 "$BATS_FILE_TMPDIR/corpus.txt" \
    -o "$d/v.emb" --checkpoint "$d/ck" 2>"$BATS_TEST_TMPDIR/err" ) &
  local pid=$! st=0
  for _ in $(seq 400); do # until it trains: its progress line shows an ETA
    grep -q ETA "$BATS_TEST_TMPDIR/err" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" || st=$?
  [ "$st" != 0 ] || skip "training ended before the signal"
  assert_equal "$st" 130
  [ -s "$d/ck" ]
  [ ! -e "$d/v.emb" ]
  no_strays "$d" ck
  run -0 t embtrain -q --resume "$d/ck" "$BATS_FILE_TMPDIR/corpus.txt" -o "$d/v.emb"
  run -0 t embquery vec "$d/v.emb" w1
}

@test "a closed pipe (| head -c 1) ends every tool quietly with status 0 or 141" {
  local d=$BATS_FILE_TMPDIR
  have tokvocab && check_closed_pipe t tokvocab count -q -j 1 "$d/corpus.txt"
  have tokvocab && check_closed_pipe t tokvocab encode -q -v "$d/vocab.tsv" "$d/corpus.txt"
  have embconv && check_closed_pipe t embconv -q -t word2vec "$d/vec.emb" -
  have embpack && check_closed_pipe t embpack dump "$d/ids.pack"
  have embpack && check_closed_pipe t embpack -q --force "$d/ids.txt"
  have embquery && check_closed_pipe t embquery lookup "$d/vec.emb" <"$d/ids.txt"
  have embtrain && check_closed_pipe t embtrain -q -d 8 -e 1 -j 1 --min-count 1 -t word2vec "$d/corpus.txt" -o -
}

# Inputs that need more memory than `ulimit -v` leaves: a gzip of 10^6 distinct tokens, a
# 100000 x 100 table of zeros, one sequence of 2^21 ids; embtrain with 1000 dimensions.
@test "under ulimit -v every tool reports 'out of memory while ...' with status 1" {
  [[ "$EMB_BUILD" != *san* ]] || skip "AddressSanitizer reserves more address space than the limit"
  [ -z "$EMB_EXEC" ] || skip "not under $EMB_EXEC"
  local d=$BATS_TEST_TMPDIR/oom limit=50000
  mkdir -p "$d"
  seq 1 1000000 | gzip -1 >"$d/many.txt.gz"
  awk 'BEGIN { z = " 0 0 0 0 0 0 0 0 0 0"; z = z z z z z z z z z z; print 100000, 100
    for (i = 0; i < 100000; i++) print "w" i z }' | gzip -1 >"$d/zeros.vec.gz"
  awk 'BEGIN { s = "0"; for (i = 0; i < 21; i++) s = s " " s; print s }' | gzip -1 >"$d/long.ids.gz"
  oom() {
    run --separate-stderr bash -c "ulimit -v $limit; exec \"\$@\"" oom "$@"
    [ "$status" = 1 ] || { echo "$1: status $status: $stderr"; return 1; }
    [[ "$stderr" == "$1: out of memory while "* ]] || { echo "$1: $stderr"; return 1; }
  }
  have tokvocab && oom tokvocab count -q -j 1 "$d/many.txt.gz" -o "$d/o1"
  have embconv && oom embconv -q "$d/zeros.vec.gz" "$d/o2.emb"
  have embpack && oom embpack -q "$d/long.ids.gz" -o "$d/o3"
  have embtrain && oom embtrain -q -d 1000 -e 1 -j 1 --min-count 1 "$BATS_FILE_TMPDIR/corpus.txt" -o "$d/o4"
  have embquery && oom embquery vec "$d/zeros.vec.gz" w1
  no_strays "$d" many.txt.gz zeros.vec.gz long.ids.gz
}
