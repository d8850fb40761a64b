#!/usr/bin/env bats
# `make install` gives a library others can build on: libembkit.a, libembkit.so (soname), the
# public headers under include/embkit/ and embkit.pc; a program outside the tree compiled with
# pkg-config reads a table and a PACK file through it.  Also: VERSION is what everything says,
# and `make check`'s set-up never fails for a user without root.
bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	local top b
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	b=${EMB_BUILD:-$top/build}
	# the sanitizer build's objects need the sanitizer runtime in every program linking them
	SAN=
	[ "$(basename "$b")" = build-san ] && SAN="SANITIZE=1"
	make -C "$top" --no-print-directory -s install B="$(basename "$b")" $SAN prefix=/usr \
		DESTDIR="$BATS_FILE_TMPDIR/inst" >"$BATS_FILE_TMPDIR/install.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/install.log"; return 1; }
}

setup() {
	D="$BATS_FILE_TMPDIR/inst/usr"
	export PKG_CONFIG_PATH="$D/lib/pkgconfig"
	CFL=(-std=c11 -Wall -Wextra -Werror)
	[ "$(basename "$EMB_BUILD")" = build-san ] && CFL+=(-fsanitize=address,undefined)
	VER=$(cat "$TOP/VERSION")
	PACK="$BATS_FILE_TMPDIR/t.pack"
	[ -e "$PACK" ] || t embpack -q -b 3 --embed "$TOP/tests/fixtures/embpack/table.txt" \
		-o "$PACK" "$TOP/tests/fixtures/embpack/ids.txt"
}

# pkg-config on the DESTDIR tree: --define-prefix relocates ${prefix} to where embkit.pc lies
pc() { pkg-config --define-prefix "$@" embkit; }

# what the program must print: the counts from `embpack stats`, the table's size and last token
expected_output() {
	local batches seqs toks
	batches=$(embpack stats "$PACK" | awk '$1 == "batches" {print $2}')
	seqs=$(embpack stats "$PACK" | awk '$1 == "sequences" {print $2}')
	toks=$(embpack stats "$PACK" | awk '$1 == "tokens" {print $2}')
	printf 'embkit %s (headers %s)\n' "$VER" "$VER"
	printf 'table %s x 4, last row %s\n' "$(wc -l <"$TOP/tests/fixtures/embpack/table.txt")" \
		"'$(tail -n 1 "$TOP/tests/fixtures/embpack/table.txt" | cut -d' ' -f1)'"
	printf 'pack batches %s sequences %s tokens %s rows-matching %s\n' "$batches" "$seqs" "$toks" "$toks"
}

@test "make install puts libembkit.a, the versioned .so and its links, headers and embkit.pc" {
	[ -f "$D/lib/libembkit.a" ]
	[ -f "$D/lib/libembkit.so.$VER" ]
	[ "$(readlink "$D/lib/libembkit.so.${VER%%.*}")" = "libembkit.so.$VER" ]
	[ "$(readlink "$D/lib/libembkit.so")" = "libembkit.so.${VER%%.*}" ]
	run readelf -d "$D/lib/libembkit.so.$VER"
	assert_output --partial "Library soname: [libembkit.so.${VER%%.*}]"
	[ -f "$D/include/embkit/embkit.h" ]
	[ ! -e "$D/include/embkit/internal.h" ]
	run pc --modversion
	assert_output "$VER"
}

@test "make uninstall removes everything make install put there" {
	local b san=
	b=$(basename "$EMB_BUILD")
	[ "$b" = build-san ] && san="SANITIZE=1"
	make -C "$TOP" --no-print-directory -s install B="$b" $san prefix=/opt/e DESTDIR="$BATS_TEST_TMPDIR/i"
	[ -f "$BATS_TEST_TMPDIR/i/opt/e/lib/pkgconfig/embkit.pc" ]
	make -C "$TOP" --no-print-directory -s uninstall B="$b" $san prefix=/opt/e DESTDIR="$BATS_TEST_TMPDIR/i"
	run find "$BATS_TEST_TMPDIR/i" ! -type d
	assert_output ""
}

