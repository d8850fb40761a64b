"""The parts of embkit that return torch objects (imported on first use, never by `import
embkit`): embedding() and PackDataset."""

import glob
import os

import numpy as np
import torch
from torch.nn.utils.rnn import PackedSequence

from . import pack as _pack
from .tables import load


def embedding(path, padding_idx=None, max_norm=None, norm_type=2.0, freeze=True):
    """A torch.nn.Embedding holding the table at PATH (any format load() reads).

    padding_idx, max_norm, norm_type and freeze mean what they mean to
    nn.Embedding.from_pretrained, with one trap fixed: from_pretrained leaves the padding row
    as the file has it, while here it is zero (so it is zero in the output, as the gradient
    mask of padding_idx assumes).  The module also carries `tokens` (row i = tokens[i]).
    """
    tokens, vectors = load(path)
    weight = torch.tensor(np.asarray(vectors, dtype=np.float32))  # a copy: maps stay read-only
    if padding_idx is not None:
        n = weight.shape[0]
        if not -n <= padding_idx < n:
            raise ValueError("padding_idx %d is out of range (%d rows)" % (padding_idx, n))
        weight[padding_idx] = 0
    emb = torch.nn.Embedding.from_pretrained(weight, freeze=freeze, padding_idx=padding_idx,
                                             max_norm=max_norm, norm_type=norm_type)
    emb.tokens = tokens
    return emb


def _paths(paths):
    if isinstance(paths, (str, os.PathLike)):
        p = os.fspath(paths)
        if os.path.exists(p) or not glob.has_magic(p):
            return [p]
        found = sorted(glob.glob(p))
        if not found:
            raise FileNotFoundError("no PACK file matches '%s'" % p)
        return found
    out = [os.fspath(p) for p in paths]
    if not out:
        raise ValueError("PackDataset needs at least one file")
    return out


_SCALARS = ("number", "batch_first", "enforce_sorted", "padding_idx")


class _Batch(dict):
    """A batch whose integer tensors are views of one int64 tensor, and which pickles as that
    one tensor (plus the vectors): a DataLoader worker hands it over as one shared block, not
    as seven (each tensor costs a file descriptor and a round trip between processes)."""

    def __reduce__(self):
        # the DataLoader rebuilds the dict (default_convert) before pickling it, so the
        # shared block is found again from the tensors: views of one base tensor
        ints = {k: v for k, v in self.items() if isinstance(v, torch.Tensor) and
                v.dtype == torch.int64}
        base = next(iter(ints.values()))._base if ints else None
        if base is None or any(v._base is not base for v in ints.values()):
            return (dict, (dict(self),))
        layout = [(k, v.storage_offset(), tuple(v.shape)) for k, v in ints.items()]
        return (_make, (base, layout, self.get("vectors"),
                        tuple(self[k] for k in _SCALARS), self["path"]))


def _make(base, layout, vectors, scalars, path):
    t = _Batch(zip(_SCALARS, scalars))
    for name, off, shape in layout:
        t[name] = base[off:off + int(np.prod(shape))].view(shape)
    if vectors is not None:
        t["vectors"] = vectors
    t["path"] = path
    sorted_idx = None if t["enforce_sorted"] else t["sorted_indices"]
    unsorted_idx = None if t["enforce_sorted"] else t["unsorted_indices"]
    data = t["vectors"] if vectors is not None else t["data"]
    t["packed"] = PackedSequence(data, t["batch_sizes"], sorted_idx, unsorted_idx)
    return t


def _to_torch(raw, path):
    """A batch from embkit.pack (numpy) as the dict of tensors PackDataset yields."""
    b, buf, layout = raw
    vectors = torch.from_numpy(b["vectors"]) if "vectors" in b else None
    return _make(torch.from_numpy(buf), layout, vectors, tuple(b[k] for k in _SCALARS), path)


class PackDataset(torch.utils.data.IterableDataset):
    """Batches of embpack's PACK files as dicts of tensors, for DataLoader(ds, batch_size=None).

    PATHS: one file, a list of files, or a glob ("shards/*.pack", sorted).  Each batch is
    yielded exactly once per epoch across DataLoader workers: a worker takes every W-th piece
    of whole batches (a record of a plain file, a group of gzip members of a compressed one,
    found without decoding).  With one worker and no shuffle, files are read in order, batch
    after batch, checking every CRC and the end record.  shuffle=True permutes the pieces by
    (seed, epoch): reproducible; call set_epoch(e) each epoch when using workers (the epoch
    advances by itself in the main process).

    A batch: "packed" (PackedSequence of the ids, or of the vectors when the file has them),
    "padded", "lengths", "index", "data", "batch_sizes", "sorted_indices", "unsorted_indices"
    (int64 tensors), "vectors" (float32, with --embed), "number", "batch_first",
    "enforce_sorted", "padding_idx", "path" (the file).  A damaged file raises embkit.PackError naming the file
    and the batch.
    """

    def __init__(self, paths, shuffle=False, seed=None):
        super().__init__()
        self.paths = _paths(paths)
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def _pieces(self):
        out = []
        for p in self.paths:
            kind, meta, units = _pack.units(p)
            out.extend((p, kind, meta, u) for u in units)
        return out

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        wid, nw = (info.id, info.num_workers) if info else (0, 1)
        epoch = self.epoch
        if info is None:
            self.epoch += 1
        if nw == 1 and not self.shuffle:
            for p in self.paths:
                for b in _pack.read_raw(p):
                    yield _to_torch(b, p)
            return
        pieces = self._pieces()
        order = np.arange(len(pieces))
        if self.shuffle:
            order = np.random.default_rng([self.seed or 0, epoch]).permutation(len(pieces))
        for i in order[wid::nw]:
            p, kind, meta, u = pieces[i]
            for b in _pack.read_unit(p, kind, meta, u):
                yield _to_torch(b, p)
