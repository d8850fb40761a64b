#!/usr/bin/env bats
# tokvocab: count, merge, encode, decode; the shared hostile cases and every bad input of issue 2.
bats_require_minimum_version 1.5.0
load helpers

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# ---- shared hostile cases ----

@test "tokvocab --help and every command's --help list every option, also in the man page" {
	check_help tokvocab
	for cmd in count merge encode decode; do
		check_help tokvocab "$cmd"
	done
}

@test "tokvocab --list-options names the commands; completion finds them" {
	run -0 t tokvocab --list-options
	assert_line count
	assert_line merge
	assert_line encode
	assert_line decode
	assert_line --help
}

@test "a bad option, an unknown or missing command are usage errors (status 2)" {
	check_bad_option tokvocab
	for cmd in count merge encode decode; do
		check_bad_option tokvocab "$cmd"
	done
	run -2 --separate-stderr t tokvocab frobnicate
	assert_equal "$stderr" "tokvocab: unknown command 'frobnicate'
Try 'tokvocab --help' for more information."
	run -2 --separate-stderr t tokvocab
	run -2 --separate-stderr t tokvocab merge
	run -2 --separate-stderr t tokvocab encode "$FIX/text.txt"
	[[ $stderr == *"encode needs a vocabulary (-v FILE)"* ]]
	run -2 --separate-stderr t tokvocab count --min-count=x "$FIX/text.txt"
	run -2 --separate-stderr t tokvocab count --split=chars "$FIX/text.txt"
	run -2 --separate-stderr t tokvocab count --threads=0 "$FIX/text.txt"
	run -2 --separate-stderr t tokvocab count --specials='<pad>,,<unk>' "$FIX/text.txt"
	run -2 --separate-stderr t tokvocab count --specials='<pad>,<unk>' --max-size=1 "$FIX/text.txt"
	run -2 --separate-stderr t tokvocab count --specials='<pad>,<pad>' "$FIX/text.txt"
	assert_equal "$stderr" "tokvocab: special token '<pad>' is listed twice
Try 'tokvocab --help' for more information."
	run -2 --separate-stderr t tokvocab encode -v "$FIX/specials.tsv" --bos --eos --max-len=2 "$FIX/text.txt"
}

@test "tokvocab --version" {
	run -0 t tokvocab --version
	assert_output --partial "tokvocab (embkit)"
}

@test "writing to /dev/full is an error (status 1) for every command" {
	check_dev_full tokvocab count "$FIX/text.txt" -o /dev/full
	check_dev_full tokvocab merge "$FIX/specials.tsv" -o /dev/full
	check_dev_full tokvocab encode -v "$FIX/specials.tsv" "$FIX/text.txt" -o /dev/full
	printf '4 5\n' >ids.txt
	check_dev_full tokvocab decode -v "$FIX/specials.tsv" ids.txt -o /dev/full
	run -1 --separate-stderr t tokvocab count "$FIX/text.txt" -o /dev/full
}

@test "a closed pipe ends tokvocab quietly" {
	seq 1 300000 >many.txt
	check_closed_pipe tokvocab count many.txt
	check_closed_pipe tokvocab count -j 1 many.txt
	t tokvocab count many.txt -o many.tsv
	check_closed_pipe tokvocab encode -v many.tsv many.txt
}

# ---- count ----

@test "count writes token<TAB>count, most frequent first, ties by bytes" {
	run -0 --separate-stderr t tokvocab count "$FIX/text.txt"
	assert_output "the	4
a	2
cat	2
dog	2
on	2
sat	2
and	1
log	1
mat	1"
	[ -z "$stderr" ]
}

@test "count reads standard input, several files, and gzip by its magic bytes" {
	t tokvocab count "$FIX/text.txt" >want.tsv
	t tokvocab count <"$FIX/text.txt" >stdin.tsv
	cmp want.tsv stdin.tsv
	gzip -c "$FIX/text.txt" >text.data
	t tokvocab count text.data >gz.tsv
	cmp want.tsv gz.tsv
	run -0 t tokvocab count "$FIX/text.txt" - <"$FIX/text.txt"
	assert_line "the	8"
}

