#!/usr/bin/env bats
# One option vocabulary: a short letter means the same long option in every tool (embkit(7)),
# and the old letters that changed meaning still work for one release with a warning, or are a
# usage error that names the new spelling when the old and new meaning cannot be told apart.
bats_require_minimum_version 1.5.0
load helpers

TOOLS=(tokvocab embtrain embquery embconv embpack embtrain-mpi)
# The letters a tool still takes for one release though they mean another option elsewhere.
declare -gA DEPRECATED=([embpack]="e" [embconv]="f n" [embquery]="m")

# listings TOOL: its --list-options, then each subcommand's, one per line
listings() {
	local list sub
	list=$("$1" --list-options)
	printf '%s\n' "$list"
	for sub in $(grep -v -- '^-' <<<"$list"); do
		"$1" "$sub" --list-options
	done
}

# pairs: "TOOL -x --name" for every short letter every built tool lists
pairs() {
	local tool
	for tool in "${TOOLS[@]}"; do
		command -v "$tool" >/dev/null || continue
		listings "$tool" | awk -v t="$tool" '/^-[[:alnum:]] --/ { print t, $1, $2 }' | sort -u
	done
}

@test "no short letter has two meanings across the tools" {
	run -0 pairs
	local all=$output
	[ -n "$all" ]
	# the five tools each list at least their -h; the shared letters are there
	grep -qx 'embpack -t --to' <<<"$all"
	grep -qx 'embconv -t --to' <<<"$all"
	grep -qx 'embtrain -e --epochs' <<<"$all"
	local clash
	clash=$(awk '{ m[$2] = m[$2] " " $3 " (" $1 ")"; if (!(($2, $3) in seen)) { seen[$2, $3]; n[$2]++ } }
		END { for (l in n) if (n[l] > 1) print l ":" m[l] }' <<<"$all")
	[ -z "$clash" ] || { echo "letters with two meanings: $clash"; return 1; }
}

@test "the clash check fails when a letter is reintroduced with another meaning" {
	# the same awk as above, on the listing plus embpack's old '-t --max-tokens'
	run -0 pairs
	local clash
	clash=$(printf '%s\nembpack -t --max-tokens\n' "$output" |
		awk '{ m[$2] = m[$2] " " $3 " (" $1 ")"; if (!(($2, $3) in seen)) { seen[$2, $3]; n[$2]++ } }
		END { for (l in n) if (n[l] > 1) print l ":" m[l] }')
	[[ "$clash" == "-t:"*"--to"*"--max-tokens (embpack)"* ]]
}

@test "every letter a tool takes is listed, or is one of its deprecated letters" {
	local tool sub l taken listed want
	for tool in "${TOOLS[@]}"; do
		command -v "$tool" >/dev/null || continue
		case $tool in tokvocab) sub=count ;; embquery) sub=nn ;; *) sub= ;; esac
		taken=
		for l in {a..z} {A..Z} {0..9}; do
			# getopt says 'invalid option' only for a letter the tool does not take
			"$tool" $sub "-$l" </dev/null 2>&1 >/dev/null | grep -q "invalid option -- '$l'" ||
				taken+="$l "
		done
		listed=$(listings "$tool" | awk '/^-[[:alnum:]] --/ { print substr($1, 2) }' | sort -u)
		want=$(printf '%s\n' $listed ${DEPRECATED[$tool]:-} | sort -u | xargs)
		assert_equal "$tool: $(printf '%s\n' $taken | sort -u | xargs)" "$tool: $want"
	done
}

# man_has FILE PREFIX LETTER NAME: a line of FILE (starting with PREFIX) has \-x then \-\-name
man_has() {
	local l n
	l=$(sed 's/-/\\\\-/g' <<<"$3")
	n=$(sed 's/-/\\\\-/g' <<<"$4")
	grep -qE -- "$2$l\b.*$n\b" "$1"
}

@test "every listed letter is in --help as '-x, --name' and in the man page" {
	local tool l name help sub
	for tool in tokvocab embtrain embquery embconv embpack; do
		help=$("$tool" --help)
		for sub in $("$tool" --list-options | grep -v -- '^-'); do
			help+=$("$tool" "$sub" --help)
		done
		while read -r l name; do
			grep -q -- "$l, $name" <<<"$help" || { echo "$tool --help lacks '$l, $name'"; return 1; }
			man_has "$TOP/man/$tool.1" "" "$l" "$name" || { echo "man/$tool.1 lacks $l $name"; return 1; }
		done < <(listings "$tool" | awk '/^-[[:alnum:]] --/ { print $1, $2 }' | sort -u)
	done
}

@test "embkit(7) has the table of short letters, matching the tools" {
	run -0 pairs
	local l name
	while read -r l name; do
		man_has "$TOP/man/embkit.7" "^" "$l" "$name" || { echo "man/embkit.7 lacks '$l $name'"; return 1; }
	done < <(awk '{ print $2, $3 }' <<<"$output" | sort -u)
	# and the letters that changed, with their old meaning
	man_has "$TOP/man/embkit.7" "" -t --max-tokens
	man_has "$TOP/man/embkit.7" "" -e --embed
	man_has "$TOP/man/embkit.7" "" -f --from
	man_has "$TOP/man/embkit.7" "" -n --limit
	man_has "$TOP/man/embkit.7" "" -m --method
}

