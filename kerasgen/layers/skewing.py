"""Skewing (PixelRNN's Diagonal BiLSTM): row i of a map shifted right by i positions.

#### Mathematical details

For a map x of height H and width W (batch and features left out), the skewed map has width
W + H - 1 and the unskewed map undoes it exactly:

    skew(x)[i, t]   = x[i, t - i]    if 0 <= t - i < W,   else 0
    unskew(y)[i, j] = y[i, i + j]                          (0 <= j < W)

so unskew(skew(x)) = x. A diagonal of the image ({(i, j): i + j = t}) becomes column t of the
skewed map: a recurrence along the columns of skew(x) walks the image diagonal by diagonal,
and a 2 x 1 kernel over rows (i - 1, i) of column t - 1 reads pixels (i - 1, j) and (i, j - 1).

Both are a pad, a reshape and a slice (no gather, no loop; TFLite builtins):

    skew:   rows [x_i, 0 (H times)] flattened: x_0 0..0 x_1 0..0 ... x_{H-1} 0..0; drop the
            last H values and read the rest as H rows of W + H - 1: row i starts i later.
    unskew: flatten, append H zeros, read as H rows of W + H, keep the first W columns.

Example:
    >>> import numpy as np
    >>> x = np.arange(6, dtype=np.float32).reshape([1, 2, 3, 1])
    >>> skew(x)[0, ..., 0].numpy().tolist()
    [[0.0, 1.0, 2.0, 0.0], [0.0, 3.0, 4.0, 5.0]]
    >>> bool(np.array_equal(unskew(skew(x), width=3), x))
    True

References:
    van den Oord, Kalchbrenner & Kavukcuoglu 2016, "Pixel Recurrent Neural Networks", ICML
    (section 3.2, figure 3).
"""

import tensorflow as tf

from kerasgen.utils import validation as v


def skew(x):
    """``[B, H, W, F] -> [B, H, W + H - 1, F]``: row i shifted right by i (zeros elsewhere).
    H, W and F must be known statically."""
    _, height, width, features = x.shape
    padded = tf.pad(x, [[0, 0], [0, 0], [0, height], [0, 0]])  # [B, H, W + H, F]
    flat = tf.reshape(padded, [-1, height * (width + height), features])[:, :-height]
    return tf.reshape(flat, [-1, height, width + height - 1, features])


def unskew(y, width):
    """``[B, H, W + H - 1, F] -> [B, H, W, F]``: the exact inverse of `skew`."""
    _, height, skewed_width, features = y.shape
    if skewed_width != width + height - 1:
        v.fail("y", f"{skewed_width} columns",
               f"width + height - 1 = {width + height - 1} columns for width={width}")
    flat = tf.reshape(y, [-1, height * skewed_width, features])
    flat = tf.pad(flat, [[0, 0], [0, height], [0, 0]])
    return tf.reshape(flat, [-1, height, width + height, features])[:, :, :width]
