"""Read embpack's PACK batch stream (formats/PACK.md) with numpy only.

    from embkit import pack
    for batch in pack.read("batches.pack"):      # or a binary file object
        padded, lengths = batch["padded"], batch["lengths"]   # numpy int64 arrays

Each batch is a dict: number, batch_first, enforce_sorted, padding_idx, and the arrays index,
lengths, sorted_indices, unsorted_indices, batch_sizes, padded (B x T or T x B), data (all
int64, as torch wants them) and, when the file has vectors, vectors (float32, N x dim).  Gzip
input is read a member at a time (never the whole file).  A damaged or truncated stream raises
PackError naming the file and the batch ("train.pack: batch 3 truncated").

`units(path)` cuts a file into pieces that each hold whole batches, without decoding them (the
record headers of a plain file; for gzip, the members, by the size each embkit member carries
in its "EK" header field); `read_unit(path, unit)` decodes one.  PackDataset uses them to give
every DataLoader worker its own share of the batches.
"""

import gzip
import struct
import zlib

import numpy as np

FILE_MAGIC = b"EMBPACK\0"
HEADER = struct.Struct("<8sIIiII I")   # magic version flags padding_idx dim reserved crc
RECORD = struct.Struct("<4sIIIQQQII")  # magic B T reserved number N payload payload_crc crc
GZ_EK = b"\x1f\x8b\x08\x04"            # embkit's members: FEXTRA with the EK size subfield


class PackError(ValueError):
    """A damaged, truncated or foreign PACK stream; the message names the file and batch."""


def _read_exact(f, n):
    buf = bytearray()
    while len(buf) < n:
        try:
            chunk = f.read(n - len(buf))
        except EOFError:        # a gzip member cut short: the caller names the batch
            break
        except (gzip.BadGzipFile, zlib.error, OSError) as e:
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


def parse_header(raw):
    """(batch_first, enforce_sorted, padding_idx, dim) of a 32-byte file header."""
    if len(raw) < HEADER.size or raw[:8] != FILE_MAGIC:
        raise PackError("not a PACK file")
    _, version, flags, pad, dim, reserved, crc = HEADER.unpack(raw[:HEADER.size])
    if zlib.crc32(raw[:28]) != crc:
        raise PackError("bad file header CRC")
    if reserved:
        raise PackError("bad file header: reserved field is not 0")
    if version != 1 or flags & ~7 or bool(flags & 2) != bool(dim):
        raise PackError("unsupported PACK header (version %d, flags %#x)" % (version, flags))
    return bool(flags & 1), bool(flags & 4), pad, dim


def _layout(B, T, N, dim):
    sizes = [("index", "<i8", B), ("lengths", "<i4", B), ("sorted_indices", "<i4", B),
             ("unsorted_indices", "<i4", B), ("batch_sizes", "<i4", T),
             ("padded", "<i4", B * T), ("data", "<i4", N)]
    if dim:
        sizes.append(("vectors", "<f4", N * dim))
    return sizes


def _check_record(h, k):
    """The fields of record header H (48 bytes) expected to be batch K (None: any)."""
    magic, B, T, reserved, number, N, payload, pcrc, hcrc = RECORD.unpack(h)
    label = "?" if k is None else k
    if zlib.crc32(h[:44]) != hcrc:
        raise PackError("batch %s: bad record header CRC" % label)
    if magic == b"EPKE" and (B or T or reserved or pcrc):
        raise PackError("batch %s: end record: reserved fields are not 0" % label)
    if reserved:
        raise PackError("batch %s: reserved field is not 0" % label)
    if magic not in (b"EPKB", b"EPKE") or (magic == b"EPKB" and k is not None and number != k):
        raise PackError("batch %s: bad record" % label)
    return magic, B, T, number, N, payload, pcrc


def _batch(k, h, body, meta):
    """(batch dict, int64 buffer, layout): every integer array of the batch is a view of the
    one buffer (layout: (name, offset, shape) each), so a consumer can ship a batch between
    processes as one block (PackDataset does)."""
    batch_first, enforce, pad, dim = meta
    magic, B, T, number, N, payload, pcrc = h
    sizes = _layout(B, T, N, dim)
    if sum(np.dtype(t).itemsize * n for _, t, n in sizes) != payload or B < 1 or T < 1:
        raise PackError("batch %d: bad sizes in the record header" % k)
    if len(body) < payload:
        raise PackError("batch %d truncated" % k)
    if zlib.crc32(body) != pcrc:
        raise PackError("batch %d: bad payload CRC" % k)
    out = {"number": number, "batch_first": batch_first, "enforce_sorted": enforce,
           "padding_idx": pad}
    shapes = {"padded": (B, T) if batch_first else (T, B)}
    buf = np.empty(4 * B + T + B * T + N, dtype=np.int64)
    layout, src, dst = [], 0, 0
    for name, t, n in sizes:
        a = np.frombuffer(body, dtype=t, count=n, offset=src)
        src += a.nbytes
        if name == "vectors":
            out["vectors"] = a.reshape(N, dim).copy()
            continue
        buf[dst:dst + n] = a
        shape = shapes.get(name, (n,))
        out[name] = buf[dst:dst + n].reshape(shape)
        layout.append((name, dst, shape))
        dst += n
    return out, buf, layout


def read(src, name=None):
    """Yield the batches of a PACK file (path or binary file object) in order, checking all."""
    name = name or (src if isinstance(src, str) else getattr(src, "name", "<stream>"))
    for b, _, _ in read_raw(src, name):
        yield b


def read_raw(src, name=None):
    """As read(), yielding (batch, int64 buffer, layout) as _batch() makes them."""
    name = name or (src if isinstance(src, str) else getattr(src, "name", "<stream>"))
    try:
        yield from _read(_open(src))
    except PackError as e:
        raise PackError("%s: %s" % (name, e)) from None


