#!/bin/sh
# `make demo`: the whole pipeline on the bundled sample (WordNet 3.0 glosses, see data/README.md):
# count a vocabulary -> train vectors -> query them -> convert -> encode and pack batches.
# Outputs go to $EMB_BUILD/demo/.  Takes about a minute on 2 cores.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
: "${EMB_BUILD:=$top/build}"
PATH="$EMB_BUILD:$PATH"
out="$EMB_BUILD/demo"
mkdir -p "$out"
corpus="$top/data/wordnet-glosses.txt.gz"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step tokvocab count --split words --lower --min-count 5 --specials '<pad>,<unk>' CORPUS -o vocab.tsv
tokvocab count --split words --lower --min-count 5 --specials '<pad>,<unk>' "$corpus" -o "$out/vocab.tsv"
echo "$(wc -l <"$out/vocab.tsv") tokens; the first lines:"
head -n 6 "$out/vocab.tsv"

step embtrain -v vocab.tsv --split words --lower --epochs 5 --seed 1 CORPUS -o vectors.emb
embtrain -v "$out/vocab.tsv" --split words --lower --epochs 5 --seed 1 "$corpus" -o "$out/vectors.emb"

step embquery vectors.emb nn --k 5 dog violin river
embquery "$out/vectors.emb" nn --k 5 dog violin river
step embquery vectors.emb analogy --k 3 man king woman
embquery "$out/vectors.emb" analogy --k 3 man king woman
step embquery vectors.emb eval-sim data/eval/wordsim353.tsv
if [ -f "$top/data/eval/wordsim353.tsv" ]; then
	embquery "$out/vectors.emb" eval-sim "$top/data/eval/wordsim353.tsv" || true
fi

step embconv vectors.emb vectors.vec '&&' head -c 200 vectors.vec
embconv "$out/vectors.emb" "$out/vectors.vec"
head -c 200 "$out/vectors.vec"; echo ...

step tokvocab encode -v vocab.tsv --split words --lower CORPUS '|' head -n 10000 '|' embpack --bucket 1000 --batch-size 64 -o batches.pack
zcat "$corpus" | head -n 10000 |
	tokvocab encode -v "$out/vocab.tsv" --split words --lower |
	embpack --bucket 1000 --batch-size 64 -o "$out/batches.pack"
step embpack stats batches.pack
embpack stats "$out/batches.pack"
printf '\nDemo outputs are in %s\n' "$out"