# --- the old letters ---

setup_pack() {
	printf '1 2 3\n4 5\n6\n7 8 9 10\n' >"$BATS_TEST_TMPDIR/ids.txt"
	printf 'a 1 0\nb 0 1\nc 1 1\nd 2 -4\ne 1 2\nf 0 0\ng 3 1\nh 1 1\ni 2 2\nj 0 1\nk 1 0\n' \
		>"$BATS_TEST_TMPDIR/v.txt"
}

@test "embpack -t N (a number) still means --max-tokens=N, with a one-line warning" {
	setup_pack
	cd "$BATS_TEST_TMPDIR"
	run -0 --separate-stderr t embpack -q -t 6 -o old.pack ids.txt
	assert_equal "$stderr" "embpack: warning: -t 6 is deprecated: use --max-tokens=6"
	run -0 --separate-stderr t embpack -q --max-tokens 6 -o new.pack ids.txt
	[ -z "$stderr" ]
	cmp old.pack new.pack
	run -0 t embpack dump old.pack
	[[ "$output" == *"lengths 3 2"$'\n'* ]] # 2 x 3 = 6 padded tokens, as --max-tokens 6
}

@test "embpack -t pack|npz is --to, as in embtrain and embconv, with no warning" {
	setup_pack
	cd "$BATS_TEST_TMPDIR"
	run -0 --separate-stderr t embpack -q -b 2 -t npz -o out ids.txt
	[ -z "$stderr" ]
	[ -f out/batch-000000.npz ] || ls out >&2
	[ "$(ls out | wc -l)" -eq 2 ]
	run -0 --separate-stderr t embpack -q -b 2 -t pack -o a.pack ids.txt
	[ -z "$stderr" ]
	run -0 t embpack -q -b 2 --to pack -o b.pack ids.txt
	cmp a.pack b.pack
}

@test "embpack -t with a value neither a number nor a format is a usage error naming both" {
	run -2 --separate-stderr t embpack -t 1k </dev/null
	assert_equal "$stderr" "embpack: invalid -t '1k': -t is --to (pack or npz); a token budget is --max-tokens=N
Try 'embpack --help' for more information."
	# the long options never change: --to takes no number
	run -2 --separate-stderr t embpack --to 512 </dev/null
	assert_equal "${stderr%%$'\n'*}" "embpack: invalid --to '512' (pack or npz)"
}

@test "embpack -e FILE still means --embed=FILE, with a one-line warning" {
	setup_pack
	cd "$BATS_TEST_TMPDIR"
	run -0 --separate-stderr t embpack -q -b 2 -e v.txt -o old.pack ids.txt
	assert_equal "$stderr" "embpack: warning: -e v.txt is deprecated: use --embed=v.txt"
	run -0 --separate-stderr t embpack -q -b 2 --embed v.txt -o new.pack ids.txt
	[ -z "$stderr" ]
	cmp old.pack new.pack
	run -0 t embpack dump old.pack
	[[ "$output" == *"vectors"* ]]
}

@test "embconv -f FORMAT and -n N still mean --from and --limit, one warning line each" {
	cd "$BATS_TEST_TMPDIR"
	printf 'a 1 0\nb 0 1\nc 1 1\n' >v.txt
	run -0 --separate-stderr t embconv -f glove -n 2 -t word2vec v.txt old.vec
	assert_equal "$stderr" "embconv: warning: -f glove is deprecated: use --from=glove
embconv: warning: -n 2 is deprecated: use --limit=2"
	run -0 --separate-stderr t embconv --from glove --limit 2 -t word2vec v.txt new.vec
	[ -z "$stderr" ]
	cmp old.vec new.vec
	assert_equal "$(head -n 1 old.vec)" "2 2"
	# a bad value is reported under the new spelling
	run -2 --separate-stderr t embconv -n x v.txt
	assert_equal "${stderr##*$'\n'embconv: }" "invalid --limit 'x': not a number
Try 'embconv --help' for more information."
}

@test "embquery -m M still means --method=M, with a one-line warning" {
	cd "$BATS_TEST_TMPDIR"
	printf 'a 1 0 0\nb 0 1 0\nc 0 0 1\nd 1 1 0\ne 0 1 1\nf 1 0 1\n' >v.txt
	run -0 --separate-stderr t embquery analogy -m cosmul -k 2 v.txt a b c
	assert_equal "$stderr" "embquery: warning: -m cosmul is deprecated: use --method=cosmul"
	local old=$output
	run -0 --separate-stderr t embquery analogy --method cosmul -k 2 v.txt a b c
	[ -z "$stderr" ]
	assert_equal "$old" "$output"
	run -0 t embquery analogy -k 2 v.txt a b c
	[ "$old" != "$output" ] || skip "cosmul and add agree on this table"
}

@test "embtrain keeps -t -e -n -m (--to --epochs --negative --model), with no warning" {
	cd "$BATS_TEST_TMPDIR"
	for i in $(seq 40); do echo "the cat sat on the mat with a hat"; done >c.txt
	run -0 --separate-stderr t embtrain -q -d 4 -e 1 -n 2 -m cbow -j 1 --min-count 1 -t word2vec \
		c.txt -o a.txt
	[ -z "$stderr" ]
	assert_equal "$(head -n 1 a.txt)" "8 4"
}
