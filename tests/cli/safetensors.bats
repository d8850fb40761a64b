#!/usr/bin/env bats
# embconv's safetensors and .npy tables, and the output-name check (issue 17).  The layout is
# checked against the spec by tests/interop/safetensors_spec.py (json + numpy, no safetensors).
bats_require_minimum_version 1.5.0
load helpers

PY=/usr/bin/python3
SMALL="$TOP/tests/fixtures/embconv/small.txt"

# A safetensors file from a JSON header and data given as a Python bytes expression.
mkst() { # mkst OUT HEADER DATA-EXPR [LENGTH]
  "$PY" -c 'import struct,sys; h=sys.argv[2].encode(); n=int(sys.argv[4]) if len(sys.argv)>4 else len(h)
open(sys.argv[1],"wb").write(struct.pack("<Q",n)+h+eval(sys.argv[3]))' "$@"
}

trained() { # a table with metadata, corpus counts and a padding row
  t embtrain -q --min-count 1 -d 8 -e 1 -j 1 --padding-idx 0 \
    "$TOP/tests/fixtures/embtrain/grammar.txt" -o "$1"
}

@test "embconv EMB -> safetensors -> EMB is bit-exact, with metadata, counts and padding_idx" {
  trained "$BATS_TEST_TMPDIR/a.emb"
  run t embconv "$BATS_TEST_TMPDIR/a.emb" "$BATS_TEST_TMPDIR/a.safetensors"
  assert_success
  run t embconv "$BATS_TEST_TMPDIR/a.safetensors" "$BATS_TEST_TMPDIR/b.emb"
  assert_success
  cmp "$BATS_TEST_TMPDIR/a.emb" "$BATS_TEST_TMPDIR/b.emb"
  run t embconv --from safetensors -t emb --level 0 "$BATS_TEST_TMPDIR/a.safetensors" -
  assert_success
}

@test "embconv writes safetensors to the spec (independent json+numpy reader, torch.frombuffer)" {
  trained "$BATS_TEST_TMPDIR/a.emb"
  t embconv "$BATS_TEST_TMPDIR/a.emb" "$BATS_TEST_TMPDIR/a.safetensors"
  t embconv "$BATS_TEST_TMPDIR/a.emb" -t glove "$BATS_TEST_TMPDIR/a.txt"
  run "$PY" "$TOP/tests/interop/safetensors_spec.py" "$BATS_TEST_TMPDIR/a.safetensors" \
    "$BATS_TEST_TMPDIR/a.txt" 0
  assert_success
  assert_output --partial "ok 52 rows"
}

@test "embconv sniffs safetensors by its bytes, gzip-compressed and under any name" {
  t embconv "$SMALL" "$BATS_TEST_TMPDIR/a.safetensors.gz"
  cp "$BATS_TEST_TMPDIR/a.safetensors.gz" "$BATS_TEST_TMPDIR/noname"
  run t embconv "$BATS_TEST_TMPDIR/noname" -t glove -
  assert_success
  assert_output "$(t embconv "$SMALL" -t glove -)"
  run t embconv -t glove - - <"$BATS_TEST_TMPDIR/a.safetensors.gz"
  assert_output "$(t embconv "$SMALL" -t glove -)"
}

@test "embconv --limit on safetensors keeps the first rows and their tokens" {
  t embconv "$SMALL" "$BATS_TEST_TMPDIR/a.safetensors"
  run t embconv --limit 2 "$BATS_TEST_TMPDIR/a.safetensors" -t glove -
  assert_success
  assert_output "$(head -2 "$SMALL")"
}

@test "embconv refuses a safetensors header length over 100 MB before reading it" {
  mkst "$BATS_TEST_TMPDIR/x.safetensors" '{}' 'b""' 1099511627776
  run -1 --separate-stderr t embconv --from safetensors "$BATS_TEST_TMPDIR/x.safetensors" -t glove -
  assert_equal "$stderr" "embconv: $BATS_TEST_TMPDIR/x.safetensors: byte 0: safetensors header length must be 2 bytes to 100 MB"
}

