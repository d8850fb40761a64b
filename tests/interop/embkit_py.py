"""The python/embkit package against the tools, numpy and torch (run by tests/cli/python.bats).

Usage: embkit_py.py BUILD_DIR TMPDIR TEST     TEST: load | load-errors | embedding | dataset |
                                                    dataset-workers | dataset-errors
Prints "ok TEST ..." on success; an assertion names what failed.
"""
import glob
import gzip
import os
import random
import shutil
import subprocess
import sys
import types

import numpy as np

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(TOP, "python"))
import embkit  # noqa: E402

BUILD, TMP, TEST = sys.argv[1], sys.argv[2], sys.argv[3]
FIX = os.path.join(TOP, "tests", "fixtures")


def tool(*args, **kw):
    p = subprocess.run([os.path.join(BUILD, args[0])] + list(args[1:]), capture_output=True, **kw)
    assert p.returncode == 0, "%s failed: %s" % (args, p.stderr.decode())
    return p.stdout


def tmp(name):
    return os.path.join(TMP, name)


def trained():
    """A table with metadata, counts, padding row 0 and a non-UTF-8 token."""
    if not os.path.exists(tmp("t.emb")):
        corpus = open(os.path.join(FIX, "embtrain", "grammar.txt"), "rb").read() + b"caf\xe9 " * 3
        open(tmp("corpus.txt"), "wb").write(corpus)
        tool("embtrain", "-q", "--min-count", "1", "-d", "8", "-e", "1", "-j", "1",
             "--padding-idx", "0", tmp("corpus.txt"), "-o", tmp("t.emb"))
    return tmp("t.emb")


def test_load():
    src = trained()
    outs = {"gz.emb": [], "raw.emb": ["--level", "0"], "t.safetensors": [],
            "t.safetensors.gz": [], "m.npy": [], "t.bin": [], "t.vec": [], "t.txt": [],
            "t.txt.gz": []}
    for name, opts in outs.items():
        tool("embconv", *opts, src, tmp(name))
    ref_t, ref_v = embkit.load(tmp("gz.emb"))
    assert "torch" not in sys.modules, "import embkit or load() imported torch"
    assert len(ref_t) == ref_v.shape[0] and "caf\udce9" in ref_t, ref_t[-3:]
    maps = {"raw.emb", "t.safetensors", "m.npy"}
    for name in outs:
        t, v = embkit.load(tmp(name))
        assert t == ref_t, "%s: tokens differ" % name
        assert np.array_equal(np.asarray(v), ref_v), "%s: vectors differ" % name
        assert isinstance(v, np.memmap) == (name in maps), "%s: memmap %s" % (name, type(v))
        assert v.dtype == np.float32 and v.shape == ref_v.shape
    # the map is the file: a raw EMB row is read where embconv put it
    t, v = embkit.load(tmp("raw.emb"))
    assert v.filename == os.path.abspath(tmp("raw.emb")) and not v.flags.writeable
    assert "torch" not in sys.modules
    print("ok load %d formats, %d rows" % (len(outs), len(ref_t)))


def expect(exc, fn, *want):
    try:
        fn()
    except exc as e:
        for w in want:
            assert w in str(e), "%r lacks %r" % (str(e), w)
        return str(e)
    raise AssertionError("no %s from %s" % (exc.__name__, fn))


def test_load_errors():
    src = trained()
    tool("embconv", "--level", "0", src, tmp("raw.emb"))
    raw = bytearray(open(tmp("raw.emb"), "rb").read())
    raw[20] ^= 1
    open(tmp("bad.emb"), "wb").write(raw)
    expect(embkit.TableError, lambda: embkit.load(tmp("bad.emb")), tmp("bad.emb"), "EMB header")
    tool("embconv", src, tmp("t.safetensors"))
    st = open(tmp("t.safetensors"), "rb").read()
    open(tmp("cut.safetensors"), "wb").write(st[:-1])
    expect(embkit.TableError, lambda: embkit.load(tmp("cut.safetensors")), "cut.safetensors",
           "does not end")
    tool("embconv", src, tmp("m.npy"))
    os.remove(tmp("m.vocab.tsv"))
    expect(embkit.TableError, lambda: embkit.load(tmp("m.npy")), "m.vocab.tsv")
    shutil.copy(tmp("m.npy"), tmp("m.data"))
    expect(embkit.TableError, lambda: embkit.load(tmp("m.data")), "NAME.vocab.tsv")
    open(tmp("short.txt"), "w").write("a 1 2 3\nb 1 2\n")
    expect(embkit.TableError, lambda: embkit.load(tmp("short.txt")), "short.txt:2")
    expect(FileNotFoundError, lambda: embkit.load(tmp("nope.emb")))
    print("ok load-errors")


