"""Check a safetensors table written by embconv against the spec (huggingface/safetensors
README "Format") with an independent reader: json + numpy only, then the same bytes in torch.

    safetensors_spec.py TABLE.safetensors SAME-TABLE.glove.txt PADDING_IDX

The spec: 8-byte little-endian header length N, N bytes of UTF-8 JSON starting with '{'
(trailing spaces allowed), tensors {"dtype", "shape", "data_offsets": [begin, end]} relative to
the buffer after the header, "__metadata__" a str -> str map, the ranges sorted by offset
tile the buffer exactly (no hole, no overlap, nothing after).  embkit's layout on top:
weight F32 [N, D], tokens U8, token_offsets I64 [N + 1], counts I64 [N] optional.
"""
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": "<f4", "I64": "<i8", "U8": "u1", "F64": "<f8", "F16": "<f2", "I32": "<i4"}


def read(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    assert 2 <= n <= 100 << 20, n
    text = raw[8:8 + n].decode("utf-8")
    assert text[0] == "{" and text == text.rstrip(" ") + " " * (len(text) - len(text.rstrip(" ")))
    assert (8 + n) % 8 == 0, "buffer not 8-aligned"
    header = json.loads(text, object_pairs_hook=lambda kv: (
        len(set(k for k, _ in kv)) == len(kv) or sys.exit("duplicate key")) and dict(kv))
    meta = header.pop("__metadata__", {}) or {}
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items())
    buf = memoryview(raw)[8 + n:]
    pos = 0
    tensors = {}
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        assert set(info) == {"dtype", "shape", "data_offsets"}, info
        b, e = info["data_offsets"]
        assert b == pos, "hole or overlap before %s" % name
        dt = np.dtype(DTYPES[info["dtype"]])
        count = int(np.prod(info["shape"], dtype=np.int64))
        assert e - b == count * dt.itemsize, name
        assert b % dt.itemsize == 0, "%s misaligned" % name
        tensors[name] = np.frombuffer(buf, dtype=dt, count=count, offset=b).reshape(info["shape"])
        pos = e
    assert pos == len(buf), "bytes after the last tensor"
    return meta, tensors, raw, n


def main():
    meta, t, raw, n = read(sys.argv[1])
    rows = [l.split(" ") for l in open(sys.argv[2], encoding="utf-8").read().splitlines()]
    w, toks, offs = t["weight"], t["tokens"], t["token_offsets"]
    assert w.dtype == np.float32 and w.shape == (len(rows), len(rows[0]) - 1)
    assert offs.shape == (len(rows) + 1,) and offs[0] == 0 and offs[-1] == len(toks)
    words = [bytes(toks[offs[i]:offs[i + 1]]).decode("utf-8") for i in range(len(rows))]
    assert words == [r[0] for r in rows]
    assert (w == np.array([[float(x) for x in r[1:]] for r in rows], dtype=np.float32)).all()
    if "counts" in t:
        assert t["counts"].shape == (len(rows),) and (t["counts"] >= 0).all()
    assert meta.get("padding_idx") == sys.argv[3], meta
    import torch
    off = 8 + n + [v for k, v in sorted(json.loads(raw[8:8 + n])["weight"].items())][0][0]
    tw = torch.frombuffer(bytearray(raw[off:off + w.nbytes]), dtype=torch.float32).reshape(w.shape)
    assert torch.equal(tw, torch.from_numpy(w.copy()))
    emb = torch.nn.Embedding.from_pretrained(tw, padding_idx=int(meta["padding_idx"]))
    assert emb.weight.shape == w.shape
    print("ok %d rows, metadata %s" % (len(rows), ",".join(sorted(meta))))


if __name__ == "__main__":
    main()
