"""Dense and convolutional encoders/decoders, sized from the image shape.

    dense encoder   x [H, W, C] -> flatten -> Dense(h1) -> ... -> Dense(output_dim)
    conv encoder    x -> Conv2D(f1, stride 2) -> ... -> flatten -> Dense(output_dim)
    dense decoder   z -> Dense(h_last) -> ... -> Dense(H * W * C') -> reshape [H, W, C']
    conv decoder    z -> Dense(H/2^n * W/2^n * f_n) -> (transposed conv or upsample+conv, stride 2)
                      -> ... -> Conv2D(C', 3) [H, W, C']

With ``normalization`` ("batch" or "layer") each convolution stage after the first (encoder) or
every stage (decoder) becomes conv (no bias) -> normalization -> activation, as in DCGAN;
without it a stage is one conv with its activation.

With ``condition_dim > 0`` both take a second input, a condition vector (e.g. a one-hot label),
concatenated to the flattened features (encoder) or to the latent (decoder).

Example:
    >>> enc = build_encoder("dense", (8, 8, 1), output_dim=4, units=(32,))
    >>> enc.output_shape
    (None, 4)
"""

import math

import keras

from kerasgen.utils.validation import check_choice, check_int_list, fail

NETWORK_KINDS = ("dense", "conv")
NORMALIZATIONS = (None, "batch", "layer")


def _stage(h, layer, activation, normalization):
    """Apply `layer` (built without activation when normalized), normalization, activation."""
    if normalization is None:
        return layer(h)
    h = layer(h)
    # Synchronized: under tf.distribute the batch statistics are those of the global batch,
    # so N replicas normalize exactly like one device.
    h = (keras.layers.BatchNormalization(synchronized=True) if normalization == "batch"
         else keras.layers.LayerNormalization())(h)
    return keras.layers.Activation(activation)(h)


def _conv(cls, filters, activation, normalization, strides=2):
    if normalization is None:
        return cls(filters, 3, strides=strides, padding="same", activation=activation)
    return cls(filters, 3, strides=strides, padding="same", use_bias=False)


def _inputs(shape, condition_dim, name):
    x = keras.Input(shape=shape, name=name)
    if not condition_dim:
        return [x], x, None
    c = keras.Input(shape=(condition_dim,), name="condition")
    return [x, c], x, c


def _with_condition(h, condition):
    return h if condition is None else keras.layers.Concatenate()([h, condition])


def _downsampling_factor(image_shape, num_stages):
    factor = 2 ** num_stages
    height, width = image_shape[:2]
    if height % factor or width % factor:
        fail("filters", f"{num_stages} stride-2 stages for images {height}x{width}",
             f"height and width divisible by 2^{num_stages} = {factor}; use fewer filters")
    return factor


def build_encoder(kind, input_shape, output_dim, units=(), filters=(), activation="relu",
                  condition_dim=0, normalization=None, projection=False, name="encoder"):
    """Map images `input_shape` (and a condition) to `output_dim` unconstrained values.

    The condition is concatenated to the flattened features, or with `projection` (a
    one-output discriminator) enters as an inner product with the last hidden features
    (Miyato & Koyama 2018):  out = w.h + b + (V y).h  -- the label cannot be ignored."""
    check_choice("network", kind, NETWORK_KINDS)
    check_choice("normalization", normalization, NORMALIZATIONS)
    inputs, x, condition = _inputs(tuple(input_shape), condition_dim, "images")
    h = x
    if kind == "conv":
        filters = check_int_list("filters", filters, allow_empty=False)
        _downsampling_factor(input_shape, len(filters))
        for i, f in enumerate(filters):
            norm = normalization if i else None
            h = _stage(h, _conv(keras.layers.Conv2D, f, activation, norm), activation, norm)
    if projection and output_dim != 1:
        fail("projection", f"True with output_dim={output_dim}", "a one-output network")
    h = keras.layers.Flatten()(h)
    if not projection:
        h = _with_condition(h, condition)
    for u in check_int_list("hidden_units", units):
        h = keras.layers.Dense(u, activation=activation)(h)
    outputs = keras.layers.Dense(output_dim)(h)
    if projection and condition is not None:
        embedded = keras.layers.Dense(h.shape[-1], use_bias=False, name="label_projection")(
            condition)
        outputs = keras.layers.Add()([outputs, keras.layers.Dot(axes=1)([embedded, h])])
    return keras.Model(inputs if condition_dim else x, outputs, name=name)


def build_decoder(kind, latent_dim, output_shape, units=(), filters=(), activation="relu",
                  condition_dim=0, upsampling="transpose", normalization=None, name="decoder"):
    """Map a latent `latent_dim` (and a condition) to ``output_shape = [H, W, C']`` values."""
    check_choice("network", kind, NETWORK_KINDS)
    check_choice("normalization", normalization, NORMALIZATIONS)
    check_choice("upsampling", upsampling, ("transpose", "upsample"))
    inputs, z, condition = _inputs((latent_dim,), condition_dim, "latents")
    h = _with_condition(z, condition)
    for u in reversed(check_int_list("hidden_units", units)):
        h = keras.layers.Dense(u, activation=activation)(h)
    height, width, channels = output_shape
    if kind == "dense":
        h = keras.layers.Dense(height * width * channels)(h)
        outputs = keras.layers.Reshape(tuple(output_shape))(h)
        return keras.Model(inputs if condition_dim else z, outputs, name=name)
    filters = check_int_list("filters", filters, allow_empty=False)
    factor = _downsampling_factor(output_shape, len(filters))
    start = (height // factor, width // factor, filters[-1])
    dense = keras.layers.Dense(math.prod(start), activation=activation) if normalization is None \
        else keras.layers.Dense(math.prod(start), use_bias=False)
    h = _stage(h, dense, activation, normalization)
    h = keras.layers.Reshape(start)(h)
    for f in reversed(filters):
        if upsampling == "transpose":
            layer = _conv(keras.layers.Conv2DTranspose, f, activation, normalization)
        else:
            h = keras.layers.UpSampling2D(2)(h)
            layer = _conv(keras.layers.Conv2D, f, activation, normalization, strides=1)
        h = _stage(h, layer, activation, normalization)
    outputs = keras.layers.Conv2D(channels, 3, padding="same")(h)
    return keras.Model(inputs if condition_dim else z, outputs, name=name)


def given_or_built(given, build):
    """``(network, custom)``: the user's network (a Keras model or its serialized config), or
    ``build()`` when none was given. `custom` says whether to serialize it into the config."""
    if isinstance(given, dict):
        given = keras.layers.deserialize(given)
    return (given, True) if given is not None else (build(), False)


def build_mlp(input_dim, output_dim, units=(), activation="relu", weight_decay=0.0,
              input_name="inputs", name="mlp"):
    """A dense network ``[input_dim] -> Dense(u) ... -> Dense(output_dim)`` for vectors
    (table rows, codes), with an L2 penalty `weight_decay` on every kernel (the model's
    ``losses``; the maximum-likelihood style adds them to the loss)."""
    regularizer = keras.regularizers.L2(weight_decay) if weight_decay else None
    x = keras.Input(shape=(input_dim,), name=input_name)
    h = x
    for u in check_int_list("hidden_units", units):
        h = keras.layers.Dense(u, activation=activation, kernel_regularizer=regularizer)(h)
    outputs = keras.layers.Dense(output_dim, kernel_regularizer=regularizer)(h)
    return keras.Model(x, outputs, name=name)