@test "the umbrella header includes every installed header, and each compiles on its own" {
	local h
	for h in "$D"/include/embkit/*.h; do
		h=$(basename "$h")
		[ "$h" = embkit.h ] || grep -q "^#include \"$h\"" "$D/include/embkit/embkit.h" ||
			{ echo "embkit.h lacks $h"; return 1; }
		printf '#include <embkit/%s>\n' "$h" | cc "${CFL[@]}" $(pc --cflags) -fsyntax-only -x c - ||
			{ echo "$h does not compile alone"; return 1; }
	done
}

@test "the shared library exports the emb_* API and nothing else" {
	run nm -D --defined-only "$D/lib/libembkit.so.$VER"
	assert_line --partial " emb_table_load"
	assert_line --partial " emb_pack_reader_next"
	run bash -c 'nm -D --defined-only "$1" | awk "NF == 3 && \$3 !~ /^emb_/"' _ "$D/lib/libembkit.so.$VER"
	assert_output ""
}

@test "a program linked with the shared library reads a table and a PACK file" {
	cc "${CFL[@]}" -o "$BATS_TEST_TMPDIR/use" "$TOP/tests/install/use_embkit.c" $(pc --cflags --libs)
	run readelf -d "$BATS_TEST_TMPDIR/use"
	assert_output --partial "Shared library: [libembkit.so.${VER%%.*}]"
	run env LD_LIBRARY_PATH="$D/lib" "$BATS_TEST_TMPDIR/use" "$TOP/tests/fixtures/embpack/table.txt" "$PACK"
	assert_success
	assert_output "$(expected_output)"
}

@test "a program linked statically (pkg-config --static) reads a table and a PACK file" {
	cc "${CFL[@]}" -o "$BATS_TEST_TMPDIR/use" "$TOP/tests/install/use_embkit.c" $(pc --cflags) \
		$(pc --static --libs | sed 's/-lembkit\b/-l:libembkit.a/')
	run readelf -d "$BATS_TEST_TMPDIR/use"
	refute_output --partial "libembkit"
	run "$BATS_TEST_TMPDIR/use" "$TOP/tests/fixtures/embpack/table.txt" "$PACK"
	assert_success
	assert_output "$(expected_output)"
}

@test "the tools, the installed man pages and the library all say the version in VERSION" {
	local tool m
	for tool in tokvocab embtrain embpack embquery embconv; do
		run t "$tool" --version
		assert_output "$tool (embkit) $VER"
	done
	for m in "$D"/share/man/man*/*; do
		grep -m 1 '^\.TH' "$m" | grep -q "\"embkit $VER\"" || { echo "$m: $(grep -m 1 '^\.TH' "$m")"; return 1; }
	done
	grep -q "^#define EMB_VERSION \"$VER\"" "$D/include/embkit/emb_version.h"
}

@test "dependency set-up without root lists what is missing and lets the build go on" {
	local stub="$BATS_TEST_TMPDIR/stub"
	mkdir -p "$stub"
	printf '#!/bin/sh\necho 1000\n' >"$stub/id"
	printf '#!/bin/sh\nexit 1\n' >"$stub/dpkg-query"
	printf '#!/bin/sh\ntouch "%s/apt-ran"\n' "$BATS_TEST_TMPDIR" >"$stub/apt-get"
	chmod +x "$stub"/*
	run --separate-stderr env PATH="$stub:$PATH" sh "$TOP/.ci/deps" build test
	assert_success
	[[ "$stderr" == *"not installed as Debian packages: gcc make pkg-config"* ]]
	[[ "$stderr" == *"apt-get install"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/apt-ran" ]
}

@test "without target_clones (as on arm64 or ppc64el) the portable kernels build and pass the knn and train unit tests" {
	local w="$BATS_TEST_TMPDIR/portable" f
	local inc=(-I"$TOP"/lib -I"$TOP"/lib/{core,io,text,vectors,batch,train} -I"$TOP"/formats -I"$EMB_BUILD"/gen)
	local def=(-O2 -pthread -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE)
	mkdir -p "$w"
	for f in vectors/emb_knn train/emb_train; do
		cc "${CFL[@]}" "${def[@]}" -DEMB_NO_TARGET_CLONES "${inc[@]}" $(pkg-config --cflags openblas) \
			-c -o "$w/${f#*/}.o" "$TOP/lib/$f.c"
		# one portable copy: no per-ISA clones, no resolver
		run nm "$w/${f#*/}.o"
		refute_output --partial ".avx2"
		refute_output --partial ".resolver"
	done
	# the objects given first replace the archive's clone-dispatching ones
	for f in knn train; do
		cc "${CFL[@]}" "${def[@]}" "${inc[@]}" -o "$w/test_$f" "$TOP/tests/unit/test_$f.c" \
			"$w/emb_knn.o" "$w/emb_train.o" "$EMB_BUILD/libembkit.a" \
			$(pc --static --libs | sed 's/-lembkit\b//') $(pkg-config --libs cmocka)
		run "$w/test_$f"
		assert_success
	done
}

@test "every source compiles for aarch64 with -Werror (when a cross compiler is installed)" {
	command -v aarch64-linux-gnu-gcc >/dev/null || skip "no aarch64-linux-gnu-gcc"
	run sh "$TOP/.ci/cross-compile" aarch64-linux-gnu-gcc
	assert_success
}
