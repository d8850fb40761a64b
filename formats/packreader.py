"""Read embpack's PACK batch stream (formats/PACK.md) with numpy only.

    import packreader
    for batch in packreader.read("batches.pack"):      # or a binary file object
        padded, lengths = batch["padded"], batch["lengths"]   # numpy int64 arrays

Each batch is a dict: number, batch_first, padding_idx, and the arrays index, lengths,
sorted_indices, unsorted_indices, batch_sizes, padded (B x T or T x B), data (all int64, as
torch wants them) and, when the file has vectors, vectors (float32, N x dim).  Gzip input
(members holding whole batches) is recognised by its magic bytes.  A damaged or truncated stream
raises PackError naming the batch ("batch 3 truncated").
"""

import gzip
import struct
import zlib

import numpy as np

FILE_MAGIC = b"EMBPACK\0"
HEADER = struct.Struct("<8sIIiII I")   # magic version flags padding_idx dim reserved crc
RECORD = struct.Struct("<4sIIIQQQII")  # magic B T reserved number N payload payload_crc crc


class PackError(ValueError):
    pass


def _read_exact(f, n):
    buf = bytearray()
    while len(buf) < n:
        try:
            chunk = f.read(n - len(buf))
        except EOFError:        # a gzip member cut short: the caller names the batch
            break
        except (gzip.BadGzipFile, zlib.error) as e:
            raise PackError(str(e)) from None
        if not chunk:
            break
        buf += chunk
    return bytes(buf)


def _open(src):
    f = open(src, "rb") if isinstance(src, (str, bytes)) or hasattr(src, "__fspath__") else src
    head = f.peek(2)[:2] if hasattr(f, "peek") else b""
    if head == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=f, mode="rb")
    return f


def read(src):
    """Yield the batches of a PACK file (path or binary file object)."""
    f = _open(src)
    raw = _read_exact(f, HEADER.size)
    if len(raw) < HEADER.size or raw[:8] != FILE_MAGIC:
        raise PackError("not a PACK file")
    magic, version, flags, pad, dim, reserved, crc = HEADER.unpack(raw)
    if zlib.crc32(raw[:28]) != crc:
        raise PackError("bad file header CRC")
    if reserved:
        raise PackError("bad file header: reserved field is not 0")
    if version != 1 or flags & ~7 or bool(flags & 2) != bool(dim):
        raise PackError("unsupported PACK header (version %d, flags %#x)" % (version, flags))
    batch_first = bool(flags & 1)
    k = 0
    totals = [0, 0, 0]
    while True:
        h = _read_exact(f, RECORD.size)
        if not h:
            raise PackError("truncated after batch %d (no end record)" % (k - 1) if k
                            else "truncated after the file header (no end record)")
        if len(h) < RECORD.size:
            raise PackError("batch %d truncated" % k)
        magic, B, T, reserved, number, N, payload, pcrc, hcrc = RECORD.unpack(h)
        if zlib.crc32(h[:44]) != hcrc:
            raise PackError("batch %d: bad record header CRC" % k)
        if magic == b"EPKE" and (B or T or reserved or pcrc):
            raise PackError("batch %d: end record: reserved fields are not 0" % k)
        if reserved:
            raise PackError("batch %d: reserved field is not 0" % k)
        if magic == b"EPKE":
            if [number, N, payload] != totals:
                raise PackError("batch %d: end record totals do not match" % k)
            return
        if magic != b"EPKB" or number != k:
            raise PackError("batch %d: bad record" % k)
        sizes = [("index", "<i8", B), ("lengths", "<i4", B), ("sorted_indices", "<i4", B),
                 ("unsorted_indices", "<i4", B), ("batch_sizes", "<i4", T),
                 ("padded", "<i4", B * T), ("data", "<i4", N)]
        if dim:
            sizes.append(("vectors", "<f4", N * dim))
        want = sum(np.dtype(t).itemsize * n for _, t, n in sizes)
        if want != payload:
            raise PackError("batch %d: bad sizes in the record header" % k)
        body = _read_exact(f, payload)
        if len(body) < payload:
            raise PackError("batch %d truncated" % k)
        if zlib.crc32(body) != pcrc:
            raise PackError("batch %d: bad payload CRC" % k)
        out = {"number": number, "batch_first": batch_first, "padding_idx": pad}
        off = 0
        for name, t, n in sizes:
            a = np.frombuffer(body, dtype=t, count=n, offset=off)
            off += a.nbytes
            out[name] = a.astype(np.float32 if t == "<f4" else np.int64)
        out["padded"] = out["padded"].reshape((B, T) if batch_first else (T, B))
        if dim:
            out["vectors"] = out["vectors"].reshape(N, dim)
        totals = [k + 1, totals[1] + N, totals[2] + B]
        k += 1
        yield out


if __name__ == "__main__":
    import sys
    n = s = t = 0
    for b in read(sys.argv[1] if len(sys.argv) > 1 else sys.stdin.buffer):
        n += 1
        s += len(b["lengths"])
        t += len(b["data"])
    print("batches %d sequences %d tokens %d" % (n, s, t))
