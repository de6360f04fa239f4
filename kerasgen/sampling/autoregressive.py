"""Weight-free raster-order sampling for autoregressive image models (PixelCNN, PixelCNN++).

A *stepper* knows how to get the output distribution's parameters at one position:

    state = stepper.init_state(batch)
    params, state = stepper.params_at(state, i, j)      # [B, P] at pixel (i, j)
    state = stepper.write(state, i, j, pixel_units)     # the new pixel, network units [B, C]

`NaiveStepper` recomputes the whole network on the current image for every step (one full
pass per pixel); a model's cached stepper computes only position (i, j) of every layer from
per-layer caches. Both are driven by `sample_pixels` with the *same* uniforms, so they give the
same samples.

    for t in raster order (pixel by pixel, or channel by channel for channel-masked models):
        params = params_at(i, j);  pixel = head.sample_from_flat_uniforms(params, u[i, j], T)
        keep channel c only (channel-masked models), keep known values (completion)
        write(i, j, pixel)

Example:
    >>> import tensorflow as tf
    >>> from kerasgen.models import PixelCNN
    >>> model = PixelCNN(filters=8, num_layers=1, first_kernel_size=3)  # 8x8x1, 17 levels
    >>> shape = (8, 8, 1)
    >>> uniforms = tf.random.stateless_uniform(
    ...     [2, *shape[:2], model.head.num_uniforms(1)], seed=[0, 0], minval=1e-6,
    ...     maxval=1 - 1e-6)
    >>> naive = NaiveStepper(lambda units: model.network(units), shape)
    >>> levels = sample_pixels(naive, model.head, shape, uniforms, model.to_units)
    >>> levels.shape, levels.dtype
    (TensorShape([2, 8, 8, 1]), tf.float32)
    >>> bool(tf.reduce_all((levels >= 0) & (levels <= 16) & (levels == tf.round(levels))))
    True
    >>> cached = sample_pixels(model.cached_stepper(None), model.head, shape, uniforms,
    ...                        model.to_units)
    >>> bool(tf.reduce_all(cached == levels))  # the same uniforms: the same samples
    True
"""

import tensorflow as tf


class NaiveStepper:
    """One full network pass per step: ``params_fn(images_in_units) -> [B, H, W, P]``."""

    def __init__(self, params_fn, image_shape):
        self.params_fn = params_fn
        self.image_shape = tuple(image_shape)

    def init_state(self, batch):
        return (tf.zeros([batch, *self.image_shape]),)

    def params_at(self, state, i, j):
        return self.params_fn(state[0])[:, i, j], state

    def write(self, state, i, j, pixel_units):
        return (put_pixel(state[0], i, j, pixel_units),)


def put_pixel(images, i, j, pixel):
    """``images`` [B, H, W, C] with position (i, j) set to ``pixel`` [B, C]."""
    height, width = images.shape[1], images.shape[2]
    where = tf.reshape(tf.one_hot(i * width + j, height * width), [1, height, width, 1])
    return images * (1.0 - where) + pixel[:, tf.newaxis, tf.newaxis, :] * where


def sample_pixels(stepper, head, image_shape, uniforms, to_units, temperature=1.0,
                  channel_sequential=False, known=None, known_mask=None):
    """Integer levels ``[B, H, W, C]`` drawn in raster order.

    Args:
        stepper: see the module docstring.
        head: a `kerasgen.distributions` head with ``sample_from_flat_uniforms``.
        uniforms: ``[B, H, W, head.num_uniforms(C)]`` noise in (0, 1).
        to_units: levels -> network input units.
        channel_sequential: sample channel c of a pixel only after channels < c are written
            (models whose network masks channels); otherwise one step per pixel.
        known, known_mask: levels ``[B, H, W, C]`` and a boolean mask of the same shape: those
            values are kept instead of sampled (completion).
    """
    height, width, channels = image_shape
    batch = tf.shape(uniforms)[0]
    substeps = channels if channel_sequential else 1
    levels = tf.zeros([batch, height, width, channels])
    channel_ids = tf.range(channels)

    def body(t, levels, state):
        position, c = t // substeps, t % substeps
        i, j = position // width, position % width
        params, state = stepper.params_at(state, i, j)
        pixel = head.sample_from_flat_uniforms(params, uniforms[:, i, j], temperature)
        if channel_sequential:
            pixel = tf.where(channel_ids == c, pixel, levels[:, i, j])
        if known is not None:
            pixel = tf.where(known_mask[:, i, j], known[:, i, j], pixel)
        levels = put_pixel(levels, i, j, pixel)
        return t + 1, levels, stepper.write(state, i, j, to_units(pixel))

    _, levels, _ = tf.while_loop(
        lambda t, *_: t < height * width * substeps, body,
        (tf.constant(0), levels, stepper.init_state(batch)))
    return levels
