#!/usr/bin/env bats
# embconv: every format, detection, options, and each bad input of issue 3.
bats_require_minimum_version 1.5.0
load helpers

setup() {
	T=$BATS_TEST_TMPDIR
}

# refuses FILE MESSAGE: embconv FILE exits 1 with "embconv: MESSAGE" and writes nothing.
refuses() {
	run -1 --separate-stderr t embconv "$1" "$T/out.emb"
	assert_equal "$stderr" "embconv: $2"
	[ ! -e "$T/out.emb" ]
}

# A word2vec binary file of N rows x D dims from Python-free shell: via our own text writer.
make_bin() { t embconv -q "$FIX/small.txt" "$1"; }

@test "embconv --help prints usage on stdout and lists every option in the man page" {
	check_help embconv
}

@test "embconv rejects an unknown option with status 2" {
	check_bad_option embconv
}

@test "embconv writing to /dev/full fails with status 1" {
	check_dev_full embconv -t word2vec "$FIX/small.txt" /dev/full
}

@test "embconv into a closed pipe ends quietly" {
	seq 1 20000 | awk '{print "w" $1, $1 / 7, -$1, 0.5}' >"$T/big.txt"
	check_closed_pipe t embconv -t word2vec "$T/big.txt" -
}

@test "embconv names a truncated gzip input and leaves no output" {
	make_truncated_gz "$FIX/small.vec" "$T/cut.vec.gz"
	run -1 --separate-stderr t embconv "$T/cut.vec.gz" "$T/out.emb"
	[[ "$stderr" == *"cut.vec.gz"*"truncated"* ]] || [[ "$stderr" == *"cut.vec.gz"*"unexpected end"* ]]
	[ ! -e "$T/out.emb" ]
}

@test "embconv says an empty file is empty and exits 1" {
	refuses "$FIX/empty.txt" "$FIX/empty.txt: empty input"
}

@test "embconv detects GloVe and writes word2vec text with a header" {
	run -0 t embconv -t word2vec "$FIX/small.txt"
	assert_line --index 0 "4 3"
	assert_line --index 1 "the 0.418 0.24968 -0.41242"
}

@test "embconv picks the output format from the name, .gz adding gzip" {
	t embconv "$FIX/small.vec" "$T/a.txt.gz"
	[ "$(head -c 2 "$T/a.txt.gz" | od -An -tx1 | tr -d ' ')" = 1f8b ]
	run -0 bash -c "zcat '$T/a.txt.gz' | head -1"
	assert_output "the 0.418 0.24968 -0.41242"
	t embconv "$FIX/small.vec" "$T/a.bin"
	run -0 head -c 4 "$T/a.bin"
	assert_output "4 3"
}

@test "embconv sniffs word2vec binary, gzip and EMB by their bytes, not their names" {
	t embconv "$FIX/small.txt" "$T/x.bin"
	cp "$T/x.bin" "$T/renamed.txt"
	gzip -c "$T/x.bin" >"$T/x.data"
	t embconv "$FIX/small.txt" "$T/y.emb"
	cp "$T/y.emb" "$T/y.vec"
	for f in renamed.txt x.data y.vec; do
		run -0 t embconv -t glove "$T/$f"
		assert_output "$(cat "$FIX/small.txt")"
	done
}

@test "embconv --from overrides detection" {
	run -1 --separate-stderr t embconv --from word2vec "$FIX/small.txt"
	assert_equal "$stderr" "embconv: $FIX/small.txt:1: expected a 'ROWS DIM' header"
}

@test "embconv binary to text to binary is bit-exact" {
	awk 'BEGIN{srand(5); for(i=0;i<3;i++){printf "t%d", i; for(j=0;j<4;j++) printf " %.9g", (rand()-0.5)*10^(int(rand()*12)-6); print ""}}' >"$T/r.txt"
	t embconv "$T/r.txt" "$T/a.bin"
	t embconv "$T/a.bin" "$T/a.vec"
	t embconv "$T/a.vec" "$T/b.bin"
	cmp "$T/a.bin" "$T/b.bin"
}