@test "count --min-count, --max-size and --specials (specials count toward --max-size)" {
	run -0 t tokvocab count --min-count=2 "$FIX/text.txt"
	assert_equal "${#lines[@]}" 6
	run -0 t tokvocab count --specials='<pad>,<unk>' --max-size=4 "$FIX/text.txt"
	assert_output "<pad>	0
<unk>	0
the	4
a	2"
	run -0 t tokvocab count --max-size=1 "$FIX/text.txt"
	assert_output "the	4"
}

@test "a special that occurs in the text keeps its count and is listed once" {
	printf 'x <unk> y <unk>\n' >u.txt
	run -0 t tokvocab count --specials='<pad>,<unk>' u.txt
	assert_output "<pad>	0
<unk>	2
x	1
y	1"
}

@test "count -o writes the file atomically; -z gzips it" {
	t tokvocab count "$FIX/text.txt" -o v.tsv
	run -0 head -n 1 v.tsv
	assert_output "the	4"
	t tokvocab count -z "$FIX/text.txt" -o v.gz
	run -0 sh -c 'zcat v.gz | head -n 1'
	assert_output "the	4"
	t tokvocab count "$FIX/text.txt" -o v2.tsv.gz
	zcat v2.tsv.gz | cmp - v.tsv
}

@test "empty input and whitespace-only input give an empty vocabulary, status 0" {
	: >empty.txt
	run -0 --separate-stderr t tokvocab count empty.txt
	assert_output ""
	printf ' \t\r\n\n\v\f \n' >ws.txt
	run -0 --separate-stderr t tokvocab count ws.txt -o ws.tsv
	[ -e ws.tsv ] && [ ! -s ws.tsv ]
	run -0 t tokvocab count --specials='<unk>' empty.txt
	assert_output "<unk>	0"
}

@test "CRLF line ends: CR is whitespace, never part of a token" {
	printf 'a b\r\nb\r\n' >crlf.txt
	run -0 t tokvocab count crlf.txt
	assert_output "b	2
a	1"
}

@test "a NUL byte in the text is refused, naming the file, byte and token (one rule)" {
	printf 'a b\0c a\n' >nul.txt
	for mode in "" --lower "--split=words"; do
		run -1 --separate-stderr t tokvocab count $mode nul.txt
		assert_equal "$stderr" "tokvocab: nul.txt: byte 2: token 'b\x00c' holds a NUL byte"
	done
	printf 'a\t1\n' >v.tsv
	run -1 --separate-stderr t tokvocab encode -v v.tsv nul.txt
	assert_equal "$stderr" "tokvocab: nul.txt:1: token 'b\x00c' holds a NUL byte"
	printf 'a\t1\n"b\0c"\t2\n' >vnul.tsv
	run -1 --separate-stderr t tokvocab merge vnul.tsv
	assert_equal "$stderr" "tokvocab: vnul.tsv:2: token 'b\x00c' holds a NUL byte"
}

@test "a token of 10 MB is refused by default, and counted, encoded and decoded under --max-token" {
	head -c 10000000 /dev/zero | tr '\0' 'x' >big.txt
	printf ' y\n' >>big.txt
	run -1 --separate-stderr t tokvocab count big.txt -o big.tsv
	assert_equal "$stderr" "tokvocab: big.txt: byte 0: token '$(printf 'x%.0s' $(seq 60))...' is longer than the token limit of 1048576 bytes"
	[ ! -e big.tsv ]
	t tokvocab count --max-token=10000000 big.txt -o big.tsv
	run -0 cut -f 2 big.tsv
	assert_output "1
1"
	[ "$(head -n 1 big.tsv | wc -c)" -eq 10000003 ]
	run -1 t tokvocab encode -v big.tsv big.txt
	run -0 t tokvocab encode --max-token=10000000 -v big.tsv big.txt
	assert_output "0 1"
	echo "0 1" | t tokvocab decode --max-token=10000000 -v big.tsv | cmp - big.txt
}

@test "a gzip bomb of one 1 GiB token is refused within a bounded memory (ulimit -v)" {
	[[ "$EMB_BUILD" != *san* ]] || skip "AddressSanitizer reserves more address space than the limit"
	[ -z "$EMB_EXEC" ] || skip "not under $EMB_EXEC"
	gzip_bomb x bomb.gz
	run -1 --separate-stderr bash -c "ulimit -v 100000; exec tokvocab count -j 1 bomb.gz"
	assert_regex "$stderr" "^tokvocab: bomb.gz: byte 0: token 'x+\.\.\.' is longer than the token limit of 1048576 bytes$"
	gzip_bomb '\0' zeros.gz
	run -1 --separate-stderr bash -c "ulimit -v 100000; exec tokvocab count -j 2 zeros.gz"
	assert_regex "$stderr" "^tokvocab: zeros.gz: byte 0: token '.*' holds a NUL byte$"
}

