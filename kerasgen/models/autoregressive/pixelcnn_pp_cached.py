"""Cached sampling for PixelCNN++ (Ramachandran et al. 2017, adapted to the two streams).

#### Mathematical details

Sampling pixel (i, j) needs the network output at (i, j) only. The two streams are cached
differently:

    u  (rows above)       Row i of every u output depends on image rows < i only, so
                          `PixelCNNPlusPlusNetwork.u_stream` runs once per image row (at j = 0)
                          on the image so far: H passes of half the network instead of H*W.
    ul (above and left)   Computed one position per step. Every down-right convolution has
                          a 2x2 kernel, so it reads rows a-1 and a only: each layer keeps a
                          two-row buffer of its input (previous row, current row, one column
                          of zero padding on the left), rotated when a new row starts
                          (at j = 0, with the u pass).

Resolution r (r = 0 is the image; each halves the last) has position (a, b) =
(i >> r, j >> r), computed at the step where both i and j are multiples of 2^r:

    entry_0 = ul_init(i, j)               from the image (rows i-1..i, columns j-1..j+1)
    at resolution r:  down blocks -> [if r < R-1: downsample when a, b are even, which
                      runs resolution r+1 at (a/2, b/2); upsample reads its latest output at
                      (a >> 1, b >> 1) with kernel tap (a % 2, b % 2)] -> up blocks
    params(i, j) = out(elu(ul at resolution 0))

A gated block at one position: write x into its input buffer, conv_in on the 2x2 window,
`GatedResidual.hidden` with the u output at (a, b) (and the skip), write c into a second
buffer, conv_out on its window, `GatedResidual.gated`. All arithmetic is the layers' own
(`call_at`), so the result equals the full network's output at (i, j) (tested: cached and
naive sampling give the same images for the same uniforms).

Cost per step: O(blocks * 4 * F^2) for ul, plus one half-network pass per row for u.
"""

import tensorflow as tf

from kerasgen.layers.shifted import concat_elu, with_ones_channel
from kerasgen.sampling.autoregressive import put_pixel


def _column_mask(width, b):
    """``[1, 2, width + 1, 1]``: 1 at (current row, column b + 1), where a two-row buffer
    ``[B, 2, W + 1, F]`` keeps column b (column 0 is the zero padding)."""
    return tf.reshape(tf.one_hot(width + 1 + b + 1, 2 * (width + 1)), [1, 2, width + 1, 1])


def _put(buffer, where, value):
    """The buffer with ``value`` ([B, F]) at the position `where` marks."""
    return buffer * (1.0 - where) + value[:, tf.newaxis, tf.newaxis, :] * where


def _window(buffer, b):
    """Rows (a-1, a), columns (b-1, b): the 2x2 window of a down-right convolution."""
    return tf.slice(buffer, tf.stack([0, 0, b, 0]), [-1, 2, 2, -1])


def _start_row(buffer):
    """The current row becomes the previous one and a zero row starts."""
    return tf.concat([buffer[:, 1:], tf.zeros_like(buffer[:, 1:])], axis=1)