@test "embconv EMB round trips bit-exact, compressed and raw" {
	t embconv "$FIX/small.txt" "$T/a.bin"
	t embconv "$T/a.bin" "$T/z.emb"
	t embconv --level 0 "$T/a.bin" "$T/r.emb"
	[ "$(head -c 2 "$T/z.emb" | od -An -tx1 | tr -d ' ')" = 1f8b ]
	[ "$(head -c 4 "$T/r.emb" | tail -c 3)" = EMB ]
	t embconv "$T/z.emb" "$T/z.bin"
	t embconv "$T/r.emb" "$T/r.bin"
	cmp "$T/a.bin" "$T/z.bin"
	cmp "$T/a.bin" "$T/r.bin"
	matx=$(grep -obUa MATX "$T/r.emb" | cut -d: -f1)
	[ $(( (matx + 16) % 64 )) -eq 0 ] # the matrix payload is 64-byte aligned for mmap
}

@test "embconv reports a corrupted EMB file with the byte offset" {
	t embconv --level 0 "$FIX/small.txt" "$T/r.emb"
	size=$(stat -c %s "$T/r.emb")
	printf '\x7f' | dd of="$T/r.emb" bs=1 seek=$((size - 5)) conv=notrunc 2>/dev/null
	# a streamed read checks the matrix CRC (a mapped open does not read the matrix)
	run -1 --separate-stderr bash -c "cat '$T/r.emb' | embconv -t glove"
	assert_equal "$stderr" "embconv: <stdin>: byte $((size - 48)): MATX section CRC mismatch"
	printf '\x01' | dd of="$T/r.emb" bs=1 seek=20 conv=notrunc 2>/dev/null
	run -1 --separate-stderr t embconv -t glove "$T/r.emb"
	assert_equal "$stderr" "embconv: $T/r.emb: byte 60: header CRC mismatch"
}

@test "embconv reports a binary file cut inside a row by byte offset" {
	make_bin "$T/a.bin"
	head -c $(( $(stat -c %s "$T/a.bin") - 5 )) "$T/a.bin" >"$T/cut.bin"
	run -1 --separate-stderr t embconv "$T/cut.bin" "$T/out.vec"
	assert_equal "$stderr" "embconv: $T/cut.bin: byte 51: input ends inside row 4"
	[ ! -e "$T/out.vec" ]
}

@test "embconv reads word2vec binary with and without the newline after each row" {
	make_bin "$T/a.bin"
	# strip the '\n' after each 4 + 1 + 12-byte row the way gensim writes them
	/usr/bin/python3 - "$T/a.bin" "$T/nonl.bin" <<-'PY'
	import sys
	d = open(sys.argv[1], "rb").read()
	head, rest = d.split(b"\n", 1)
	out, i = [head + b"\n"], 0
	while i < len(rest):
	    sp = rest.index(b" ", i)
	    out.append(rest[i:sp + 1 + 12]); i = sp + 1 + 12 + 1
	open(sys.argv[2], "wb").write(b"".join(out))
	PY
	[ "$(stat -c %s "$T/nonl.bin")" -eq $(( $(stat -c %s "$T/a.bin") - 4 )) ]
	run -0 t embconv -t glove "$T/nonl.bin"
	assert_output "$(cat "$FIX/small.txt")"
}

@test "embconv names file and line of a short row, exits 1, leaves no output" {
	refuses "$FIX/short-row.txt" "$FIX/short-row.txt:3: expected 5 fields, found 4"
}

@test "embconv names a row with too many fields" {
	refuses "$FIX/long-row.txt" "$FIX/long-row.txt:2: expected 4 fields, found 5"
}

@test "embconv names a value that is not a number" {
	refuses "$FIX/notnum.vec" "$FIX/notnum.vec:3: field 3: 'x' is not a number"
}

@test "embconv refuses NaN unless --allow-nonfinite, and --stats counts it" {
	refuses "$FIX/nan.txt" "$FIX/nan.txt:2: field 3: non-finite value 'nan'"
	run -0 t embconv --allow-nonfinite --stats "$FIX/nan.txt"
	assert_line "nonfinite	1"
}

@test "embconv accepts CRLF line ends" {
	run -0 t embconv -t glove "$FIX/crlf.txt"
	assert_output "$(printf 'the 0.418 0.24968 -0.41242\nof 0.70853 0.57088 -0.4716')"
}

@test "embconv skips a UTF-8 BOM" {
	run -0 t embconv -t glove "$FIX/bom.txt"
	assert_line --index 0 "the 0.418 0.24968 -0.41242"
}