@test "merge names the file and token whose summed count overflows 64 bits" {
	printf 'a\t18446744073709551615\n' >c1.tsv
	printf 'b\t1\na\t1\n' >c2.tsv
	run -1 --separate-stderr t tokvocab merge c1.tsv c2.tsv
	assert_equal "$stderr" "tokvocab: c2.tsv: the count of token 'a' overflows 64 bits when summed"
}

@test "tokens with quotes, tabs are quoted in the TSV and read back" {
	printf '"hi" say "hi"\n' >q.txt
	run -0 t tokvocab count q.txt
	assert_output '"""hi"""	2
say	1'
	t tokvocab count q.txt -o q.tsv
	run -0 t tokvocab encode -v q.tsv q.txt
	assert_output "0 1 0"
}

@test "--lower folds Unicode case; invalid UTF-8 passes through with a one-line warning" {
	run -0 --separate-stderr t tokvocab count --lower "$FIX/mixed.txt"
	assert_line "école	2"
	assert_line "the	1"
	assert_line "cat	1"
	assert_line "$(printf '\xff\xfebad\t1')"
	assert_equal "$stderr" "tokvocab: warning: 2 invalid UTF-8 sequences passed through unchanged"
	run -0 --separate-stderr t tokvocab count -q --lower "$FIX/mixed.txt"
	[ -z "$stderr" ]
	run -0 --separate-stderr t tokvocab count "$FIX/mixed.txt"
	[ -z "$stderr" ]
	assert_line "École	1"
}

@test "--split words: runs of letters and digits, each punctuation mark its own token" {
	printf 'Hello, world! Hello... 42nd\n' >w.txt
	run -0 t tokvocab count --split=words w.txt
	assert_output ".	3
Hello	2
!	1
,	1
42nd	1
world	1"
}

@test "counts are the same for any number of threads" {
	awk 'BEGIN { srand(3); for (i = 0; i < 60000; i++) { printf "w%d ", int(rand() * rand() * 5000); if (i % 13 == 0) print "" } }' >r.txt
	t tokvocab count -j 1 r.txt -o r1.tsv
	t tokvocab count -j 2 r.txt -o r2.tsv
	t tokvocab count -j 5 r.txt -o r5.tsv
	cmp r1.tsv r2.tsv
	cmp r1.tsv r5.tsv
	t tokvocab count -j 3 --lower r.txt | cmp - r1.tsv
}

@test "count agrees with Python's collections.Counter (interop)" {
	[ -x /usr/bin/python3 ] || skip "no /usr/bin/python3"
	awk 'BEGIN { srand(5); for (i = 0; i < 40000; i++) { printf "%c%d\"q\t", 97 + int(rand() * 26), int(rand() * 300); if (i % 7 == 0) printf "\r\n" } }' >p.txt
	cat "$FIX/text.txt" "$FIX/mixed.txt" >>p.txt
	t tokvocab count p.txt -o p.tsv
	/usr/bin/python3 "$TOP/tests/interop/tokvocab_counts.py" p.txt p.tsv
}

# ---- errors on input ----

@test "a truncated gzip input is an error and leaves no output file" {
	seq 1 50000 >s.txt
	make_truncated_gz s.txt s.txt.gz
	mkdir out
	run -1 --separate-stderr t tokvocab count s.txt.gz -o out/v.tsv
	assert_equal "$stderr" "tokvocab: s.txt.gz: truncated gzip input"
	[ -z "$(ls -A out)" ]
}

@test "a missing file is an error; an existing output is left untouched" {
	mkdir out
	echo keep >out/v.tsv
	run -1 --separate-stderr t tokvocab count "$FIX/text.txt" missing.txt -o out/v.tsv
	assert_equal "$stderr" "tokvocab: missing.txt: No such file or directory"
	assert_equal "$(cat out/v.tsv)" keep
	assert_equal "$(ls -A out)" v.tsv
}

