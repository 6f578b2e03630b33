"""The masks a table's ``mask`` axis names, as NumPy arrays; no Keras.

``none`` passes no mask; ``right`` keeps the valid steps first (padding after them);
``left`` pads first, as ``keras.utils.pad_sequences`` does by default.
"""

from __future__ import annotations

import numpy as np

MASK_VALUES = ("none", "right", "left")


def make_mask(kind: str, batch: int, steps: int) -> np.ndarray | None:
    """Right-padded (valid steps first) or left-padded (``pad_sequences``'s default) masks.

    Row b keeps max(1, steps - 2b) valid steps: the first row is unpadded, later rows are
    padded more, and no row is fully masked (cuDNN refuses fully masked rows).
    """
    if kind == "none":
        return None
    if kind not in MASK_VALUES:
        raise ValueError(f"mask {kind!r} is not one of {', '.join(MASK_VALUES)}")
    lengths = [max(1, steps - 2 * b) for b in range(batch)]
    mask = np.zeros((batch, steps), dtype=bool)
    for b, length in enumerate(lengths):
        if kind == "right":
            mask[b, :length] = True
        else:
            mask[b, steps - length :] = True
    return mask