@test "embconv ignores trailing spaces (fastText .vec rows end in one)" {
	run -0 t embconv -t glove "$FIX/trailing.vec"
	assert_line --index 1 "of 0.70853 0.57088 -0.4716"
}

@test "embconv skips empty lines, and --strict refuses them" {
	run -0 t embconv -t word2vec "$FIX/blank.txt"
	assert_line --index 0 "2 3"
	run -1 --separate-stderr t embconv --strict "$FIX/blank.txt" "$T/o.vec"
	assert_equal "$stderr" "embconv: $FIX/blank.txt:2: empty line"
}

@test "embconv keeps words that look like numbers" {
	run -0 t embconv -t word2vec "$FIX/numword.txt"
	assert_line --index 1 "1.5 1 2 3"
	assert_line --index 3 "1e3 7 8 9"
}

@test "embconv keeps non-UTF-8 words as bytes" {
	t embconv "$FIX/nonutf8.txt" "$T/a.emb"
	t embconv "$T/a.emb" "$T/a.txt"
	cmp "$FIX/nonutf8.txt" "$T/a.txt"
}

@test "embconv reads GloVe words holding spaces, and refuses them in word2vec" {
	run -0 t embconv -t glove "$FIX/spaces.txt"
	assert_output "$(cat "$FIX/spaces.txt")"
	run -1 --separate-stderr t embconv "$FIX/spaces.txt" "$T/o.bin"
	assert_equal "$stderr" "embconv: token '. . .' holds a space, which this format cannot store"
	[ ! -e "$T/o.bin" ]
}

@test "embconv refuses dimension 0" {
	refuses "$FIX/dim0.vec" "$FIX/dim0.vec:1: dimension 0 in header"
	refuses "$FIX/dim0.txt" "$FIX/dim0.txt:1: dimension 0: the first row has no numbers after its word"
}

@test "embconv refuses an absurd dimension before allocating" {
	refuses "$FIX/absurd-dim.vec" "$FIX/absurd-dim.vec:1: absurd dimension 999999999999 in header (limit 1048576)"
}

@test "embconv does not allocate for a header claiming 2^40 rows" {
	rss=$(peak_rss_kb embconv "$FIX/absurd-rows.vec" "$T/o.emb")
	[ "$rss" -lt 60000 ] || { echo "peak RSS ${rss} KiB"; return 1; }
	run -0 t embconv -t glove "$T/o.emb"
	assert_output "$(printf 'a 1 2 3\nb 4 5 6')"
}

@test "embconv warns when the header count differs, and --strict makes it an error" {
	for f in header-more header-less; do
		run -0 --separate-stderr t embconv "$FIX/$f.vec" "$T/$f.vec"
		[[ "$stderr" == "embconv: warning: $FIX/$f.vec: header says "*" rows, found 2" ]]
		assert_equal "$(head -1 "$T/$f.vec")" "2 3"
		run -1 --separate-stderr t embconv --strict "$FIX/$f.vec" "$T/s.vec"
		[ ! -e "$T/s.vec" ]
	done
}

@test "embconv fixes a lying header in a streamed text conversion to standard output" {
	run -0 --separate-stderr t embconv -q -t word2vec "$FIX/header-more.vec"
	assert_equal "$output" "$(printf '2 3\na 1 2 3\nb 4 5 6')"
	cat "$FIX/header-more.vec" | { run -0 t embconv -q -t word2vec; assert_line --index 0 "2 3"; }
}

@test "embconv --dedupe: error by default, first or last on request" {
	refuses "$FIX/dup.txt" "$FIX/dup.txt:3: duplicate token 'a' (first in row 1)"
	run -0 t embconv --dedupe first -t glove "$FIX/dup.txt"
	assert_output "$(printf 'a 1 2 3\nb 4 5 6')"
	run -0 t embconv --dedupe last -t glove "$FIX/dup.txt"
	assert_output "$(printf 'a 7 8 9\nb 4 5 6')"
	run -0 t embconv --dedupe first --stats "$FIX/dup.txt"
	assert_line "duplicates	1"
}

