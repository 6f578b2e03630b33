"""The masks a table's ``mask`` axis names, as NumPy arrays; no Keras.

``none`` passes no mask; ``right`` keeps the valid steps first (padding after them);
``left`` pads first, as ``keras.utils.pad_sequences`` does by default; ``holes`` masks steps
between valid ones (a mask no padding makes: cuDNN cannot run it, and relations that assume
padding, such as ``padding_equals_truncation``, do not apply).
"""

from __future__ import annotations

import numpy as np

MASK_VALUES = ("none", "right", "left", "holes")


def make_mask(kind: str, batch: int, steps: int) -> np.ndarray | None:
    """The (batch, steps) boolean mask of one kind; the first row is never masked.

    ``right``/``left``: row b keeps max(1, steps - 2b) valid steps, after (``right``) or
    before (``left``) its padding, so later rows are padded more and no row is fully masked
    (cuDNN refuses fully masked rows). ``holes``: every later row masks its odd steps but
    keeps its first and last steps valid (``[1, 0, 1, 0, 1]`` for 5 steps), so each masked
    step lies between valid ones: no row is padded at either end.
    """
    if kind == "none":
        return None
    if kind not in MASK_VALUES:
        raise ValueError(f"mask {kind!r} is not one of {', '.join(MASK_VALUES)}")
    mask = np.zeros((batch, steps), dtype=bool)
    if kind == "holes":
        mask[:] = True
        mask[1:, 1 : steps - 1 : 2] = False
        return mask
    lengths = [max(1, steps - 2 * b) for b in range(batch)]
    for b, length in enumerate(lengths):
        if kind == "right":
            mask[b, :length] = True
        else:
            mask[b, steps - length :] = True
    return mask