@test "embconv refuses safetensors with a hole, an overlap, trailing bytes or a short buffer" {
  local w='"weight":{"dtype":"F32","shape":[1,1],"data_offsets":[%s]}'
  local rest='"tokens":{"dtype":"U8","shape":[1],"data_offsets":[%s]},"token_offsets":{"dtype":"I64","shape":[2],"data_offsets":[%s]}'
  hdr() { printf "{$w,$rest}" "$1" "$2" "$3"; }
  mkst "$BATS_TEST_TMPDIR/ok" "$(hdr 0,4 4,5 5,21)" 'struct.pack("<f",1.5)+b"a"+struct.pack("<qq",0,1)'
  run t embconv "$BATS_TEST_TMPDIR/ok" -t glove -
  assert_success
  assert_output "a 1.5"
  mkst "$BATS_TEST_TMPDIR/hole" "$(hdr 0,4 5,6 6,22)" 'struct.pack("<f",1.5)+b"xa"+struct.pack("<qq",0,1)'
  run -1 --separate-stderr t embconv "$BATS_TEST_TMPDIR/hole" -t glove -
  assert_equal "$stderr" "embconv: $BATS_TEST_TMPDIR/hole: byte 8: a gap before tensor 'tokens' (the buffer must have no holes)"
  mkst "$BATS_TEST_TMPDIR/overlap" "$(hdr 0,4 3,4 4,20)" 'struct.pack("<f",1.5)+struct.pack("<qq",0,1)'
  run -1 --separate-stderr t embconv "$BATS_TEST_TMPDIR/overlap" -t glove -
  [[ "$stderr" == *"overlaps another" ]]
  mkst "$BATS_TEST_TMPDIR/trail" "$(hdr 0,4 4,5 5,21)" 'struct.pack("<f",1.5)+b"a"+struct.pack("<qq",0,1)+b"!"'
  run -1 --separate-stderr t embconv "$BATS_TEST_TMPDIR/trail" -t glove -
  [[ "$stderr" == *"bytes after the last tensor" ]]
  mkst "$BATS_TEST_TMPDIR/short" "$(hdr 0,4 4,5 5,21)" 'struct.pack("<f",1.5)+b"a"+struct.pack("<q",0)'
  run -1 --separate-stderr t embconv "$BATS_TEST_TMPDIR/short" -t glove -
  [[ "$stderr" == *"input ends inside 'token_offsets'" ]]
  mkst "$BATS_TEST_TMPDIR/size" "$(hdr 0,8 8,9 9,25)" 'struct.pack("<ff",1.5,2)+b"a"+struct.pack("<qq",0,1)'
  run -1 --separate-stderr t embconv "$BATS_TEST_TMPDIR/size" -t glove -
  [[ "$stderr" == *"tensor 'weight': data_offsets disagree with its dtype and shape" ]]
}

@test "embconv refuses safetensors headers that are not the spec's JSON" {
  local tail=',"tokens":{"dtype":"U8","shape":[1],"data_offsets":[4,5]},"token_offsets":{"dtype":"I64","shape":[2],"data_offsets":[5,21]}}'
  local data='struct.pack("<f",1.5)+b"a"+struct.pack("<qq",0,1)'
  local w='"weight":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]}'
  local bad
  for bad in "{$w,$w${tail:1}" "{\"weight\":{\"dtype\":\"F33\",\"shape\":[1,1],\"data_offsets\":[0,4]}$tail" \
      "{\"weight\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[0,4.0]}$tail" \
      "{\"weight\":{\"dtype\":\"F32\",\"shape\":[1,-1],\"data_offsets\":[0,4]}$tail" \
      "{\"__metadata__\":{\"a\":1},$w$tail" "[$w$tail" "{$w$tail x" \
      "{\"weight\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[0,4]}$tail"; do
    mkst "$BATS_TEST_TMPDIR/bad" "$bad" "$data"
    run -1 --separate-stderr t embconv --from safetensors "$BATS_TEST_TMPDIR/bad" -t glove -
    [[ "$stderr" == "embconv: $BATS_TEST_TMPDIR/bad: byte "* ]] || { echo "$bad: $stderr"; return 1; }
  done
  mkst "$BATS_TEST_TMPDIR/pad" "{\"__metadata__\":{\"padding_idx\":\"1\"},$w$tail" "$data"
  run -1 --separate-stderr t embconv "$BATS_TEST_TMPDIR/pad" -t glove -
  [[ "$stderr" == *"metadata padding_idx '1' is not a row" ]]
  mkst "$BATS_TEST_TMPDIR/nul" "{$w$tail" 'struct.pack("<f",1.5)+b"\0"+struct.pack("<qq",0,1)'
  run -1 --separate-stderr t embconv "$BATS_TEST_TMPDIR/nul" -t glove -
  [[ "$stderr" == *"token of row 1 holds a NUL byte" ]]
  # the token rule is the same as every reader's: no line end (found by fuzz_safetensors)
  mkst "$BATS_TEST_TMPDIR/cr" "{$w$tail" 'struct.pack("<f",1.5)+b"\r"+struct.pack("<qq",0,1)'
  run -1 --separate-stderr t embconv "$BATS_TEST_TMPDIR/cr" -t glove -
  [[ "$stderr" == *"token of row 1 holds a line end"* ]] || { echo "$stderr"; return 1; }
}