def test_embedding():
    import torch
    path = os.path.join(FIX, "embconv", "small.txt")
    tokens, v = embkit.load(path)
    assert np.abs(v[1]).sum() > 0
    plain = torch.nn.Embedding.from_pretrained(torch.tensor(v), padding_idx=1)
    assert plain.weight[1].abs().sum() > 0, "torch zeroes the row now: the fix is moot"
    e = embkit.embedding(path, padding_idx=1)
    assert isinstance(e, torch.nn.Embedding) and e.padding_idx == 1 and e.tokens == tokens
    assert torch.equal(e.weight[1], torch.zeros(3)) and not e.weight.requires_grad
    assert torch.equal(e.weight[0], torch.tensor(v[0]))
    e = embkit.embedding(path, padding_idx=-1, freeze=False)
    assert e.padding_idx == 3 and torch.equal(e.weight[3], torch.zeros(3))
    e(torch.tensor([0, 3, 3])).sum().backward()
    assert e.weight.grad[3].abs().sum() == 0 and e.weight.grad[0].abs().sum() > 0
    for mn, nt in ((0.3, 2.0), (0.2, 1.0)):
        ours = embkit.embedding(path, max_norm=mn, norm_type=nt)
        ref = torch.nn.Embedding.from_pretrained(torch.tensor(v), max_norm=mn, norm_type=nt)
        ids = torch.tensor([0, 1, 2, 3])
        assert torch.equal(ours(ids), ref(ids)), "max_norm differs from torch's"
        assert (ours(ids).norm(p=nt, dim=1) <= mn + 1e-5).all()
    expect(ValueError, lambda: embkit.embedding(path, padding_idx=4), "out of range")
    e = embkit.embedding(trained(), padding_idx=0)
    assert e.weight.shape[1] == 8 and e.weight[0].abs().sum() == 0
    print("ok embedding")


def make_packs():
    if os.path.exists(tmp("plain.pack")):
        return
    r = random.Random(5)
    with open(tmp("ids.txt"), "w") as f:
        for _ in range(3000):
            f.write(" ".join(str(r.randrange(1, 50)) for _ in range(r.randrange(1, 30))) + "\n")
    tool("embpack", "-q", "-b", "32", "--level", "0", tmp("ids.txt"), "-o", tmp("plain.pack"))
    # small members: embpack cuts members at 1 MiB, so give it enough batches for several
    tool("embpack", "-q", "-b", "8", tmp("ids.txt"), "-o", tmp("gz.pack"))
    big = tmp("big.txt")
    with open(big, "w") as f:
        for _ in range(12):
            f.write(open(tmp("ids.txt")).read())
    tool("embpack", "-q", "-b", "64", big, "-o", tmp("shard-1.pack"))
    tool("embpack", "-q", "-b", "200", "--level", "0", tmp("ids.txt"), "-o", tmp("shard-0.pack"))
    with open(tmp("plain.pack"), "rb") as f, gzip.open(tmp("regz.pack"), "wb") as g:
        g.write(f.read())
    tool("embconv", "--limit", "50", trained(), tmp("e.emb"))
    tool("embpack", "-q", "-b", "8", "--batch-first", "--embed", tmp("e.emb"), tmp("ids.txt"),
         "-o", tmp("e.pack"))


def key(b):
    return (b["path"], b["number"])


def with_workers(ds, nw):
    """Iterate DS as DataLoader worker k of NW would, for every k (in this process)."""
    from embkit import _torch
    real = _torch.torch.utils.data.get_worker_info
    out = []
    try:
        for k in range(nw):
            _torch.torch.utils.data.get_worker_info = lambda k=k: types.SimpleNamespace(
                id=k, num_workers=nw)
            out.append(list(ds))
    finally:
        _torch.torch.utils.data.get_worker_info = real
    return out


