#!/usr/bin/env bats
# embpack: batching, padding and packing with torch's semantics; PACK and npz output; bad input.
bats_require_minimum_version 1.5.0
load helpers

PY=/usr/bin/python3
READER="$TOP/python/embkit/pack.py"

# Print a PACK file's batches through the numpy reader, one "key value" line per array.
pyread() {
	$PY - "$1" <<-'EOF'
	import os, sys
	sys.path.insert(0, os.environ["TOPF"])
	from embkit import pack
	for b in pack.read(sys.argv[1]):
	    for k in ("index", "lengths", "data", "batch_sizes"):
	        print(k, " ".join(map(str, b[k].tolist())))
	EOF
}

setup() {
	export TOPF="$TOP/python"
	out="$BATS_TEST_TMPDIR"
}

@test "embpack --help prints usage on stdout and every option is documented" {
	check_help embpack
}

@test "embpack dump --help and stats --help print usage" {
	check_help embpack dump
	run -0 t embpack stats --help
	assert_output --partial "Usage: embpack"
}

@test "embpack --list-options names the subcommands and the options" {
	run -0 t embpack --list-options
	assert_line "dump"
	assert_line "stats"
	assert_line "--batch-size="
	run -0 t embpack dump --list-options
	assert_line "--quiet"
	refute_line "--batch-size="
}

@test "embpack rejects a bad option with status 2" {
	check_bad_option embpack
	check_bad_option embpack stats
	check_bad_option embpack dump
}

@test "embpack --batch-size 0 is a usage error" {
	run -2 --separate-stderr t embpack --batch-size 0 "$FIX/ids.txt"
	assert_equal "$stderr" "embpack: invalid --batch-size '0': out of range (at least 1)
Try 'embpack --help' for more information."
}

@test "embpack writes padded and packed batches that dump shows" {
	run -0 t embpack -b 3 -o "$out/a.pack" "$FIX/ids.txt"
	run -0 t embpack dump "$out/a.pack"
	assert_line "batch 0 sequences 3 max_len 6 tokens 14"
	assert_line "lengths 5 3 6"
	assert_line "sorted_indices 2 0 1"
	assert_line "unsorted_indices 1 2 0"
	assert_line "batch_sizes 3 3 3 2 2 1"
	assert_line "data 5 3 9 3 1 2 5 4 6 8 1 9 5 7"
	assert_line "end batches 3 sequences 8 tokens 32"
}

@test "embpack output is gzip members that zcat reads; --level 0 is the same bytes plain" {
	run -0 t embpack -b 2 -o "$out/a.pack" "$FIX/ids.txt"
	run -0 t embpack -b 2 --level 0 -o "$out/plain.pack" "$FIX/ids.txt"
	[ "$(head -c 2 "$out/a.pack" | od -An -tx1 | tr -d ' ')" = 1f8b ]
	zcat "$out/a.pack" | cmp - "$out/plain.pack"
}

@test "embpack gzip members hold whole batches, up to 1 MiB, the same bytes for any -j" {
	awk 'BEGIN { srand(7); for (i = 0; i < 30000; i++) { l = 1 + int(40 * rand()); s = int(900 * rand())
		for (j = 1; j < l; j++) s = s " " int(900 * rand()); print s } }' >"$out/many.txt"
	# one batch of 70000 ids (> 1 MiB as int64 arrays) gets members of its own
	awk 'BEGIN { s = 1; for (j = 1; j < 70000; j++) s = s " " (j % 500); print s }' >>"$out/many.txt"
	run -0 t embpack -b 32 -o "$out/j1.pack" "$out/many.txt"
	run -0 t embpack -b 32 -j 3 -o "$out/j3.pack" "$out/many.txt"
	cmp "$out/j1.pack" "$out/j3.pack"
	run -0 t embpack -b 32 --level 0 -o "$out/plain.pack" "$out/many.txt"
	run -0 "$PY" "$BATS_TEST_DIRNAME/../interop/pack_members.py" "$out/j1.pack" "$out/plain.pack"
	assert_output --regexp '^members [0-9]+ ok$'
	[ "$(echo "$output" | awk '{ print $2 }')" -ge 8 ]
}

@test "embpack streams into a pipe and dump reads standard input" {
	run -0 bash -c "t() { $EMB_EXEC \"\$@\"; }; t embpack -b 4 --batch-first '$FIX/ids.txt' | t embpack dump"
	assert_line "PACK 1 batch_first 1 enforce_sorted 0 padding_idx 0 dim 0"
	assert_line "end batches 2 sequences 8 tokens 32"
}