@test "embconv skips safetensors tensors it does not use, and reads JSON escapes" {
  local h='{"__metadata__":{"note":"caf\u00e9 \ud83d\ude00 \"q\""},"extra":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]},"weight":{"dtype":"F32","shape":[1,1],"data_offsets":[4,8]},"tokens":{"dtype":"U8","shape":[1],"data_offsets":[8,9]},"token_offsets":{"dtype":"I64","shape":[2],"data_offsets":[9,25]}}'
  mkst "$BATS_TEST_TMPDIR/x" "$h" 'b"zzzz"+struct.pack("<f",2)+b"b"+struct.pack("<qq",0,1)'
  run t embconv "$BATS_TEST_TMPDIR/x" "$BATS_TEST_TMPDIR/y.safetensors"
  assert_success
  run grep -c 'café 😀 \\"q\\"' "$BATS_TEST_TMPDIR/y.safetensors"
  assert_output 1
}

@test "embconv refuses an output extension that names no format, and writes nothing" {
  run -2 --separate-stderr t embconv "$SMALL" "$BATS_TEST_TMPDIR/out.foo"
  assert_equal "$stderr" "embconv: the extension of '$BATS_TEST_TMPDIR/out.foo' names no table format (.emb .safetensors .npy .bin .vec .txt, optionally .gz)
Try 'embconv --help' for more information."
  [ ! -e "$BATS_TEST_TMPDIR/out.foo" ]
  run -2 t embconv "$SMALL" "$BATS_TEST_TMPDIR/out.pt.gz"
  run t embconv "$SMALL" "$BATS_TEST_TMPDIR/out"
  assert_success
  run t embconv "$SMALL" "$BATS_TEST_TMPDIR/.hidden"
  assert_success
  run t embconv -t emb "$SMALL" "$BATS_TEST_TMPDIR/out.foo"
  assert_success
}

@test "embconv writes .npy that numpy maps, tokens beside it, and reads both back" {
  trained "$BATS_TEST_TMPDIR/a.emb"
  run t embconv "$BATS_TEST_TMPDIR/a.emb" "$BATS_TEST_TMPDIR/m.npy"
  assert_success
  t embconv "$BATS_TEST_TMPDIR/a.emb" -t glove "$BATS_TEST_TMPDIR/a.txt"
  run "$PY" -c 'import numpy as np,sys
m=np.load(sys.argv[1], mmap_mode="r"); assert isinstance(m, np.memmap) and m.dtype==np.float32
voc=[l.split("\t") for l in open(sys.argv[2], encoding="utf-8").read().splitlines()]
rows=[l.split(" ") for l in open(sys.argv[3], encoding="utf-8").read().splitlines()]
assert [v[0] for v in voc]==[r[0] for r in rows] and int(voc[1][1]) > 0
assert (m == np.array([[float(x) for x in r[1:]] for r in rows], dtype=np.float32)).all()
print(m.shape)' "$BATS_TEST_TMPDIR/m.npy" "$BATS_TEST_TMPDIR/m.vocab.tsv" "$BATS_TEST_TMPDIR/a.txt"
  assert_output "(52, 8)"
  run t embconv "$BATS_TEST_TMPDIR/m.npy" -t glove -
  assert_output "$(cat "$BATS_TEST_TMPDIR/a.txt")"
}