def _read(f):
    meta = parse_header(_read_exact(f, HEADER.size))
    k = 0
    totals = [0, 0, 0]
    while True:
        h = _read_exact(f, RECORD.size)
        if not h:
            raise PackError("truncated after batch %d (no end record)" % (k - 1) if k
                            else "truncated after the file header (no end record)")
        if len(h) < RECORD.size:
            raise PackError("batch %d truncated" % k)
        r = _check_record(h, k)
        if r[0] == b"EPKE":
            if [r[3], r[4], r[5]] != totals:
                raise PackError("batch %d: end record totals do not match" % k)
            if _read_exact(f, 1):
                raise PackError("bytes after the end record")
            return
        body = _read_exact(f, r[5])
        b = _batch(k, r, body, meta)
        totals = [k + 1, totals[1] + r[4], totals[2] + r[1]]
        k += 1
        yield b


# ---- units: whole batches found without decoding, for sharding over workers ----

def _gz_member_size(f, at):
    """The EK size of the embkit gzip member at AT, or None (not one of ours)."""
    f.seek(at)
    h = f.read(20)
    if len(h) < 20 or h[:4] != GZ_EK or h[10:12] != b"\x08\x00" or h[12:14] != b"EK" \
            or h[14:16] != b"\x04\x00":
        return None
    return struct.unpack("<I", h[16:20])[0]


def units(path):
    """(kind, meta, [unit...]) for PATH: kind "plain" (units are record offsets), "members"
    (units are lists of (offset, size) gzip members that start at a record) or "stream" (one
    unit: the whole file, a gzip without our member sizes)."""
    with open(path, "rb") as f:
        size = f.seek(0, 2)
        f.seek(0)
        head = f.read(2)
        if head == b"\x1f\x8b":
            members, at = [], 0
            while at < size:
                n = _gz_member_size(f, at)
                if n is None or n < 20 or at + n > size:
                    return "stream", None, [None]
                members.append((at, n))
                at += n
            # a member starts a unit when it begins at a record (a batch over 1 MiB continues
            # in members of its own, which join the unit before them)
            groups = []
            for i, (at, n) in enumerate(members):
                f.seek(at)
                first = zlib.decompressobj(31).decompress(f.read(min(n, 4096)), RECORD.size)
                starts = i == 0 or (len(first) == RECORD.size and
                                    zlib.crc32(first[:44]) == struct.unpack("<I", first[44:])[0])
                if starts or not groups:
                    groups.append([(at, n)])
                else:
                    groups[-1].append((at, n))
            f.seek(0)
            first = zlib.decompressobj(31).decompress(f.read(min(members[0][1], 4096)),
                                                       HEADER.size)
            try:
                meta = parse_header(first)
            except PackError as e:
                raise PackError("%s: %s" % (path, e)) from None
            return "members", meta, groups
        f.seek(0)
        try:
            meta = parse_header(_read_exact(f, HEADER.size))
        except PackError as e:
            raise PackError("%s: %s" % (path, e)) from None
        offs, at, k = [], HEADER.size, 0
        while True:
            f.seek(at)
            h = f.read(RECORD.size)
            try:
                if len(h) < RECORD.size:
                    raise PackError("batch %d truncated" % k if h else
                                    "truncated after batch %d (no end record)" % (k - 1))
                r = _check_record(h, k)
            except PackError as e:
                raise PackError("%s: %s" % (path, e)) from None
            if r[0] == b"EPKE":
                if r[3] != k or at + RECORD.size != size:
                    raise PackError("%s: batch %d: bad end record" % (path, k))
                return "plain", meta, offs
            offs.append((at, k))
            at += RECORD.size + r[5]
            k += 1


def read_unit(path, kind, meta, unit):
    """Yield the batches of one unit of PATH (see units()) as read_raw() does."""
    if kind == "stream":
        yield from read_raw(path)
        return
    k = None
    try:
        with open(path, "rb") as f:
            if kind == "plain":
                at, k = unit
                f.seek(at)
                h = f.read(RECORD.size)
                if len(h) < RECORD.size:
                    raise PackError("batch %d truncated" % k)
                r = _check_record(h, k)
                yield _batch(k, r, f.read(r[5]), meta)
                return
            buf = bytearray()
            for at, n in unit:
                f.seek(at)
                raw = f.read(n)
                d = zlib.decompressobj(31)
                try:
                    buf += d.decompress(raw)
                except zlib.error as e:
                    raise PackError("gzip member at byte %d: %s" % (at, e)) from None
                if not d.eof or d.unused_data:
                    raise PackError("gzip member at byte %d does not match its size" % at)
            view, pos = bytes(buf), 0
            if view[:8] == FILE_MAGIC:
                pos = HEADER.size
            while pos < len(view):
                h = view[pos:pos + RECORD.size]
                if len(h) < RECORD.size:
                    raise PackError("batch %s truncated" % ("?" if k is None else k + 1))
                r = _check_record(h, None if k is None else k + 1)
                if r[0] == b"EPKE":
                    return
                k = r[3]
                body = view[pos + RECORD.size:pos + RECORD.size + r[5]]
                yield _batch(k, r, body, meta)
                pos += RECORD.size + r[5]
    except PackError as e:
        raise PackError("%s: %s" % (path, e)) from None


def main(argv):
    n = s = t = 0
    for b in read(argv[1] if len(argv) > 1 else __import__("sys").stdin.buffer):
        n += 1
        s += len(b["lengths"])
        t += len(b["data"])
    print("batches %d sequences %d tokens %d" % (n, s, t))


if __name__ == "__main__":
    main(__import__("sys").argv)