@test "embconv --limit keeps the first rows and the header says so" {
	run -0 t embconv --limit 2 -t word2vec "$FIX/small.txt"
	assert_output "$(printf '2 3\nthe 0.418 0.24968 -0.41242\n, 0.013441 0.23682 -0.16899')"
	t embconv --level 0 "$FIX/small.txt" "$T/r.emb"
	run -0 t embconv --limit 1 -t glove "$T/r.emb"
	assert_output "the 0.418 0.24968 -0.41242"
}

@test "embconv --header and --no-header switch text output between word2vec and GloVe" {
	run -0 t embconv -t word2vec --no-header "$FIX/small.vec"
	assert_output "$(cat "$FIX/small.txt")"
	run -0 t embconv -t glove --header "$FIX/small.txt"
	assert_output "$(cat "$FIX/small.vec")"
}

@test "embconv --precision prints fixed digits" {
	run -0 t embconv -t glove --precision 2 --limit 1 "$FIX/small.txt"
	assert_output "the 0.42 0.25 -0.41"
}

@test "embconv --vocab builds the rows in the vocabulary's order, <pad> as zeros" {
	run -0 --separate-stderr t embconv --vocab "$FIX/vocab.tsv" --missing zero -t glove "$FIX/small.txt"
	assert_output "$(printf 'of 0.70853 0.57088 -0.4716\n<pad> 0 0 0\nthe 0.418 0.24968 -0.41242\nzebra 0 0 0')"
	t embconv --vocab "$FIX/vocab.tsv" --missing zero "$FIX/small.txt" "$T/v.emb"
	run -0 t embconv --stats "$T/v.emb"
	assert_line "rows	4"
}

@test "embconv --vocab names the missing tokens unless --missing says what to do" {
	run -1 --separate-stderr t embconv --vocab "$FIX/vocab.tsv" "$FIX/small.txt" "$T/o.emb"
	assert_equal "$stderr" "embconv: $FIX/vocab.tsv: 1 token is missing from $FIX/small.txt, the first 'zebra'"
	[ ! -e "$T/o.emb" ]
}

@test "embconv --missing normal|uniform is random, seeded and reproducible" {
	for how in normal uniform; do
		a=$(t embconv --vocab "$FIX/vocab.tsv" --missing $how --seed 3 -t glove "$FIX/small.txt")
		b=$(t embconv --vocab "$FIX/vocab.tsv" --missing $how --seed 3 -t glove "$FIX/small.txt")
		c=$(t embconv --vocab "$FIX/vocab.tsv" --missing $how --seed 4 -t glove "$FIX/small.txt")
		[ "$a" = "$b" ] && [ "$a" != "$c" ]
		zebra=$(grep '^zebra ' <<<"$a")
		[ "$zebra" != "zebra 0 0 0" ]
		grep -qx '<pad> 0 0 0' <<<"$a"
	done
}

@test "embconv --padding-idx zeroes that row" {
	run -0 t embconv --padding-idx 1 -t glove "$FIX/small.txt"
	assert_line --index 1 ", 0 0 0"
	run -2 --separate-stderr t embconv --padding-idx 9 -t glove "$FIX/small.txt"
	[[ "$stderr" == *"padding index 9 is out of range"* ]]
}

@test "embconv --normalize gives unit rows" {
	run -0 t embconv --normalize --stats "$FIX/small.txt" "$T/n.vec"
	run -0 t embconv --stats "$T/n.vec"
	assert_line "norm_min	1"
	assert_line "norm_max	1"
}

@test "embconv --max-norm renormalises rows over the bound like torch" {
	run -0 t embconv --max-norm 0.5 "$FIX/small.txt" "$T/m.vec"
	run -0 t embconv --stats "$T/m.vec"
	assert_line "norm_min	0.291242"
	assert_line "norm_max	0.5"
	run -0 t embconv --max-norm 0.5 --norm-type inf -t glove --limit 1 "$FIX/small.txt"
	assert_output "the 0.418 0.24968 -0.41242"
	run -2 t embconv --norm-type 0 --max-norm 1 "$FIX/small.txt"
}

@test "embconv --dtype f16 writes a smaller EMB that reads back rounded to float16" {
	t embconv --level 0 "$FIX/small.txt" "$T/a.emb"
	t embconv --level 0 --dtype f16 "$FIX/small.txt" "$T/h.emb"
	[ "$(stat -c %s "$T/h.emb")" -le "$(stat -c %s "$T/a.emb")" ]
	run -0 t embconv -t glove --limit 1 "$T/h.emb"
	assert_output "the 0.41796875 0.24963379 -0.41235352"
	run -2 t embconv --dtype f16 "$FIX/small.txt" "$T/x.vec"
}

