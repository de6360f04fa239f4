"""The diffusion U-Net (DDPM's): noisy image x_t and step t in, a prediction per pixel out.

    e   = dense(swish(dense(sinusoidal(t))))  (+ embedding(label), label K = "no label")
    h   = conv3x3(x_t)
    down: per level l (width filters * channel_multipliers[l]): `num_res_blocks` residual
          blocks (attention after each in the `attention_levels` lowest levels), every
          output kept for a skip; a stride-2 convolution between levels
    mid:  residual block, attention, residual block
    up:   per level, lowest first: `num_res_blocks` + 1 residual blocks, each on
          concat(h, the next kept skip); nearest upsampling and a conv3x3 between levels
    out = conv3x3(swish(norm(h)))  -> output_channels (zero-initialized: eps ~ 0 at start)

The height and width must halve exactly ``len(channel_multipliers) - 1`` times.

Example:
    >>> unet = build_unet((8, 8, 1), 1, filters=8, channel_multipliers=(1, 2),
    ...                   num_res_blocks=1, groups=4)
    >>> [tuple(i.shape) for i in unet.inputs]
    [(None, 8, 8, 1), (None,)]
    >>> unet.output_shape
    (None, 8, 8, 1)
"""

import keras

from kerasgen.layers.diffusion import AttentionBlock, ResidualBlock, SinusoidalEmbedding
from kerasgen.utils.validation import check_int_list, check_positive_int, fail


def check_unet(image_shape, filters, channel_multipliers, num_res_blocks, attention_levels,
               groups):
    """Check the U-Net's hyperparameters against `image_shape` (``ValueError`` naming the
    argument); returns them normalized."""
    filters = check_positive_int("filters", filters)
    multipliers = check_int_list("channel_multipliers", channel_multipliers)
    num_res_blocks = check_positive_int("num_res_blocks", num_res_blocks)
    groups = check_positive_int("groups", groups)
    if isinstance(attention_levels, bool) or not isinstance(attention_levels, int) \
            or not 0 <= attention_levels <= len(multipliers):
        fail("attention_levels", repr(attention_levels),
             f"a number of levels in [0, {len(multipliers)}]")
    bad = [filters * m for m in multipliers if (filters * m) % groups]
    if bad:
        fail("groups", f"{groups}, which does not divide {bad[0]} channels",
             "a divisor of filters * every channel multiplier")
    halvings = 2 ** (len(multipliers) - 1)
    height, width = image_shape[:2]
    if height % halvings or width % halvings:
        fail("channel_multipliers", f"{len(multipliers)} levels for {height}x{width} images",
             f"at most as many levels as the image size halves exactly (a multiple of "
             f"{halvings} is needed for {len(multipliers)})")
    return filters, tuple(multipliers), num_res_blocks, attention_levels, groups


def build_unet(image_shape, output_channels, filters=32, channel_multipliers=(1, 2, 2),
               num_res_blocks=2, attention_levels=1, groups=8, dropout=0.0, num_classes=None,
               name="unet"):
    """The U-Net of the module docstring; inputs ``x_t [B, H, W, C]``, ``t [B]`` (float)
    and, with `num_classes`, ``labels [B]`` (int; `num_classes` = no label)."""
    filters, multipliers, num_res_blocks, attention_levels, groups = check_unet(
        image_shape, filters, channel_multipliers, num_res_blocks, attention_levels, groups)
    x = keras.Input(shape=tuple(image_shape), name="noisy")
    t = keras.Input(shape=(), name="step")
    inputs = [x, t]
    width = 4 * filters
    e = SinusoidalEmbedding(max(4, filters - filters % 2))(t)
    e = keras.layers.Dense(width)(keras.layers.Dense(width, activation="swish")(e))
    if num_classes is not None:
        labels = keras.Input(shape=(), dtype="int32", name="labels")
        inputs.append(labels)
        e = keras.layers.Add()([e, keras.layers.Embedding(num_classes + 1, width)(labels)])

    def block(h, channels):
        return ResidualBlock(channels, groups=groups, dropout=dropout)([h, e])

    levels = len(multipliers)
    attends = [level >= levels - attention_levels for level in range(levels)]
    h = keras.layers.Conv2D(filters, 3, padding="same")(x)
    skips = [h]
    for level, multiplier in enumerate(multipliers):
        for _ in range(num_res_blocks):
            h = block(h, filters * multiplier)
            if attends[level]:
                h = AttentionBlock(groups)(h)
            skips.append(h)
        if level < levels - 1:
            h = keras.layers.Conv2D(h.shape[-1], 3, strides=2, padding="same")(h)
            skips.append(h)
    h = AttentionBlock(groups)(block(h, h.shape[-1]))
    h = block(h, h.shape[-1])
    for level in reversed(range(levels)):
        for _ in range(num_res_blocks + 1):
            h = block(keras.layers.Concatenate()([h, skips.pop()]), filters * multipliers[level])
            if attends[level]:
                h = AttentionBlock(groups)(h)
        if level > 0:
            h = keras.layers.UpSampling2D(interpolation="nearest")(h)
            h = keras.layers.Conv2D(h.shape[-1], 3, padding="same")(h)
    h = keras.layers.Activation("swish")(keras.layers.GroupNormalization(groups)(h))
    out = keras.layers.Conv2D(output_channels, 3, padding="same", kernel_initializer="zeros",
                              name="prediction")(h)
    return keras.Model(inputs, out, name=name)
