#!/bin/sh
# Build the peers at bench time from the registries (never committed):
# word2vec.c from the npm package `word2vec` (its src/), compiled here as its makefile does
# (-O3 -march=native -funroll-loops -lpthread -lm).  Result: bench/work/peers/word2vec/{word2vec,
# compute-accuracy,distance}.  fasttext, gensim and torch come from Debian (.ci/deps bench).
# Stanford GloVe from its public repository, cloned and built with its own Makefile in
# bench/work/peers/GloVe (unless GLOVE_DIR names a built checkout); without git access that
# peer is skipped with a note, and bench/glove.sh measures ours alone.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
work="$top/bench/work"
glove="$work/peers/GloVe"
if [ -z "${GLOVE_DIR:-}" ] && [ ! -x "$glove/build/glove" ]; then
	if [ -d "$glove/.git" ] || git clone -q --depth 1 https://github.com/stanfordnlp/GloVe "$glove" >&2; then
		make -C "$glove" >&2 || echo "peers: Stanford GloVe did not build: bench/glove.sh skips it" >&2
	else
		rm -rf "$glove"
		echo "peers: could not clone Stanford GloVe: bench/glove.sh skips it" >&2
	fi
fi
dst="$work/peers/word2vec"
[ -x "$dst/word2vec" ] && [ -x "$dst/compute-accuracy" ] && exit 0
sh "$top/.ci/deps" bench
mkdir -p "$work/npm" "$dst"
cd "$work/npm"
if [ ! -f node_modules/word2vec/src/word2vec.c ]; then
	[ -f package.json ] || npm init -y >/dev/null
	npm install --no-audit --no-fund --ignore-scripts word2vec >&2
fi
src="$work/npm/node_modules/word2vec/src"
for p in word2vec compute-accuracy distance; do
	gcc -O3 -march=native -funroll-loops -Wno-unused-result -o "$dst/$p" "$src/$p.c" -lm -pthread
done
echo "peers: built $dst/word2vec from npm word2vec $(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$work/npm/node_modules/word2vec/package.json")" >&2