@test "embpack --batch-first and time-first lay padded out as torch does" {
	run -0 t embpack -b 2 -p 7 --level 0 -o "$out/t.pack" "$FIX/ids.txt"
	run -0 t embpack dump "$out/t.pack"
	assert_line "padded 5 x 2"
	assert_line "  5 7"
	run -0 t embpack -b 2 -p 7 --batch-first -o "$out/b.pack" "$FIX/ids.txt"
	run -0 t embpack dump "$out/b.pack"
	assert_line "padded 2 x 5"
	assert_line "  9 2 6 7 7"
}

@test "embpack stats counts batches, sequences, tokens and the padding ratio" {
	run -0 t embpack -b 4 -o "$out/a.pack" "$FIX/ids.txt"
	run -0 t embpack stats "$out/a.pack"
	assert_line "batches	2"
	assert_line "sequences	8"
	assert_line "tokens	32"
	assert_line "padding	16"
	assert_line "padding_ratio	0.333333"
}

@test "embpack --bucket lowers the padding ratio" {
	$PY -c '
import random
r = random.Random(5)
for i in range(2000): print(" ".join(str(r.randrange(100)) for _ in range(r.randint(1, 60))))' >"$out/in.txt"
	run -0 t embpack -b 16 -o "$out/plain.pack" "$out/in.txt"
	run -0 t embpack -b 16 --bucket 1000 -o "$out/bucket.pack" "$out/in.txt"
	plain=$(t embpack stats "$out/plain.pack" | awk '$1 == "padding_ratio" { print $2 }')
	bucket=$(t embpack stats "$out/bucket.pack" | awk '$1 == "padding_ratio" { print $2 }')
	awk -v p="$plain" -v b="$bucket" 'BEGIN { exit !(b < p / 5) }'
	run -0 t embpack stats "$out/bucket.pack"
	assert_line "sequences	2000"
}

@test "embpack --shuffle is reproducible with a seed and only reorders batches" {
	seq 1 500 | awk '{ s = $1; for (i = 1; i < $1 % 13; i++) s = s " " i; print s }' >"$out/in.txt"
	t embpack -b 8 --bucket 100 --shuffle --seed 3 --level 0 -o "$out/s1.pack" "$out/in.txt"
	t embpack -b 8 --bucket 100 --shuffle --seed 3 --level 0 -o "$out/s2.pack" "$out/in.txt"
	t embpack -b 8 --bucket 100 --shuffle --seed 4 --level 0 -o "$out/s3.pack" "$out/in.txt"
	t embpack -b 8 --bucket 100 --level 0 -o "$out/s0.pack" "$out/in.txt"
	cmp "$out/s1.pack" "$out/s2.pack"
	! cmp -s "$out/s1.pack" "$out/s3.pack"
	! cmp -s "$out/s1.pack" "$out/s0.pack"
	a=$(pyread "$out/s1.pack" | grep ^index | sort | md5sum)
	b=$(pyread "$out/s0.pack" | grep ^index | sort | md5sum)
	[ "$a" = "$b" ]
}

@test "embpack --drop-last drops the short final batch" {
	run -0 t embpack -b 3 --drop-last -o "$out/a.pack" "$FIX/ids.txt"
	run -0 t embpack stats "$out/a.pack"
	assert_line "batches	2"
	assert_line "sequences	6"
}

@test "embpack --max-tokens keeps every batch within the budget, padding counted" {
	seq 1 300 | awk '{ s = 1; for (i = 1; i < ($1 * 7) % 23 + 1; i++) s = s " " i; print s }' >"$out/in.txt"
	run -0 t embpack --max-tokens 40 --bucket 50 -o "$out/a.pack" "$out/in.txt"
	run -0 t embpack dump "$out/a.pack"
	echo "$output" | awk '/^batch / { if ($3 * $5 > 40) { print "over: " $0; bad = 1 } } END { exit bad }'
	run -0 t embpack stats "$out/a.pack"
	assert_line "sequences	300"
}

@test "embpack --max-len truncates and --min-len skips short lines" {
	run -0 t embpack --max-len 2 -b 100 -o "$out/a.pack" "$FIX/ids.txt"
	run -0 t embpack dump "$out/a.pack"
	assert_line "lengths 2 2 2 2 2 1 2 2"
	run -0 t embpack --min-len 4 -b 100 -o "$out/b.pack" "$FIX/ids.txt"
	run -0 t embpack dump "$out/b.pack"
	assert_line "index 0 2 4 6 7"
}

