"""embkit.load(): an embedding table file as (tokens, vectors), numpy only.

Every table format embconv reads, found by its bytes as embconv finds it (gzip is inflated
first): EMB (formats/EMB.md), safetensors (weight/tokens/token_offsets, see embconv(1)), .npy
(with NAME.vocab.tsv beside it), word2vec binary, word2vec/fastText text and GloVe text.
A raw (uncompressed) EMB, safetensors or .npy file comes back as an np.memmap of the file:
nothing is read or copied until used.  The rest are parsed into memory.  Tokens are str,
decoded as UTF-8 with surrogateescape, so non-UTF-8 bytes survive a round trip.
"""

import csv
import gzip
import json
import os
import struct
import zlib

import numpy as np

EMB_MAGIC = b"\x89EMB\r\n\x1a\n"
NPY_MAGIC = b"\x93NUMPY"


class TableError(ValueError):
    """A table file that is damaged or not a table; the message names the file."""


def _tok(b):
    return bytes(b).decode("utf-8", "surrogateescape")


def _sniff_safetensors(head):
    if len(head) < 10:
        return False
    (n,) = struct.unpack("<Q", head[:8])
    return 2 <= n <= 100 << 20 and head[8:9] == b"{" and head[9:].lstrip()[:1] in (b'"', b"}")


