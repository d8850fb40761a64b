#!/bin/sh
# Run every test: the cmocka unit binaries given as arguments, the bats suites, mandoc -Tlint.
# Ends with one line "N passed, N failed"; exit status 1 if anything failed.
# EMB_BUILD names the build directory whose tools the bats suites run.
: "${EMB_BUILD:?EMB_BUILD must name the build directory}"
export EMB_BUILD
top=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
pass=0
fail=0
skip=0

count() { # count TAP lines of the log: ok / not ok / "# skip" (cmocka says "not ok N # SKIP")
	s=$(grep -E -c '^(not )?ok .*# [Ss][Kk][Ii][Pp]' "$log")
	p=$(grep -E '^ok ' "$log" | grep -E -v -c '# [Ss][Kk][Ii][Pp]')
	f=$(grep -E '^not ok ' "$log" | grep -E -v -c '# [Ss][Kk][Ii][Pp]')
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
}

for t in "$@"; do
	echo "== unit: $(basename "$t")"
	CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	count
	if [ $rc -ne 0 ] && ! grep -E '^not ok ' "$log" | grep -E -v -q '# [Ss][Kk][Ii][Pp]'; then
		echo "not ok - $(basename "$t") exited $rc"; fail=$((fail + 1))
	fi
done

if [ -d "$top/tests/cli" ] && ls "$top"/tests/cli/*.bats >/dev/null 2>&1; then
	echo "== bats"
	jobs=""
	command -v parallel >/dev/null 2>&1 && jobs="--jobs $(nproc 2>/dev/null || echo 2)"
	bats --tap $jobs "$top"/tests/cli >"$log" 2>&1
	cat "$log"
	count
fi

echo "== man pages"
for m in "$top"/man/*.[0-9]; do
	[ -e "$m" ] || continue
	if out=$(mandoc -Tlint -W warning "$m" 2>&1) && [ -z "$out" ]; then
		echo "ok - mandoc -Tlint $(basename "$m")"; pass=$((pass + 1))
	else
		echo "$out"; echo "not ok - mandoc -Tlint $(basename "$m")"; fail=$((fail + 1))
	fi
done

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