@test "embpack --enforce-sorted fails on an unsorted batch, naming the line" {
	run -1 --separate-stderr t embpack --enforce-sorted -o "$out/a.pack" "$FIX/unsorted.txt"
	assert_equal "$stderr" "embpack: $FIX/unsorted.txt:2: sequence of length 3 follows one of length 1: not sorted longest first (enforce_sorted)"
	[ ! -e "$out/a.pack" ]
	sort -r "$FIX/unsorted.txt" | t embpack --enforce-sorted --level 0 >"$out/b.pack"
	run -0 t embpack dump "$out/b.pack"
	assert_line "sorted_indices 0 1"
}

@test "embpack names file and line of a non-integer id and leaves no output" {
	run -1 --separate-stderr t embpack -o "$out/a.pack" "$FIX/bad-id.txt"
	assert_equal "$stderr" "embpack: $FIX/bad-id.txt:2: invalid id 'x4'"
	[ ! -e "$out/a.pack" ]
}

@test "embpack rejects a negative id" {
	run -1 --separate-stderr t embpack -o "$out/a.pack" "$FIX/negative.txt"
	assert_equal "$stderr" "embpack: $FIX/negative.txt:2: negative id '-4'"
}

@test "embpack skips an empty line (a zero-length sequence) and counts it; --strict names its line" {
	run -0 --separate-stderr t embpack --progress -o "$out/a.pack" "$FIX/empty-line.txt"
	assert_equal "$stderr" "embpack: 1 batches, 2 sequences, 3 tokens, padding 25.00%, 1 empty skipped"
	run -0 t embpack dump "$out/a.pack"
	assert_line "index 0 2"
	run -1 --separate-stderr t embpack --strict -o "$out/b.pack" "$FIX/empty-line.txt"
	assert_equal "$stderr" "embpack: $FIX/empty-line.txt:2: empty sequence (lengths must be > 0)"
	[ ! -e "$out/b.pack" ]
	run -0 t embpack --strict --min-len 1 -o "$out/b.pack" "$FIX/empty-line.txt"
}

@test "the README pipeline works on text with blank lines: tokvocab encode | embpack, then stats" {
	printf 'the cat sat\n\nthe dog sat on the mat\n\n\na cat and a dog\n \nthe end\n' >"$out/c.txt"
	for i in 1 2 3 4 5; do cat "$out/c.txt"; done | gzip >"$out/corpus.txt.gz"
	# as in README.md "A pipeline in ten lines"
	run -0 t tokvocab count --specials '<pad>,<unk>' --min-count 5 "$out/corpus.txt.gz" -o "$out/vocab.tsv"
	run -0 --separate-stderr bash -c "tokvocab encode -v '$out/vocab.tsv' '$out/corpus.txt.gz' |
	  embpack --bucket 6400 --batch-size 64 --shuffle --seed 1 -o '$out/train.pack'"
	assert_equal "$stderr" ""
	run -0 t embpack stats "$out/train.pack"
	assert_line "batches	1"
	assert_line "sequences	20"
	assert_line "tokens	80"
}

@test "embpack --max-tokens: a sequence over the token budget is a batch of its own, with a warning; --strict fails" {
	printf '1 2\n3 4 5 6 7\n8\n9 1 2 3 4 5\n' >"$out/long.txt"
	run -0 --separate-stderr t embpack --max-tokens 4 -o "$out/a.pack" "$out/long.txt"
	assert_equal "$stderr" "embpack: warning: 2 sequences longer than --max-tokens 4: each is a batch of its own, over the budget"
	run -0 t embpack dump "$out/a.pack"
	assert_line "batch 1 sequences 1 max_len 5 tokens 5"
	assert_line "batch 3 sequences 1 max_len 6 tokens 6"
	run -0 --separate-stderr t embpack -q --max-tokens 4 -o "$out/a.pack" "$out/long.txt"
	assert_equal "$stderr" ""
	run -1 --separate-stderr t embpack --strict --max-tokens 4 -o "$out/b.pack" "$out/long.txt"
	assert_equal "$stderr" "embpack: $out/long.txt:2: sequence of 5 ids exceeds the token budget of 4"
	[ ! -e "$out/b.pack" ]
}