def load(path):
    """(tokens, vectors): a list of N str and an N x dim float array (see the module doc)."""
    with open(path, "rb") as f:
        head = f.read(64)
    try:
        if head[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as f:
                data = f.read()
            return _parse(path, data, None)
        return _parse(path, None, head)
    except (struct.error, IndexError, ValueError, zlib.error, OSError, EOFError) as e:
        if isinstance(e, TableError):
            raise
        raise TableError("%s: %s" % (path, e)) from None


def _parse(path, data, head):
    """DATA: the whole decoded file (gzip), or None and HEAD: the first bytes of a plain file."""
    first = data[:64] if data is not None else head
    if first[:8] == EMB_MAGIC:
        return _emb(path, data)
    if first[:6] == NPY_MAGIC:
        return _npy(path, data)
    if _sniff_safetensors(first):
        return _safetensors(path, data)
    if data is None:
        with open(path, "rb") as f:
            data = f.read()
    return _text_or_bin(path, data)


def _emb(path, data):
    buf = data if data is not None else np.memmap(path, dtype=np.uint8, mode="r")
    h = bytes(buf[:64])
    if len(h) < 64 or zlib.crc32(h[:60]) != struct.unpack("<I", h[60:64])[0]:
        raise TableError("%s: bad EMB header" % path)
    version, dtype, rows, dim, pad, flags, nsect = struct.unpack("<IIQQqII", h[8:48])
    if version != 1 or dtype not in (1, 2) or nsect != 6:
        raise TableError("%s: unsupported EMB header" % path)
    pos, sect = 64, {}
    for tag in (b"META", b"TOKS", b"OFFS", b"CNTS", b"HASH", b"MATX"):
        p = (pos + 16 + 63) // 64 * 64
        sh = bytes(buf[p - 16:p])
        if len(sh) < 16 or sh[:4] != tag:
            raise TableError("%s: expected EMB section %s" % (path, tag.decode()))
        (n,) = struct.unpack("<Q", sh[8:16])
        if p + n > len(buf):
            raise TableError("%s: EMB section %s overruns the file" % (path, tag.decode()))
        sect[tag] = (p, n)
        pos = p + n
    esz = 4 if dtype == 1 else 2
    p, n = sect[b"MATX"]
    if n != rows * dim * esz:
        raise TableError("%s: EMB matrix length disagrees with the header" % path)
    p_toks, n_toks = sect[b"TOKS"]
    p_offs, n_offs = sect[b"OFFS"]
    if n_offs != 8 * (rows + 1):
        raise TableError("%s: EMB token offsets length disagrees with the header" % path)
    offs = np.frombuffer(bytes(buf[p_offs:p_offs + n_offs]), dtype="<u8")
    toks = bytes(buf[p_toks:p_toks + n_toks])
    if rows and (offs[0] != 0 or offs[-1] != n_toks or (np.diff(offs.astype(np.int64)) < 1).any()):
        raise TableError("%s: EMB token offsets out of order or bounds" % path)
    offs = offs.astype(np.int64).tolist()
    tokens = [_tok(toks[offs[i]:offs[i + 1] - 1]) for i in range(rows)]
    dt = "<f4" if dtype == 1 else "<f2"
    if data is None:
        vectors = np.memmap(path, dtype=dt, mode="r", offset=p, shape=(rows, dim))
    else:
        vectors = np.frombuffer(data, dtype=dt, count=rows * dim, offset=p).reshape(rows, dim)
    return tokens, vectors


def _safetensors(path, data):
    if data is None:
        with open(path, "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            text = f.read(n)
            size = f.seek(0, 2)
    else:
        (n,) = struct.unpack("<Q", data[:8])
        text, size = data[8:8 + n], len(data)
    if n > 100 << 20 or len(text) != n:
        raise TableError("%s: bad safetensors header length" % path)
    header = json.loads(text.decode("utf-8"))
    header.pop("__metadata__", None)
    pos, base = 0, 8 + n
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        b, e = info["data_offsets"]
        if b != pos or e < b:
            raise TableError("%s: safetensors tensors leave a hole or overlap at '%s'"
                             % (path, name))
        pos = e
    if base + pos != size:
        raise TableError("%s: safetensors buffer does not end at the last tensor" % path)
    try:
        w, tk, of = header["weight"], header["tokens"], header["token_offsets"]
    except KeyError as e:
        raise TableError("%s: no tensor %s (a table needs weight, tokens and token_offsets)"
                         % (path, e)) from None
    if w["dtype"] != "F32" or len(w["shape"]) != 2 or tk["dtype"] != "U8" or \
            of["dtype"] != "I64" or of["shape"] != [w["shape"][0] + 1]:
        raise TableError("%s: not an embkit table (weight F32 [N, D], tokens U8, "
                         "token_offsets I64 [N + 1])" % path)
    rows, dim = w["shape"]

    def raw(info):
        b, e = info["data_offsets"]
        if data is not None:
            return data[base + b:base + e]
        with open(path, "rb") as f:
            f.seek(base + b)
            return f.read(e - b)
    toks = raw(tk)
    offs = np.frombuffer(raw(of), dtype="<i8")
    if offs[0] != 0 or offs[-1] != len(toks) or (np.diff(offs) < 0).any():
        raise TableError("%s: token_offsets out of order or bounds" % path)
    offs = offs.tolist()
    tokens = [_tok(toks[offs[i]:offs[i + 1]]) for i in range(rows)]
    b, e = w["data_offsets"]
    if e - b != 4 * rows * dim:
        raise TableError("%s: weight data_offsets disagree with its shape" % path)
    if data is None:
        vectors = np.memmap(path, dtype="<f4", mode="r", offset=base + b, shape=(rows, dim))
    else:
        vectors = np.frombuffer(data, dtype="<f4", count=rows * dim, offset=base + b)
        vectors = vectors.reshape(rows, dim)
    return tokens, vectors


def vocab_path(path):
    """NAME.vocab.tsv for NAME.npy or NAME.npy.gz (where embconv writes a .npy's tokens)."""
    base = path[:-3] if path.endswith(".gz") else path
    if not base.endswith(".npy"):
        raise TableError("%s: a .npy matrix keeps its tokens beside it in NAME.vocab.tsv, "
                         "so it needs a file name ending in .npy" % path)
    return base[:-4] + ".vocab.tsv"


def _npy(path, data):
    import io
    vpath = vocab_path(path)
    if data is None:
        vectors = np.load(path, mmap_mode="r", allow_pickle=False)
    else:
        vectors = np.load(io.BytesIO(data), allow_pickle=False)
    if vectors.ndim != 2:
        raise TableError("%s: .npy table must have two dimensions (rows, dim)" % path)
    with open(vpath, "r", encoding="utf-8", errors="surrogateescape", newline="") as f:
        tokens = [r[0] for r in csv.reader(f, delimiter="\t", quotechar='"') if r]
    if len(tokens) != vectors.shape[0]:
        raise TableError("%s: %d tokens for the %d rows of %s"
                         % (vpath, len(tokens), vectors.shape[0], path))
    return tokens, vectors


def _floats(fields, path, line):
    try:
        return [float(x) for x in fields]
    except ValueError:
        raise TableError("%s:%d: a value is not a number" % (path, line)) from None


def _text_or_bin(path, data):
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    nl = data.find(b"\n")
    first = (data[:nl] if nl >= 0 else data).rstrip(b"\r").split()
    if len(first) == 2 and all(x.isdigit() for x in first):
        rows, dim = int(first[0]), int(first[1])
        rest = data[nl + 1:]
        line2 = rest.split(b"\n", 1)[0].rstrip(b"\r ").split(b" ")
        try:
            text = len(line2) == dim + 1 and bool(_floats([x.decode() for x in line2[1:]],
                                                          path, 2))
        except (TableError, UnicodeDecodeError):
            text = False
        if not text:
            return _w2v_bin(path, rest, rows, dim)
        return _text(path, rest, dim, 2)
    return _text(path, data, None, 1)


def _w2v_bin(path, rest, rows, dim):
    tokens, vecs, pos = [], np.empty((rows, dim), dtype=np.float32), 0
    for i in range(rows):
        while pos < len(rest) and rest[pos:pos + 1] == b"\n":
            pos += 1
        sp = rest.find(b" ", pos)
        if sp < 0 or sp + 1 + 4 * dim > len(rest):
            raise TableError("%s: input ends inside row %d" % (path, i + 1))
        tokens.append(_tok(rest[pos:sp]))
        vecs[i] = np.frombuffer(rest, dtype="<f4", count=dim, offset=sp + 1)
        pos = sp + 1 + 4 * dim
    return tokens, vecs


def _text(path, data, dim, line0):
    tokens, rows = [], []
    for k, raw in enumerate(data.split(b"\n")):
        line = raw.rstrip(b"\r").rstrip(b" ")
        if not line:
            continue
        if dim is None:
            dim = len(line.split(b" ")) - 1
            if dim < 1:
                raise TableError("%s:%d: a row needs a token and values" % (path, k + line0))
        parts = line.rsplit(b" ", dim)
        if len(parts) != dim + 1:
            raise TableError("%s:%d: expected %d fields, found %d"
                             % (path, k + line0, dim + 1, len(parts)))
        tokens.append(_tok(parts[0]))
        rows.append(_floats([x.decode("ascii", "replace") for x in parts[1:]], path, k + line0))
    return tokens, np.array(rows, dtype=np.float32).reshape(len(rows), dim or 0)
