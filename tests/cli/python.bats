#!/usr/bin/env bats
# The python/embkit package (issue 17) with Debian's numpy and torch: each function and its
# failures, driven through tests/interop/embkit_py.py; the README's shell-to-PyTorch snippets.
bats_require_minimum_version 1.5.0
load helpers

PY=/usr/bin/python3

setup() {
  $PY -c 'import numpy, torch' 2>/dev/null || skip "numpy or torch not installed for $PY"
}

py() { run -0 $PY "$TOP/tests/interop/embkit_py.py" "$EMB_BUILD" "$BATS_TEST_TMPDIR" "$1"; }

@test "import embkit needs numpy only, and torch stays unloaded until asked for" {
  run -0 env PYTHONPATH="$TOP/python" $PY -c 'import sys, embkit
assert "torch" not in sys.modules
embkit.load; embkit.pack.read; embkit.PackError
assert "torch" not in sys.modules
embkit.PackDataset
print("torch" in sys.modules)'
  assert_output "True"
}

@test "embkit.load reads every table format embconv writes; raw EMB, safetensors, .npy as memmaps" {
  py load
  assert_output --partial "ok load 9 formats"
}

@test "embkit.load names the file of a damaged table" {
  py load-errors
  assert_output "ok load-errors"
}

@test "embkit.embedding is torch's nn.Embedding with the padding row really zero" {
  py embedding
  assert_output "ok embedding"
}

@test "embkit.PackDataset: file order, torch semantics, sharding each batch once, shuffle, vectors" {
  py dataset
  assert_output --partial "ok dataset"
}

@test "embkit.PackDataset under a DataLoader with 2 workers yields each batch exactly once" {
  py dataset-workers
  assert_output --partial "ok dataset-workers"
}

@test "embkit.PackDataset raises PackError naming the file and the batch of a damaged file" {
  py dataset-errors
  assert_output "ok dataset-errors"
}

@test "python/embkit/pack.py run as a script counts a PACK file's batches" {
  run -0 t embpack -q -b 2 -o "$BATS_TEST_TMPDIR/a.pack" "$TOP/tests/fixtures/embpack/ids.txt"
  run -0 $PY "$TOP/python/embkit/pack.py" "$BATS_TEST_TMPDIR/a.pack"
  assert_output --regexp '^batches [0-9]+ sequences [0-9]+ tokens [0-9]+$'
}

# The fenced blocks of README's "From the shell to PyTorch" section, in order, as files.
readme_blocks() {
  awk -v dir="$1" '
    /^## / { on = ($0 == "## From the shell to PyTorch") }
    on && /^```(sh|python)$/ { n++; lang = substr($0, 4); f = dir "/" n "." lang; next }
    on && /^```$/ && f { f = ""; next }
    f { print > f }
  ' "$TOP/README.md"
}

@test "README's 'From the shell to PyTorch' snippets run as shown" {
  local d="$BATS_TEST_TMPDIR/readme" f
  mkdir -p "$d"
  readme_blocks "$d"
  [ "$(ls "$d" | tr '\n' ' ')" = "1.sh 2.python 3.python " ]
  zcat "$TOP/data/wordnet-glosses.txt.gz" | head -3000 | gzip >"$d/corpus.txt.gz"
  cd "$d"
  run -0 bash -e 1.sh
  run -0 env PYTHONPATH="$TOP/python" $PY 2.python
  assert_output --regexp '^Embedding\([0-9]+, 32, padding_idx=0\) the \([0-9]+, 32\)$'
  run -0 env PYTHONPATH="$TOP/python" $PY 3.python
  assert_output --regexp '^batch [0-9]+ padded \([0-9]+, [0-9]+\) lengths \[[0-9, ]+\]$'
}

@test "make install-python puts the package where Debian's python3 finds it" {
  run -0 make -C "$TOP" --no-print-directory install-python DESTDIR="$BATS_TEST_TMPDIR/root" PREFIX=/usr
  cd "$BATS_TEST_TMPDIR"
  run -0 env PYTHONPATH="$BATS_TEST_TMPDIR/root/usr/lib/python3/dist-packages" $PY -c \
    'import embkit, os; print(os.path.relpath(embkit.__file__, os.getcwd()))'
  assert_output "root/usr/lib/python3/dist-packages/embkit/__init__.py"
}
