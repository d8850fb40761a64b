#!/bin/sh
# Run each libFuzzer harness for SECONDS with its seed corpus (copied, so new inputs stay out of
# the repo).  Fails on any crash, leak, timeout (> 2 s on one input) or sanitizer report.
# Usage: tests/fuzz/run.sh SECONDS HARNESS...
set -u
secs=$1; shift
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
pass=0
for h in "$@"; do
	name=$(basename "$h")
	seeds="$top/tests/fuzz/corpus/${name#fuzz_}"
	mkdir -p "$work/$name"
	[ -d "$seeds" ] && cp -r "$seeds"/. "$work/$name"/
	if "$h" -max_total_time="$secs" -timeout=2 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work/$name-" "$work/$name" >"$work/$name.log" 2>&1; then
		echo "ok - $name: $(grep -E '^stat::number_of_executed_units' "$work/$name.log" | awk '{print $2}') runs in ${secs}s"
		pass=$((pass + 1))
	else
		tail -n 40 "$work/$name.log"
		for a in "$work/$name"-*; do
			[ -e "$a" ] && cp "$a" "$top/tests/fuzz/" && echo "crash input saved: tests/fuzz/$(basename "$a")"
		done
		echo "not ok - $name"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