@test "an unreadable file is an error (status 1)" {
	run -1 --separate-stderr t tokvocab count "$BATS_TEST_TMPDIR" -o out.tsv
	assert_equal "$stderr" "tokvocab: $BATS_TEST_TMPDIR: Is a directory"
	[ ! -e out.tsv ]
	if [ "$(id -u)" != 0 ]; then
		echo x >locked.txt
		chmod 000 locked.txt
		run -1 --separate-stderr t tokvocab count locked.txt
		[[ $stderr == *"locked.txt: Permission denied"* ]]
	fi
}

@test "a vocabulary line with no count or a negative count names file and line" {
	run -1 --separate-stderr t tokvocab encode -v "$FIX/vocab-no-count.tsv" "$FIX/text.txt" -o o.txt
	assert_equal "$stderr" "tokvocab: $FIX/vocab-no-count.tsv:4: no count (expected 'token<TAB>count')"
	[ ! -e o.txt ]
	run -1 --separate-stderr t tokvocab merge "$FIX/vocab-negative.tsv"
	assert_equal "$stderr" "tokvocab: $FIX/vocab-negative.tsv:2: negative count '-2'"
	run -1 --separate-stderr t tokvocab decode -v "$FIX/vocab-negative.tsv" </dev/null
}

@test "duplicate tokens in a vocabulary given to encode are an error with the line" {
	run -1 --separate-stderr t tokvocab encode -v "$FIX/vocab-dup.tsv" "$FIX/text.txt"
	assert_equal "$stderr" "tokvocab: $FIX/vocab-dup.tsv:4: duplicate token 'cat' (already id 1)"
	assert_output ""
}

# ---- merge ----

@test "counting shards and merging them equals counting the concatenation, byte for byte" {
	awk 'BEGIN { srand(11); for (i = 0; i < 30000; i++) { printf "t%d ", int(rand() * rand() * 3000); if (i % 17 == 0) print "" } print "" }' >corpus.txt
	split -l 300 corpus.txt shard.
	for s in shard.*; do t tokvocab count "$s" -o "$s.tsv"; done
	t tokvocab merge shard.*.tsv -o merged.tsv
	t tokvocab count corpus.txt -o whole.tsv
	cmp merged.tsv whole.tsv
	t tokvocab merge --min-count=3 --specials='<unk>' --max-size=100 shard.*.tsv -o m2.tsv
	t tokvocab count --min-count=3 --specials='<unk>' --max-size=100 corpus.txt | cmp - m2.tsv
}

@test "sharded counting with GNU parallel gives the same vocabulary" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	awk 'BEGIN { srand(12); for (i = 0; i < 20000; i++) { printf "p%d ", int(rand() * 2000); if (i % 9 == 0) print "" } print "" }' >corpus.txt
	split -n l/4 corpus.txt part.
	parallel --will-cite -j 2 "$EMB_BUILD/tokvocab" count {} -o {}.tsv ::: part.a?
	t tokvocab merge part.a?.tsv | cmp - <(t tokvocab count corpus.txt)
}

@test "merge reads word2vec -save-vocab and GloVe vocab_count files" {
	run -0 t tokvocab merge "$FIX/w2v-vocab.txt" "$FIX/glove-vocab.txt"
	assert_output "the	14
</s>	3
dog	3
cat	2
\"\"\"quoted\"	1
zebra	1"
}

# ---- encode / decode ----

@test "encode writes one line of ids per line; an empty line stays empty" {
	printf 'the cat\n\nsat on the\n' >in.txt
	run -0 t tokvocab encode -v "$FIX/specials.tsv" in.txt
	assert_output "4 5

7 6 4"
}

@test "encode maps unknown tokens to <unk>, or fails without it, or skips them" {
	printf 'the zebra\nsat\n' >in.txt
	run -0 t tokvocab encode -v "$FIX/specials.tsv" in.txt
	assert_output "4 1
7"
	t tokvocab count "$FIX/text.txt" -o plain.tsv
	run -1 --separate-stderr t tokvocab encode -v plain.tsv in.txt -o out.txt
	assert_equal "$stderr" "tokvocab: in.txt:1: 'zebra' is not in the vocabulary"
	[ ! -e out.txt ]
	run -0 t tokvocab encode -v plain.tsv --unk=skip in.txt
	assert_output "0
5"
	run -1 --separate-stderr t tokvocab encode -v "$FIX/specials.tsv" --unk=error in.txt
	run -0 t tokvocab encode -v plain.tsv --unk=cat in.txt
	assert_output "0 2
5"
}