class CachedPixelCNNPlusPlusStepper:
    """Stepper for `kerasgen.sampling.autoregressive.sample_pixels` (module docstring)."""

    def __init__(self, network, image_shape, condition):
        self.network, self.image_shape, self.condition = network, tuple(image_shape), condition
        self.levels = network.num_hierarchies
        height, width, _ = self.image_shape
        self.sizes = [(height >> r, width >> r) for r in range(self.levels)]
        # Down-right blocks per resolution, each with its index k into the u outputs.
        self.down_blocks, self.up_blocks, k = [], [None] * self.levels, 0
        for r in range(self.levels):
            self.down_blocks.append([(k + n, block) for n, block in
                                     enumerate(network.down_ul[r])])
            k += len(network.down_ul[r])
        for level, blocks in enumerate(network.up_ul):  # the up pass starts at the coarsest
            self.up_blocks[self.levels - 1 - level] = [(k + n, b) for n, b in enumerate(blocks)]
            k += len(blocks)
        self.resolution_of, self.biases = {}, {}
        for r in range(self.levels):
            for k, block in self.down_blocks[r] + self.up_blocks[r]:
                self.resolution_of[k] = r
                self.biases[k] = block.condition_bias(condition, self.sizes[r][0])

    # ------------------------------------------------------------------ state
    def init_state(self, batch):
        height, width, channels = self.image_shape
        f = self.network.filters
        buffers = {}
        for k, r in self.resolution_of.items():
            buffers[f"in{k}"] = tf.zeros([batch, 2, self.sizes[r][1] + 1, f])
            buffers[f"c{k}"] = tf.zeros([batch, 2, self.sizes[r][1] + 1, 2 * f])
        for r in range(self.levels - 1):
            buffers[f"down{r}"] = tf.zeros([batch, 2, self.sizes[r][1] + 1, f])
        latest = {f"up{r}": tf.zeros([batch, self.sizes[r][1], f])
                  for r in range(1, self.levels)}
        u_outputs = [tf.zeros([batch, *self.sizes[self.resolution_of[k]], f])
                     for k in range(len(self.resolution_of))]
        return tf.zeros([batch, height, width, channels]), u_outputs, buffers, latest

    def write(self, state, i, j, pixel_units):
        image, *rest = state
        return (put_pixel(image, i, j, pixel_units), *rest)

    # ------------------------------------------------------------------ one position
    def params_at(self, state, i, j):
        image, u_outputs, buffers, latest = state
        u_outputs, buffers = tf.cond(tf.equal(j, 0),
                                     lambda: self._start_image_row(image, i, buffers),
                                     lambda: (list(u_outputs), dict(buffers)))
        entry = self._ul_init(image, i, j)
        ul, buffers, latest = self._resolution(0, entry, i, j, u_outputs, dict(buffers),
                                               dict(latest))
        params = self.network.out(tf.nn.elu(ul))
        return params, (image, u_outputs, buffers, latest)

    def _start_image_row(self, image, i, buffers):
        """At j = 0: the u stream for this row, and a new row in the buffers of every
        resolution whose row starts here (r = 0, and r with i a multiple of 2^r)."""
        u_outputs = self.network.u_stream(with_ones_channel(image), self.condition)
        buffers = dict(buffers)
        for r in range(self.levels):
            starts = tf.equal(i % 2 ** r, 0)
            for key in self._keys(r):
                rotated = _start_row(buffers[key])
                buffers[key] = rotated if r == 0 else tf.where(starts, rotated, buffers[key])
        return u_outputs, buffers

    def _ul_init(self, image, i, j):
        """down_shift(DownShifted_1x3(x'))(i, j) + right_shift(DownRightShifted_2x1(x'))(i, j)
        from the image padded by a row on top and a column each side."""
        net = self.network
        padded = tf.pad(with_ones_channel(image), [[0, 0], [1, 0], [1, 1], [0, 0]])
        above = net.ul_init_down.call_at(tf.slice(padded, tf.stack([0, i, j, 0]),
                                                  [-1, 1, 3, -1]))
        left = net.ul_init_right.call_at(tf.slice(padded, tf.stack([0, i, j, 0]),
                                                  [-1, 2, 1, -1]))
        return above * tf.cast(i > 0, above.dtype) + left * tf.cast(j > 0, left.dtype)

    def _resolution(self, r, entry, i, j, u_outputs, buffers, latest):
        """ul at resolution r, position (i >> r, j >> r), and the updated caches."""
        a, b = i // 2 ** r, j // 2 ** r
        where = _column_mask(self.sizes[r][1], b)
        ul, skips = entry, [entry]
        for k, block in self.down_blocks[r]:
            ul, buffers = self._block(k, block, ul, u_outputs[k][:, a, b], a, b, where,
                                      buffers)
            skips.append(ul)
        if r == self.levels - 1:
            ul = skips.pop()
        else:
            buffers[f"down{r}"] = _put(buffers[f"down{r}"], where, ul)

            def coarser():
                low = self.network.downsample_ul[r].call_at(_window(buffers[f"down{r}"], b))
                out, new_buffers, new_latest = self._resolution(
                    r + 1, low, i, j, u_outputs, dict(buffers), dict(latest))
                row = new_latest[f"up{r + 1}"]
                new_latest[f"up{r + 1}"] = row + (out[:, tf.newaxis] - row) * tf.one_hot(
                    b // 2, row.shape[1])[tf.newaxis, :, tf.newaxis]
                return new_buffers, new_latest

            buffers, latest = tf.cond(tf.logical_and(tf.equal(a % 2, 0), tf.equal(b % 2, 0)),
                                      coarser, lambda: (dict(buffers), dict(latest)))
            upsample = self.network.upsample_ul[self.levels - 2 - r]
            ul = upsample.call_at(latest[f"up{r + 1}"][:, b // 2], a, b)
        for k, block in self.up_blocks[r]:
            auxiliary = tf.concat([u_outputs[k][:, a, b], skips.pop()], axis=-1)
            ul, buffers = self._block(k, block, ul, auxiliary, a, b, where, buffers)
        return ul, buffers, latest

    def _keys(self, r):
        keys = [f"{kind}{k}" for k, level in self.resolution_of.items() if level == r
                for kind in ("in", "c")]
        return keys + ([f"down{r}"] if r < self.levels - 1 else [])

    def _block(self, k, block, x, auxiliary, a, b, where, buffers):
        buffers[f"in{k}"] = _put(buffers[f"in{k}"], where, x)
        c = block.hidden(block.conv_in.call_at(concat_elu(_window(buffers[f"in{k}"], b))),
                         auxiliary)
        buffers[f"c{k}"] = _put(buffers[f"c{k}"], where, c)
        bias = self.biases[k]
        if bias is not None:
            bias = bias[:, 0, 0] if bias.shape[1] == 1 else bias[:, a, b]
        return block.gated(x, block.conv_out.call_at(_window(buffers[f"c{k}"], b)), bias), \
            buffers
