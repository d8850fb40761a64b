# Shared setup for the bats suites: tools from $EMB_BUILD on PATH, bats-support + bats-assert,
# FIX = this tool's fixtures, and the hostile cases every tool must survive.
: "${EMB_BUILD:=$BATS_TEST_DIRNAME/../../build}"
export PATH="$EMB_BUILD:$PATH"
BATS_LIB_PATH="${BATS_LIB_PATH:-/usr/lib/bats}"
export BATS_LIB_PATH
bats_load_library bats-support
bats_load_library bats-assert
TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
TOOL=$(basename "$BATS_TEST_FILENAME" .bats)
FIX="$TOP/tests/fixtures/$TOOL"
# $EMB_EXEC (e.g. "valgrind -q --error-exitcode=99") runs before every tool call.
EMB_EXEC=${EMB_EXEC:-}

# Run the tool under $EMB_EXEC: `run -1 --separate-stderr t tokvocab count x`
t() { $EMB_EXEC "$@"; }

# `tool --help` prints usage on stdout, status 0; every --list-options entry appears in --help
# and in the man page.
check_help() {
	local tool=$1; shift
	run --separate-stderr t "$tool" "$@" --help
	assert_success
	assert_output --partial "Usage: $tool"
	[ -z "$stderr" ]
	local opts
	opts=$(t "$tool" "$@" --list-options)
	[ -n "$opts" ]
	local o name
	for o in $opts; do
		case $o in --*) ;; *) continue ;; esac
		name=${o%=}
		grep -q -- "$name" <<<"$output" || { echo "--help lacks $name"; return 1; }
		grep -q -- "${name//-/\\\\-}" "$TOP/man/$tool.1" || grep -q -- "$name" "$TOP/man/$tool.1" ||
			{ echo "man/$tool.1 lacks $name"; return 1; }
	done
}

# A bad option is a usage error: status 2, "Try '... --help'".
check_bad_option() {
	run --separate-stderr t "$@" --no-such-option
	assert_equal "$status" 2
	[[ "$stderr" == *"Try '"*" --help' for more information."* ]]
	# named after the tool, never after a subcommand ("stats: unrecognized option")
	assert_equal "${stderr%%$'\n'*}" "$1: unrecognized option '--no-such-option'"
}

# Writing to /dev/full: status 1 and a message naming the error.
check_dev_full() {
	run --separate-stderr t "$@"
	assert_equal "$status" 1
	[[ "$stderr" == *"No space left on device"* ]]
}

# `cmd | head -c 1`: quiet, status 0 or 141 (SIGPIPE) from the tool.
check_closed_pipe() {
	local err="$BATS_TEST_TMPDIR/pipe.err" st
	set +e
	( "$@" 2>"$err"; echo $? >"$BATS_TEST_TMPDIR/pipe.st" ) | head -c 1 >/dev/null
	set -e
	st=$(cat "$BATS_TEST_TMPDIR/pipe.st")
	[ "$st" = 0 ] || [ "$st" = 141 ] || { echo "status $st"; cat "$err"; return 1; }
	[ ! -s "$err" ] || { cat "$err"; return 1; }
}

# Make a truncated gzip of FILE at DEST.
make_truncated_gz() {
	gzip -c "$1" >"$2.full"
	head -c $(( $(stat -c %s "$2.full") - 12 )) "$2.full" >"$2"
	rm -f "$2.full"
}

# The GNU time-less peak RSS of a command in KiB (for memory assertions).
peak_rss_kb() {
	/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1
}

# gzip_bomb BYTE FILE: FILE is gzip of 1 GiB of BYTE (16 members of 64 MiB: quick to make).
gzip_bomb() {
	head -c 67108864 /dev/zero | tr '\0' "$1" | gzip -1 >"$2.member"
	for _ in $(seq 16); do cat "$2.member"; done >"$2"
	rm -f "$2.member"
}
