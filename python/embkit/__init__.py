"""embkit for Python: embedding tables and embpack batches, from the shell to PyTorch.

    import embkit
    tokens, vectors = embkit.load("vectors.emb")      # every format embconv reads
    emb = embkit.embedding("vectors.emb", padding_idx=0)   # torch.nn.Embedding, pad row zero
    ds = embkit.PackDataset("train.pack")             # torch IterableDataset of batches

Importing embkit needs only numpy; torch is imported when embedding or PackDataset is first
used.  embkit.pack reads PACK files with numpy alone.
"""

from .pack import PackError
from .tables import TableError, load

__all__ = ["load", "embedding", "PackDataset", "PackError", "TableError"]
__version__ = "0.1.0"


def __getattr__(name):
    if name in ("embedding", "PackDataset"):
        from . import _torch
        return getattr(_torch, name)
    raise AttributeError("module 'embkit' has no attribute %r" % name)