@test "embpack rejects an id not below the vocabulary size or the table rows" {
	run -1 --separate-stderr t embpack -v "$FIX/vocab.tsv" --ids -o "$out/a.pack" "$FIX/ids.txt"
	assert_equal "$stderr" "embpack: $FIX/ids.txt:2: id '9' out of range (must be below 6)"
	run -1 --separate-stderr t embpack --embed "$FIX/table.txt" -o "$out/a.pack" "$FIX/big-id.txt"
	assert_equal "$stderr" "embpack: $FIX/big-id.txt:2: id '12' out of range (must be below 10)"
	[ ! -e "$out/a.pack" ]
}

@test "embpack takes a line of 1M ids without --max-len" {
	$PY -c 'print(" ".join(["7"] * 1000000)); print("1 2")' >"$out/long.txt"
	run -0 t embpack -b 2 -o "$out/a.pack" "$out/long.txt"
	run -0 t embpack stats "$out/a.pack"
	assert_line "tokens	1000002"
	assert_line "padding	999998"
}

@test "embpack -v encodes text like tokvocab encode, <unk> for unknown tokens" {
	run -0 t embpack -v "$FIX/vocab.tsv" -b 10 -o "$out/a.pack" "$FIX/text.txt"
	run -0 pyread "$out/a.pack"
	assert_line "data 1 4 1 2 1 0 3 5 3"
	if command -v tokvocab >/dev/null; then
		t tokvocab encode -v "$FIX/vocab.tsv" "$FIX/text.txt" >"$out/ids.txt"
		t embpack -b 10 -o "$out/b.pack" "$out/ids.txt"
		[ "$(pyread "$out/a.pack")" = "$(pyread "$out/b.pack")" ]
	fi
}

@test "embpack -v without <unk> fails on an unknown token unless --unk=skip" {
	grep -v '^<unk>' "$FIX/vocab.tsv" >"$out/v.tsv"
	run -1 --separate-stderr t embpack -v "$out/v.tsv" -o "$out/a.pack" "$FIX/text.txt"
	assert_equal "$stderr" "embpack: $FIX/text.txt:3: unknown token 'dog' (the vocabulary has no <unk>)"
	run -0 t embpack -v "$out/v.tsv" --unk skip -b 10 -o "$out/a.pack" "$FIX/text.txt"
	run -0 pyread "$out/a.pack"
	assert_line "lengths 3 3 2"
}

@test "embpack --unk=error fails even with <unk>; --unk=TOKEN maps to TOKEN as tokvocab does" {
	run -1 --separate-stderr t embpack -v "$FIX/vocab.tsv" --unk=error -o "$out/a.pack" "$FIX/text.txt"
	assert_equal "$stderr" "embpack: $FIX/text.txt:3: unknown token 'dog'"
	run -0 t embpack -v "$FIX/vocab.tsv" --unk=sat -b 10 -o "$out/a.pack" "$FIX/text.txt"
	run -0 pyread "$out/a.pack"
	assert_line "data 1 4 1 2 1 3 3 5 3"
	run -2 --separate-stderr t embpack -v "$FIX/vocab.tsv" --unk=zzz -o "$out/a.pack" "$FIX/text.txt"
	[[ "$stderr" == "embpack: --unk token 'zzz' is not in the vocabulary"* ]]
	run -2 t embpack --unk=skip "$FIX/ids.txt"
}

@test "embpack --to npz writes one archive per batch that numpy.load opens" {
	run -0 t embpack -b 3 --to npz --embed "$FIX/table.txt" -o "$out/npz" "$FIX/ids.txt"
	run -0 ls "$out/npz"
	assert_output "batch-000000.npz
batch-000001.npz
batch-000002.npz"
	run -0 $PY -c '
import numpy as np, sys
z = np.load(sys.argv[1])
print(sorted(z.files))
print(z["padded"].dtype, z["padded"].shape, z["vectors"].dtype, z["vectors"].shape)
print(z["data"].tolist())' "$out/npz/batch-000000.npz"
	assert_line "['batch_sizes', 'data', 'index', 'lengths', 'padded', 'sorted_indices', 'unsorted_indices', 'vectors']"
	assert_line "int64 (6, 3) float32 (14, 4)"
	assert_line "[5, 3, 9, 3, 1, 2, 5, 4, 6, 8, 1, 9, 5, 7]"
	run -0 unzip -tq "$out/npz/batch-000001.npz"
}