@test "embconv --stats without OUTPUT prints the report on stdout and writes nothing" {
	run -0 --separate-stderr t embconv --stats "$FIX/small.txt"
	assert_line "rows	4"
	assert_line "dim	3"
	assert_line "zero_rows	0"
	[ -z "$stderr" ]
}

@test "embconv reads standard input and writes standard output" {
	run -0 bash -c "cat '$FIX/small.txt' | embconv -t word2vec-bin | embconv -t glove"
	assert_output "$(cat "$FIX/small.txt")"
}

@test "embconv refuses binary output to a terminal and bad usage" {
	run -2 t embconv -t nosuch "$FIX/small.txt"
	run -2 t embconv a b c
	run -2 t embconv --missing zero "$FIX/small.txt"
	run -2 t embconv --dedupe maybe "$FIX/small.txt"
}

@test "embconv streams text to text in bounded memory" {
	awk 'BEGIN{srand(1); for(i=0;i<60000;i++){printf "w%d", i; for(j=0;j<50;j++) printf " %.6f", rand()-0.5; print ""}}' >"$T/big.txt"
	# (a sanitizer's quarantine of freed blocks is not our memory)
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0
	rss=$(peak_rss_kb embconv -j 1 -t word2vec "$T/big.txt" "$T/big.vec")
	rss3=$(peak_rss_kb embconv -j 3 -t word2vec "$T/big.txt" "$T/big.vec")
	table=$(peak_rss_kb embconv "$T/big.txt" "$T/big.bin")
	# the matrix is 12 MB: streaming holds the vocabulary and buffers only, the table path
	# the matrix too (compared, not absolute, so that sanitizer builds pass as well); each
	# formatting thread adds two chunks of about 1 MB (5 under ASan), not the 28 MB of text
	[ $((rss + 5000)) -lt "$table" ] || { echo "peak RSS ${rss} KiB streaming, ${table} KiB table"; return 1; }
	[ "$rss3" -lt $((rss + 20000)) ] || { echo "peak RSS ${rss3} KiB with -j 3, ${rss} KiB with -j 1"; return 1; }
	[ "$(head -1 "$T/big.vec")" = "60000 50" ]
}

# A table of 3000 rows x 50 (shortest text spans several formatting chunks of 64k values).
make_wide() {
	awk 'BEGIN{srand(3); for(i=0;i<3000;i++){printf "w%d", i; for(j=0;j<50;j++) printf " %.7g", (rand()-0.5)*10^int(rand()*8-4); print ""}}' >"$1"
}

@test "embconv -j 3 writes word2vec, GloVe and --precision text byte for byte as -j 1" {
	make_wide "$T/wide.txt"
	t embconv -q "$T/wide.txt" "$T/wide.emb"
	for args in "-t word2vec" "-t glove" "-t word2vec --precision 4" "-t glove --precision 9"; do
		for src in wide.txt wide.emb; do
			# shellcheck disable=SC2086
			t embconv -q -j 1 $args "$T/$src" "$T/one" && t embconv -q -j 3 $args "$T/$src" "$T/three"
			cmp "$T/one" "$T/three" || { echo "differs: $args from $src"; return 1; }
		done
	done
	[ "$(wc -l <"$T/one")" = 3000 ]
}

@test "embconv -j 3 compresses gzip output (several members) byte for byte as -j 1" {
	make_wide "$T/wide.txt"
	t embconv -q -j 1 -t word2vec "$T/wide.txt" "$T/one.vec.gz"
	t embconv -q -j 3 -t word2vec "$T/wide.txt" "$T/three.vec.gz"
	cmp "$T/one.vec.gz" "$T/three.vec.gz"
	t embconv -q -j 1 -t word2vec "$T/wide.txt" "$T/plain.vec"
	zcat "$T/three.vec.gz" | cmp - "$T/plain.vec"
	[ "$(stat -c %s "$T/plain.vec")" -gt 1100000 ] # more than one 1 MiB member
}

