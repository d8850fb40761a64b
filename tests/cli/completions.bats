#!/usr/bin/env bats
# The completion scripts load and complete subcommands and options from each tool's table.
bats_require_minimum_version 1.5.0
load helpers

complete_words() { # complete_words WORD... : prints the candidates for the last word
	bash -c '
		source "$1/completions/embkit.bash"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_embkit; printf "%s\n" "${COMPREPLY[@]}"' _ "$TOP" "$@"
}

@test "bash completion loads and registers every tool" {
	run bash -c 'source "$1/completions/embkit.bash" && complete -p tokvocab embtrain embtrain-mpi embpack embquery embconv' _ "$TOP"
	assert_success
	assert_line --partial "complete -F _embkit tokvocab"
}

@test "bash completion completes tokvocab subcommands" {
	command -v tokvocab >/dev/null || skip "tokvocab not built"
	run complete_words tokvocab co
	assert_success
	assert_output "count"
}

@test "bash completion completes a subcommand's options" {
	command -v tokvocab >/dev/null || skip "tokvocab not built"
	run complete_words tokvocab count --min-c
	assert_success
	assert_output "--min-count="
}

@test "bash completion completes options of every built tool" {
	for tool in tokvocab embtrain embtrain-mpi embpack embquery embconv; do
		command -v "$tool" >/dev/null || continue
		run complete_words "$tool" --he
		assert_success
		assert_line "--help"
	done
}

@test "bash completion offers neither the short-letter lines nor their letters as subcommands" {
	command -v embpack >/dev/null || skip "embpack not built"
	embpack --list-options | grep -qx -- '-t --to' # the lines are there to be skipped
	run complete_words embpack ""
	assert_success
	refute_line --partial -- "-"
	assert_line dump
	run complete_words embpack dump --to
	assert_output "" # dump has no --to
	run complete_words embpack --to
	assert_output "--to="
}

@test "zsh completion file is a #compdef for every tool" {
	run head -n 1 "$TOP/completions/_embkit"
	assert_output "#compdef tokvocab embtrain embtrain-mpi embpack embquery embconv"
	if command -v zsh >/dev/null; then
		run zsh -n "$TOP/completions/_embkit"
		assert_success
	fi
}

@test "make install puts tools, man pages and both completions under DESTDIR" {
	# as install.bats: the sanitizer build's own flags, or make would relink its tools without
	# them while other suites run those tools in parallel
	local san=
	[ "$(basename "$EMB_BUILD")" = build-san ] && san="SANITIZE=1"
	run make -C "$TOP" --no-print-directory -s install B="$(basename "$EMB_BUILD")" $san \
		PREFIX=/usr DESTDIR="$BATS_TEST_TMPDIR/inst"
	assert_success
	local d="$BATS_TEST_TMPDIR/inst/usr"
	for tool in tokvocab embtrain embtrain-mpi embpack embquery embconv; do
		# embtrain-mpi is built only where mpicc is
		[ "$tool" != embtrain-mpi ] || command -v mpicc >/dev/null || continue
		[ -x "$d/bin/$tool" ]
		[ -f "$d/share/man/man1/$tool.1" ]
		[ -f "$d/share/bash-completion/completions/$tool" ]
	done
	[ -f "$d/share/zsh/vendor-completions/_embkit" ]
	[ -f "$d/share/man/man7/embkit.7" ]
}