@test "embpack --embed zeroes the padding row and --max-norm bounds the norms" {
	run -0 t embpack -b 8 -p 3 --embed "$FIX/table.txt" --max-norm 1.5 -o "$out/a.pack" "$FIX/ids.txt"
	run -0 $PY -c '
import sys, numpy as np
sys.path.insert(0, sys.argv[2])
from embkit import pack
b = next(pack.read(sys.argv[1]))
v, d = b["vectors"], b["data"]
assert (v[d == 3] == 0).all(), "padding row not zero"
assert (np.linalg.norm(v, axis=1) <= 1.5 + 1e-5).all(), "norm above max"
assert (np.linalg.norm(v[d != 3], axis=1) > 0).all()
print("ok", v.shape)' "$out/a.pack" "$TOP/python"
	assert_output "ok (32, 4)"
}

@test "embpack output equals torch for many random sets (npz and PACK)" {
	$PY -c 'import torch' 2>/dev/null || skip "torch not installed"
	run -0 $PY "$TOP/tests/interop/embpack_torch.py" "$(command -v embpack)" "$BATS_TEST_TMPDIR" 30
	assert_output --partial "30 rounds, 0 failures"
}

@test "embpack stats and dump report a PACK file truncated mid-batch with the batch number" {
	run -0 t embpack -b 2 --level 0 -o "$out/a.pack" "$FIX/ids.txt"
	size=$(stat -c %s "$out/a.pack")
	head -c $((size - 100)) "$out/a.pack" >"$out/cut.pack"
	run -1 --separate-stderr t embpack stats "$out/cut.pack"
	assert_equal "$stderr" "embpack: $out/cut.pack: batch 3 truncated"
	run -1 --separate-stderr t embpack dump "$out/cut.pack"
	assert_equal "$stderr" "embpack: $out/cut.pack: batch 3 truncated"
	head -c $((size - 48)) "$out/a.pack" >"$out/noend.pack"
	run -1 --separate-stderr t embpack stats "$out/noend.pack"
	assert_equal "$stderr" "embpack: $out/noend.pack: truncated after batch 3 (no end record)"
	run -1 $PY "$READER" "$out/cut.pack"
	assert_output --partial "batch 3 truncated"
}

@test "embpack stats reports a gzip PACK cut inside a batch member" {
	run -0 t embpack -b 1000 -o "$out/a.pack" "$FIX/ids.txt"
	size=$(stat -c %s "$out/a.pack")
	head -c $((size / 2)) "$out/a.pack" >"$out/cut.pack"
	run -1 --separate-stderr t embpack stats "$out/cut.pack"
	assert_equal "$stderr" "embpack: $out/cut.pack: batch 0 truncated"
}

@test "embpack stats: a corrupt gzip PACK is corrupt and a cut one truncated, by path and from stdin" {
	run -0 t embpack -b 2 -o "$out/a.pack" "$FIX/ids.txt"
	size=$(stat -c %s "$out/a.pack")
	cp "$out/a.pack" "$out/crc.pack"
	printf '\x00' | dd of="$out/crc.pack" bs=1 seek=$((size - 6)) conv=notrunc 2>/dev/null
	run -1 --separate-stderr t embpack stats "$out/crc.pack"
	assert_equal "$stderr" "embpack: $out/crc.pack: corrupt gzip input (CRC mismatch in the member at byte 0)"
	run -1 --separate-stderr t embpack stats - <"$out/crc.pack"
	assert_equal "$stderr" "embpack: <stdin>: corrupt gzip input (CRC mismatch)"
	head -c $((size - 40)) "$out/a.pack" >"$out/cut.pack"
	run -1 --separate-stderr t embpack stats "$out/cut.pack"
	assert_equal "$stderr" "embpack: $out/cut.pack: batch 0 truncated"
	run -1 --separate-stderr t embpack stats - <"$out/cut.pack"
	[[ "$stderr" == "embpack: "*"truncated"* ]]
	[[ "$stderr" != *corrupt* ]]
}

@test "embpack stats rejects a corrupted batch by its CRC" {
	run -0 t embpack -b 4 --level 0 -o "$out/a.pack" "$FIX/ids.txt"
	printf '\x63' | dd of="$out/a.pack" bs=1 seek=120 conv=notrunc 2>/dev/null
	run -1 --separate-stderr t embpack stats "$out/a.pack"
	assert_equal "$stderr" "embpack: $out/a.pack: batch 0: bad payload CRC"
	run -1 --separate-stderr t embpack stats "$FIX/ids.txt"
	assert_equal "$stderr" "embpack: $FIX/ids.txt: not a PACK file"
}