@test "encode --bos/--eos add the specials; --max-len truncates the text and keeps them" {
	printf 'the cat sat on\n\n' >in.txt
	run -0 t tokvocab encode -v "$FIX/specials.tsv" --bos --eos in.txt
	assert_output "2 4 5 7 6 3
2 3"
	run -0 t tokvocab encode -v "$FIX/specials.tsv" --bos --eos --max-len=4 in.txt
	assert_output "2 4 5 3
2 3"
	run -0 t tokvocab encode -v "$FIX/specials.tsv" --max-len=2 --eos=the in.txt
	assert_output "4 4
4"
	t tokvocab count "$FIX/text.txt" -o plain.tsv
	run -1 --separate-stderr t tokvocab encode -v plain.tsv --bos in.txt
	assert_equal "$stderr" "tokvocab: plain.tsv: no '<bos>' token (needed by --bos)"
}

@test "encode uses the same --lower/--split as count" {
	t tokvocab count --lower --split=words "$FIX/mixed.txt" -o m.tsv
	printf "THE École\\n" >in.txt
	run -0 --separate-stderr t tokvocab encode -v m.tsv --lower --split=words in.txt
	[ "$(echo "$output" | wc -w)" -eq 2 ]
}

@test "decode inverts encode" {
	printf 'the cat sat\r\n\non the mat a\n' >in.txt
	t tokvocab count in.txt -o v.tsv
	t tokvocab encode -v v.tsv in.txt -o ids.txt
	run -0 t tokvocab decode -v v.tsv ids.txt
	assert_output "the cat sat

on the mat a"
}

@test "decode: an id out of range or not a number is an error with its line" {
	t tokvocab count "$FIX/text.txt" -o v.tsv
	printf '0 1\n2 9\n' >ids.txt
	run -1 --separate-stderr t tokvocab decode -v v.tsv ids.txt -o out.txt
	assert_equal "$stderr" "tokvocab: ids.txt:2: id 9 is out of range (the vocabulary has 9 tokens)"
	[ ! -e out.txt ]
	printf '0 x1\n' >bad.txt
	run -1 --separate-stderr t tokvocab decode -v v.tsv bad.txt
	assert_equal "$stderr" "tokvocab: bad.txt:1: 'x1' is not an id"
}

@test "--csv writes and reads comma-separated vocabularies" {
	printf 'a,b c a,b\n' >c.txt
	run -0 t tokvocab count --csv c.txt
	assert_output '"a,b",2
c,1'
	t tokvocab count --csv c.txt -o v.csv
	run -0 t tokvocab merge --csv v.csv v.csv
	assert_output '"a,b",4
c,2'
	run -0 t tokvocab encode --csv -v v.csv c.txt
	assert_output "0 1 0"
}

@test "--progress reports on stderr; without a terminal nothing is shown" {
	run -0 --separate-stderr t tokvocab count --progress "$FIX/text.txt"
	[[ $stderr == *"counted "*" MB"* ]]
	run -0 --separate-stderr t tokvocab count "$FIX/text.txt"
	[ -z "$stderr" ]
}

@test "encode and decode take a word2vec -save-vocab file as the vocabulary" {
	printf 'the cat\n' >in.txt
	run -0 t tokvocab encode -v "$FIX/w2v-vocab.txt" in.txt
	assert_output "1 2"
	run -0 sh -c "echo '1 3' | '$EMB_BUILD/tokvocab' decode -v '$FIX/w2v-vocab.txt'"
	assert_output 'the "quoted'
}

@test "a corpus that is one 28 MB line is counted in memory that does not grow with the line" {
	[ -x /usr/bin/time ] || skip "no /usr/bin/time"
	[ -z "$EMB_EXEC" ] || skip "RSS is the wrapper's under EMB_EXEC"
	awk 'BEGIN { for (i = 0; i < 500000; i++) printf "alpha beta gamma delta epsilon zeta eta theta iota kappa " }' >one.txt
	run -0 t tokvocab count -j 1 one.txt
	assert_line "alpha	500000"
	assert_equal "${#lines[@]}" 10
	rss=$(peak_rss_kb "$EMB_BUILD/tokvocab" count -j 1 one.txt)
	echo "peak RSS ${rss} KiB"
	# ASan's shadow memory adds a fixed overhead, not one that grows with the input
	[ "$rss" -lt 25000 ] || [[ "$EMB_BUILD" == *san* && "$rss" -lt 120000 ]]
}
