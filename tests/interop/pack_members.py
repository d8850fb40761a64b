"""Check a gzip PACK file's members: each decodes on its own (zlib, RFC 1952), carries its own
size in its header's "EK" extra subfield, starts at a
record (the file header or a batch, or continues a batch larger than 1 MiB that started a member
before it), holds at most 1 MiB, and all of them together give the uncompressed PACK file."""
import struct
import sys
import zlib

gz, plain = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
MIB = 1 << 20
pos, members, decoded = 0, 0, b""
starts = {0}  # offsets of records in the plain file
off = 32
while off < len(plain):
    starts.add(off)
    magic = plain[off:off + 4]
    if magic == b"EPKE":
        off += 48
        continue
    assert magic == b"EPKB", (off, magic)
    off += 48 + struct.unpack_from("<Q", plain, off + 32)[0]
big_left = 0  # bytes of a big batch still to come in members of its own
while pos < len(gz):
    # our header: FEXTRA with one "EK" subfield holding the member's whole size
    assert gz[pos:pos + 16] == bytes.fromhex("1f8b08040000000000ff0800454b0400"), members
    zsize = struct.unpack_from("<I", gz, pos + 16)[0]
    d = zlib.decompressobj(16 + 15)
    out = d.decompress(gz[pos:])
    assert d.eof, "member %d does not end" % members
    assert len(out) <= MIB, "member %d holds %d bytes" % (members, len(out))
    start = len(decoded)
    if big_left:
        assert len(out) <= big_left or len(decoded) + big_left in starts, members
        big_left = max(0, big_left - len(out))
    else:
        assert start in starts, "member %d starts at %d, not at a record" % (members, start)
        if plain[start:start + 4] == b"EPKB":
            size = 48 + struct.unpack_from("<Q", plain, start + 32)[0]
            if size > MIB:
                assert len(out) == MIB, members
                big_left = size - len(out)
    # a member that ends inside a normal batch would leave the next member off a record
    decoded += out
    assert len(gz) - len(d.unused_data) - pos == zsize, "member %d: size field %d" % (members, zsize)
    pos = len(gz) - len(d.unused_data)
    members += 1
assert decoded == plain, "members do not decode to the plain file"
print("members %d ok" % members)