@test "embpack reports a truncated gzip input" {
	make_truncated_gz "$FIX/ids.txt" "$out/in.gz"
	run -1 --separate-stderr t embpack -o "$out/a.pack" "$out/in.gz"
	assert_output ""
	[[ "$stderr" == *"truncated"* ]]
	[ ! -e "$out/a.pack" ]
}

@test "embpack of empty input writes a PACK with no batches" {
	run -0 t embpack -o "$out/a.pack" /dev/null
	run -0 t embpack stats "$out/a.pack"
	assert_line "batches	0"
	assert_line "padding_ratio	0.000000"
	: >"$out/empty"
	run -1 --separate-stderr t embpack stats "$out/empty"
	assert_equal "$stderr" "embpack: $out/empty: not a PACK file"
}

@test "embpack to /dev/full fails with status 1" {
	check_dev_full embpack -o /dev/full "$FIX/ids.txt"
}

@test "embpack dump to /dev/full fails with status 1" {
	t embpack -o "$out/a.pack" "$FIX/ids.txt"
	run --separate-stderr bash -c "$EMB_EXEC embpack dump '$out/a.pack' >/dev/full"
	assert_equal "$status" 1
	[[ "$stderr" == *"No space left on device"* ]]
}

@test "embpack into a closed pipe ends quietly" {
	seq 1 200000 | awk '{ print $1 % 1000, ($1 * 7) % 1000 }' >"$out/in.txt"
	check_closed_pipe t embpack --level 0 "$out/in.txt"
	t embpack -o "$out/a.pack" "$out/in.txt"
	check_closed_pipe t embpack dump "$out/a.pack"
}

@test "embpack memory is bounded by the bucket window, not by the input" {
	awk 'BEGIN { for (i = 0; i < 20000; i++) { s = i % 97; for (j = 0; j < i % 31; j++) s = s " " j; print s } }' >"$out/small.txt"
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do cat "$out/small.txt"; done >"$out/big.txt"
	small=$(peak_rss_kb embpack -b 32 --bucket 1000 -o "$out/s.pack" "$out/small.txt")
	big=$(peak_rss_kb embpack -b 32 --bucket 1000 -o "$out/b.pack" "$out/big.txt")
	echo "small $small KiB, big $big KiB"
	[ "$big" -lt $((small + 4096)) ]
}

@test "embpack reads a PACK gzipped whole by gzip(1) and from standard input" {
	run -0 t embpack -b 2 --level 0 -o "$out/a.pack" "$FIX/ids.txt"
	want=$(t embpack dump "$out/a.pack")
	gzip -c "$out/a.pack" >"$out/whole.pack"
	run -0 t embpack dump "$out/whole.pack"
	assert_output "$want"
	run -0 bash -c "$EMB_EXEC embpack dump <'$out/whole.pack'"
	assert_output "$want"
}

@test "a run killed by SIGKILL leaves .NAME.embkit.HOST.PID.XXXXXX; a later output there removes it once stale" {
	local host pid tmp
	host=$(uname -n | tr './' '__')
	mkfifo "$out/in"
	embpack -q -o "$out/k.pack" "$out/in" 2>/dev/null 3>&- &
	pid=$!
	exec 7>"$out/in"
	printf '1 2\n' >&7
	for _ in $(seq 100); do
		tmp=$(find "$out" -name ".k.pack.embkit.$host.$pid.??????")
		[ -n "$tmp" ] && break
		sleep 0.1
	done
	kill -9 "$pid"
	wait "$pid" || true
	exec 7>&-
	[ -n "$tmp" ] && [ -f "$tmp" ] && [ ! -e "$out/k.pack" ]
	# the killed run's file: kept while it may still be written (modified recently) ...
	run -0 t embpack -q -o "$out/a.pack" "$FIX/ids.txt"
	[ -f "$tmp" ]
	# ... removed once stale; files of a live process, another host or another pattern stay
	touch "$out/.x.embkit.$host.$$.AAAAAA" "$out/.y.embkit.elsewhere.$pid.AAAAAA" "$out/.z.pack.Ab12Cd"
	touch -d '1 hour ago' "$tmp" "$out"/.x.* "$out"/.y.* "$out"/.z.*
	run -0 t embpack -q -o "$out/b.pack" "$FIX/ids.txt"
	[ ! -e "$tmp" ]
	[ -f "$out/.x.embkit.$host.$$.AAAAAA" ] && [ -f "$out/.y.embkit.elsewhere.$pid.AAAAAA" ] &&
		[ -f "$out/.z.pack.Ab12Cd" ]
}
