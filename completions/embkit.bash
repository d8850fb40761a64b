# bash completion for the embkit tools: tokvocab embtrain embpack embquery embconv.
# Options and subcommands come from the tool itself (`TOOL --list-options`, `TOOL SUB
# --list-options`), so this file never falls out of step with the option tables; its "-x --name"
# lines (the short letters) are neither subcommands nor offered.
_embkit()
{
	local cur=${COMP_WORDS[COMP_CWORD]} tool=${COMP_WORDS[0]} list subs sub= w i
	list=$("$tool" --list-options 2>/dev/null) || return 0
	subs=$(printf '%s\n' "$list" | grep -v -- '^-')
	if [[ -n $subs ]]; then
		for ((i = 1; i < COMP_CWORD; i++)); do
			w=${COMP_WORDS[i]}
			if printf '%s\n' "$subs" | grep -qx -- "$w"; then
				sub=$w
				break
			fi
		done
		[[ -n $sub ]] && list=$("$tool" "$sub" --list-options 2>/dev/null)
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(printf '%s\n' "$list" | grep -- '^--')" -- "$cur"))
		[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
		return 0
	fi
	if [[ -n $subs && -z $sub ]]; then
		COMPREPLY=($(compgen -W "$subs" -- "$cur"))
		[[ $tool == embquery ]] || [[ ${#COMPREPLY[@]} -eq 0 ]] || return 0
	fi
	compopt -o filenames 2>/dev/null
	COMPREPLY+=($(compgen -f -- "$cur"))
}
complete -F _embkit tokvocab embtrain embpack embquery embconv