@test "embconv .npy: refused without a name to put the tokens beside, or without its vocabulary" {
  run -2 --separate-stderr t embconv -t npy "$SMALL" -
  assert_equal "$stderr" "embconv: a .npy matrix keeps its tokens beside it in NAME.vocab.tsv, so it cannot go to standard output
Try 'embconv --help' for more information."
  run -2 t embconv -t npy "$SMALL" "$BATS_TEST_TMPDIR/m.bin"
  [ ! -e "$BATS_TEST_TMPDIR/m.bin" ]
  t embconv "$SMALL" "$BATS_TEST_TMPDIR/m.npy"
  run -1 --separate-stderr t embconv - -t glove - <"$BATS_TEST_TMPDIR/m.npy"
  [[ "$stderr" == *"<stdin>: a .npy matrix keeps its tokens beside it in NAME.vocab.tsv, so it needs a file name ending in .npy" ]]
  head -3 "$BATS_TEST_TMPDIR/m.vocab.tsv" >"$BATS_TEST_TMPDIR/short.tsv"
  mv "$BATS_TEST_TMPDIR/short.tsv" "$BATS_TEST_TMPDIR/m.vocab.tsv"
  run -1 --separate-stderr t embconv "$BATS_TEST_TMPDIR/m.npy" -t glove -
  assert_equal "$stderr" "embconv: $BATS_TEST_TMPDIR/m.vocab.tsv: 3 tokens for the 4 rows of $BATS_TEST_TMPDIR/m.npy"
  rm "$BATS_TEST_TMPDIR/m.vocab.tsv"
  run -1 t embconv "$BATS_TEST_TMPDIR/m.npy" -t glove -
}

@test "embconv .npy: a write that fails replaces neither the matrix nor its vocabulary" {
  local d="$BATS_TEST_TMPDIR"
  t embconv "$SMALL" "$d/m.npy"
  cp "$d/m.npy" "$d/old.npy"; cp "$d/m.vocab.tsv" "$d/old.tsv"
  # 300 rows of 400 values: the vocabulary (a few KB) fits under the file-size limit, the matrix
  # (480 KB) does not, and its write fails only when the buffered data is flushed at the end
  awk 'BEGIN { for (i = 0; i < 300; i++) { printf "w%d", i; for (j = 0; j < 400; j++) printf " 0.5"; print "" } }' >"$d/big.txt"
  run -1 bash -c "trap '' XFSZ; ulimit -f 100; '$EMB_BUILD/embconv' '$d/big.txt' '$d/m.npy'"
  cmp "$d/m.npy" "$d/old.npy"
  cmp "$d/m.vocab.tsv" "$d/old.tsv"
  [ -z "$(find "$d" -name '.*embkit*')" ]
}

@test "embconv .npy: only 2-D little-endian float32 in C order is read" {
  local m="$BATS_TEST_TMPDIR/m.npy" how
  printf 'a\t0\nb\t0\n' >"$BATS_TEST_TMPDIR/m.vocab.tsv"
  for how in 'np.zeros((2,3),"<f8")' 'np.asfortranarray(np.zeros((2,3),"<f4"))' \
      'np.zeros(6,"<f4")' 'np.zeros((2,3),">f4")'; do
    "$PY" -c "import numpy as np,sys; np.save(sys.argv[1], $how)" "$m"
    run -1 t embconv "$m" -t glove -
  done
  "$PY" -c 'import numpy as np,sys; np.save(sys.argv[1], np.arange(6,dtype="<f4").reshape(2,3))' "$m"
  run t embconv "$m" -t glove -
  assert_output "a 0 1 2
b 3 4 5"
  truncate -s -4 "$m"
  run -1 --separate-stderr t embconv "$m" -t glove -
  assert_equal "$stderr" "embconv: $m: input ends inside row 2"
}

@test "embconv: a safetensors file cut inside 'weight' names the byte where the tensor starts" {
  f="$BATS_TEST_TMPDIR/cut.safetensors"
  trained "$BATS_TEST_TMPDIR/a.emb"
  t embconv "$BATS_TEST_TMPDIR/a.emb" "$f"
  # the weight tensor's first byte in the file, and a cut 6 bytes into it
  at=$("$PY" -c 'import json,struct,sys; b=open(sys.argv[1],"rb").read(); n=struct.unpack("<Q",b[:8])[0]
print(8+n+json.loads(b[8:8+n])["weight"]["data_offsets"][0])' "$f")
  truncate -s $((at + 6)) "$f"
  run -1 --separate-stderr t embconv "$f" -t glove -
  assert_equal "$stderr" "embconv: $f: byte $at: input ends inside 'weight'"
}