@test "embconv -j 3 reports a token a format cannot hold as -j 1 does and leaves no output" {
	make_wide "$T/wide.txt"
	awk 'NR == 2500 { sub(/^w2499/, "bad word") } { print }' "$T/wide.txt" >"$T/bad.txt"
	for j in 1 3; do
		run -1 --separate-stderr t embconv -j $j -t word2vec "$T/bad.txt" "$T/out$j.vec"
		assert_equal "$stderr" "embconv: token 'bad word' holds a space, which this format cannot store"
		[ ! -e "$T/out$j.vec" ]
	done
}

@test "embconv -j 3 writing text to /dev/full fails with status 1" {
	make_wide "$T/wide.txt"
	check_dev_full embconv -j 3 -t word2vec "$T/wide.txt" /dev/full
}

@test "embconv -j 3 into a closed pipe ends quietly" {
	make_wide "$T/wide.txt"
	check_closed_pipe t embconv -j 3 -t glove "$T/wide.txt" -
}

@test "embconv rejects --threads 0 as a usage error" {
	run -2 --separate-stderr t embconv -j 0 "$FIX/small.txt" "$T/out.vec"
	[[ "$stderr" == *"invalid --threads '0'"* ]]
}

@test "gensim loads what embconv writes (binary bit-exact, text within the printed precision)" {
	/usr/bin/python3 "$TOP/tests/interop/embconv_gensim.py" ours-to-gensim "$T"
}

@test "embconv converts what gensim writes losslessly" {
	/usr/bin/python3 "$TOP/tests/interop/embconv_gensim.py" gensim-to-ours "$T"
}

@test "binary to text to binary and EMB round trips agree with gensim, f16 with numpy" {
	/usr/bin/python3 "$TOP/tests/interop/embconv_gensim.py" roundtrip "$T"
}

@test "embconv parses 6-decimal text exactly as numpy's correctly rounded float32" {
	/usr/bin/python3 "$TOP/tests/interop/embconv_gensim.py" parse "$T"
}

@test "embconv --max-norm matches torch.nn.Embedding(max_norm) for p = 1, 2, 3, inf" {
	/usr/bin/python3 "$TOP/tests/interop/embconv_torch.py" "$BATS_TEST_TMPDIR"
}

@test "one token rule: a NUL byte in a token is refused by every reader, naming file and place" {
	cd "$T"
	printf 'a\0b 1 2\nc 3 4\n' >nul.txt
	refuses nul.txt "nul.txt:1: token 'a\x00b' holds a NUL byte"
	printf '2 2\na\0b 1 2\nc 3 4\n' >nul.vec
	refuses nul.vec "nul.vec:2: token 'a\x00b' holds a NUL byte"
	printf '1 1\na\nb \0\0\0\0\n' >lf.bin
	refuses lf.bin "lf.bin: byte 4: token 'a\x0ab' holds a line end"
	printf '1 1\na\0b \0\0\0\0\n' >nul.bin
	refuses nul.bin "nul.bin: byte 4: token 'a\x00b' holds a NUL byte"
}

@test "an EMB file with a NUL inside a token is refused the same raw-mapped and gzip-streamed" {
	cd "$T"
	printf 'ab 1 2\ncd 3 4\n' >ok.txt
	t embconv --level 0 ok.txt raw.emb
	# TOKS holds "ab\0cd\0": turn the 'b' into a NUL and fix the section CRC
	python3 - raw.emb <<'PY'
import struct, sys, zlib
p = sys.argv[1]; b = bytearray(open(p, 'rb').read())
i = b.index(b'TOKS'); n = struct.unpack_from('<Q', b, i + 8)[0]; at = i + 16
b[at + 1] = 0
struct.pack_into('<I', b, i + 4, zlib.crc32(bytes(b[at:at + n])))
open(p, 'wb').write(bytes(b))
PY
	gzip -c raw.emb >gz.emb
	refuses raw.emb "raw.emb: byte 192: token 'a\x00' holds a NUL byte"
	refuses gz.emb "gz.emb: byte 192: token 'a\x00' holds a NUL byte"
	run -1 --separate-stderr t embquery raw.emb vec cd
	assert_equal "$stderr" "embquery: raw.emb: byte 192: token 'a\x00' holds a NUL byte"
}