def test_dataset():
    import torch
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    make_packs()
    ds = embkit.PackDataset(tmp("plain.pack"))
    ref = list(embkit.pack.read(tmp("plain.pack")))
    got = list(ds)
    assert [b["number"] for b in got] == list(range(len(ref))), "file order"
    for a, b in zip(ref, got):
        for k in ("padded", "lengths", "index", "data", "batch_sizes"):
            assert torch.equal(b[k], torch.from_numpy(a[k])), k
        assert b["batch_first"] is False
        # torch sorts equal lengths unstably, so compare batch_sizes and the round trip
        p = pack_padded_sequence(b["padded"], b["lengths"], enforce_sorted=False)
        assert torch.equal(p.batch_sizes, b["packed"].batch_sizes)
        back, lens = pad_packed_sequence(b["packed"], padding_value=b["padding_idx"])
        assert torch.equal(back, b["padded"]) and torch.equal(lens, b["lengths"])
    kinds = {p: embkit.pack.units(tmp(p))[0] for p in ("plain.pack", "shard-1.pack", "regz.pack")}
    assert kinds == {"plain.pack": "plain", "shard-1.pack": "members", "regz.pack": "stream"}, kinds
    assert len(embkit.pack.units(tmp("shard-1.pack"))[2]) > 1, "one member: sharding untested"
    files = [tmp("plain.pack"), tmp("shard-1.pack"), tmp("regz.pack")]
    everything = sorted(key(b) for b in embkit.PackDataset(files))
    for nw in (2, 3):
        parts = with_workers(embkit.PackDataset(files), nw)
        assert all(parts), "a worker got nothing"
        assert sorted(key(b) for p in parts for b in p) == everything, "not each batch once"
    # a worker hands a batch over as one int64 block (views), and it arrives equal
    import pickle
    from torch.utils.data._utils.collate import default_convert
    c = default_convert(got[3])
    assert c.__reduce__()[0] is not dict, "a batch pickles as separate tensors"
    d = pickle.loads(pickle.dumps(c))
    for k in ("padded", "lengths", "index", "data", "batch_sizes", "sorted_indices"):
        assert torch.equal(d[k], got[3][k]), k
    assert torch.equal(d["packed"].data, got[3]["packed"].data) and d["number"] == 3
    glob_ds = embkit.PackDataset(tmp("shard-*.pack"))
    assert glob_ds.paths == sorted(glob.glob(tmp("shard-*.pack")))
    a = [key(b) for b in embkit.PackDataset(files, shuffle=True, seed=4)]
    b = [key(b) for b in embkit.PackDataset(files, shuffle=True, seed=4)]
    ds = embkit.PackDataset(files, shuffle=True, seed=4)
    ds.set_epoch(1)
    c = [key(b) for b in ds]
    assert a == b and a != c and sorted(a) == sorted(c) == everything, "shuffle"
    assert a != sorted(a)
    e = list(embkit.PackDataset(tmp("e.pack")))
    assert e[0]["vectors"].dtype == torch.float32 and e[0]["batch_first"] is True
    assert torch.equal(e[0]["packed"].data, e[0]["vectors"])
    lstm = torch.nn.LSTM(8, 5)
    out, _ = lstm(e[0]["packed"])
    assert out.data.shape == (e[0]["vectors"].shape[0], 5)
    print("ok dataset %d batches in %d files" % (len(everything), len(files)))


def test_dataset_workers():
    import torch
    make_packs()
    files = [tmp("plain.pack"), tmp("shard-1.pack"), tmp("regz.pack")]
    everything = sorted(key(b) for b in embkit.PackDataset(files))
    dl = torch.utils.data.DataLoader(embkit.PackDataset(files), batch_size=None, num_workers=2)
    got = sorted(key(b) for b in dl)
    assert got == everything, "DataLoader with 2 workers: not each batch exactly once"
    print("ok dataset-workers %d batches" % len(got))


def test_dataset_errors():
    import torch
    make_packs()
    raw = open(tmp("plain.pack"), "rb").read()
    open(tmp("cut.pack"), "wb").write(raw[:len(raw) // 2])
    m = expect(embkit.PackError, lambda: list(embkit.PackDataset(tmp("cut.pack"))),
               tmp("cut.pack"), "truncated")
    assert "batch" in m, m
    expect(embkit.PackError, lambda: with_workers(embkit.PackDataset(tmp("cut.pack")), 2),
           tmp("cut.pack"), "batch", "truncated")
    bad = bytearray(raw)
    bad[32 + 48 + 5] ^= 0xff        # the first payload
    open(tmp("crc.pack"), "wb").write(bad)
    expect(embkit.PackError, lambda: list(embkit.PackDataset(tmp("crc.pack"))),
           "crc.pack: batch 0: bad payload CRC")
    expect(embkit.PackError, lambda: with_workers(embkit.PackDataset(tmp("crc.pack")), 2),
           "crc.pack: batch 0: bad payload CRC")
    gz = bytearray(open(tmp("shard-1.pack"), "rb").read())
    members = embkit.pack.units(tmp("shard-1.pack"))[2]
    at, n = members[1][0]
    gz[at + n // 2] ^= 0xff
    open(tmp("gzbad.pack"), "wb").write(gz)
    expect(embkit.PackError, lambda: with_workers(embkit.PackDataset(tmp("gzbad.pack")), 2),
           "gzbad.pack")
    expect(embkit.PackError, lambda: list(embkit.PackDataset(tmp("gzbad.pack"))), "gzbad.pack")
    open(tmp("notpack.pack"), "wb").write(b"hello world, not a pack file at all" * 2)
    expect(embkit.PackError, lambda: list(embkit.PackDataset(tmp("notpack.pack"))),
           "not a PACK file")
    expect(FileNotFoundError, lambda: embkit.PackDataset(tmp("none-*.pack")), "none-*.pack")
    dl = torch.utils.data.DataLoader(embkit.PackDataset(tmp("crc.pack")), batch_size=None,
                                     num_workers=1)
    expect(embkit.PackError, lambda: list(dl), "batch 0: bad payload CRC")
    print("ok dataset-errors")


{"load": test_load, "load-errors": test_load_errors, "embedding": test_embedding,
 "dataset": test_dataset, "dataset-workers": test_dataset_workers,
 "dataset-errors": test_dataset_errors}[TEST]()