@test "--unicode-errors: keep (default, one warning with a count), strict, replace, ignore" {
	cd "$T"
	printf 'caf\xe9 1 2\nb\xff 3 4\nok 5 6\n' >l1.txt
	run -0 --separate-stderr t embconv l1.txt -t glove
	assert_equal "$stderr" "embconv: warning: l1.txt: 2 tokens are not valid UTF-8: invalid bytes kept as they are"
	[ "$output" = "$(cat l1.txt)" ]
	run -1 --separate-stderr t embconv --unicode-errors=strict l1.txt -t glove
	assert_equal "$stderr" "embconv: l1.txt:1: token 'caf$(printf '\xe9')' is not valid UTF-8"
	run -0 --separate-stderr t embconv --unicode-errors=replace l1.txt -t glove
	assert_output "$(printf 'caf\xef\xbf\xbd 1 2\nb\xef\xbf\xbd 3 4\nok 5 6')"
	run -0 --separate-stderr t embconv --unicode-errors=ignore l1.txt -t glove
	assert_output "$(printf 'caf 1 2\nb 3 4\nok 5 6')"
	assert_equal "$stderr" "embconv: warning: l1.txt: 2 tokens are not valid UTF-8: invalid bytes dropped"
	t embconv -q l1.txt l1.emb
	run -0 t embconv -q --unicode-errors=replace l1.emb -t glove
	assert_output "$(printf 'caf\xef\xbf\xbd 1 2\nb\xef\xbf\xbd 3 4\nok 5 6')"
	run -2 t embconv --unicode-errors=lenient l1.txt
}

@test "--unicode-errors=replace makes a word2vec binary file that gensim reads" {
	cd "$T"
	printf 'caf\xe9 1 2\nok 3 4\n' >l1.txt
	t embconv -q --unicode-errors=replace l1.txt fixed.bin
	/usr/bin/python3 -c 'import sys
from gensim.models import KeyedVectors
kv = KeyedVectors.load_word2vec_format(sys.argv[1], binary=True)
assert "caf\ufffd" in kv.key_to_index, kv.index_to_key' fixed.bin
}

@test "a vocabulary ('token count') is refused as a table; a bad header is named as one" {
	cd "$T"
	printf 'the\t620391\nof\t455539\n' >v.tsv
	refuses v.tsv "v.tsv:1: a vocabulary ('token count' lines), not an embedding table (name the format glove to read it as a table of dimension 1)"
	printf 'the 620391\nof 455539\n' >v.txt
	refuses v.txt "v.txt:1: a vocabulary ('token count' lines), not an embedding table (name the format glove to read it as a table of dimension 1)"
	run -0 t embconv --from glove v.txt -t glove
	printf -- '3 -4\na 1 2 3 4\n' >h.txt
	refuses h.txt "h.txt:1: bad 'ROWS DIM' header '3 -4': the row count must be 0 to 281474976710656 and the dimension 1 to 1048576"
	printf -- '3 99999999999999999999\na 1 2 3 4\n' >h2.txt
	refuses h2.txt "h2.txt:1: bad 'ROWS DIM' header '3 99999999999999999999': the row count must be 0 to 281474976710656 and the dimension 1 to 1048576"
	printf 'a 1 2\n 3 4\n' >e.txt
	refuses e.txt "e.txt:2: the row starts with a space: its word is empty"
}

@test "a gzip bomb of one 1 GiB token line is refused within bounded memory (ulimit -v)" {
	[[ "$EMB_BUILD" != *san* ]] || skip "AddressSanitizer reserves more address space than the limit"
	[ -z "$EMB_EXEC" ] || skip "not under $EMB_EXEC"
	cd "$T"
	gzip_bomb x bomb.gz
	run -1 --separate-stderr bash -c "ulimit -v 150000; exec embconv -j 1 bomb.gz out.emb"
	assert_equal "$stderr" "embconv: bomb.gz:1: line longer than the token limit (1048576 bytes) plus 1 KiB a value"
	printf '2 2\n' >big.vec
	head -c 2000000 /dev/zero | tr '\0' x >>big.vec
	printf ' 1 2\nb 3 4\n' >>big.vec
	run -1 --separate-stderr t embconv --from word2vec big.vec -t glove
	assert_equal "$stderr" "embconv: big.vec:2: token '$(printf 'x%.0s' $(seq 60))...' is longer than the token limit of 1048576 bytes"
	run -0 t embconv --from word2vec --max-token=2000000 big.vec -t glove
	run -2 t embconv --max-token=0 big.vec
}
