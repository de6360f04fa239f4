"""Discretized logistic mixture, categorical and Bernoulli heads: normalization over every joint
value, equality with tfd.PixelCNN's own log_prob, sampling frequencies, seeds, validation."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp
from scipy.special import log_expit
from scipy.stats import chi2

from kerasgen.distributions import (
    BernoulliHead,
    Categorical,
    DiscretizedLogisticMixture,
    discretized_logistic,
)

tfd = tfp.distributions


def joint_values(num_levels, channels):
    """Every joint value of C channels, ``[L**C, C]``, channel 0 most significant."""
    grid = np.indices([num_levels] * channels).reshape(channels, -1).T
    return grid.astype(np.float32)


def codes(values, num_levels):
    """Joint values ``[N, C]`` -> integers in [0, L**C), same order as ``joint_values``."""
    values = np.asarray(values).astype(np.int64)
    code = np.zeros(values.shape[0], np.int64)
    for c in range(values.shape[1]):
        code = code * num_levels + values[:, c]
    return code


def layout(logits, locs, log_scales, coeffs):
    """Documented layout: per component [logit, C locs, C log-scales, C(C-1)/2 coeffs]."""
    parts = [np.asarray(logits)[..., None], locs, log_scales, coeffs]
    per_component = np.concatenate(parts, axis=-1)  # [..., K, P]
    return per_component.reshape(per_component.shape[:-2] + (-1,)).astype(np.float32)


def random_params(rng, batch, num_mixtures, channels, extreme=False):
    """``[batch, K*P]`` parameters; with ``extreme`` the rows sweep locations far outside
    [-1, 1] and log-scales at / below the floor (-7, -12) and very wide (+5)."""
    k, c = num_mixtures, channels
    logits = rng.normal(0, 2, [batch, k])
    locs = rng.uniform(-1.2, 1.2, [batch, k, c])
    log_scales = rng.uniform(-5, 0, [batch, k, c])
    coeffs = rng.normal(0, 2, [batch, k, c * (c - 1) // 2])
    if extreme:
        locs[0], locs[1] = 40.0, -40.0
        locs[2] = rng.choice([-40.0, 40.0, 0.3], size=[k, c])
        log_scales[3], log_scales[4] = -7.0, -12.0
        log_scales[5] = 5.0
        log_scales[6] = rng.choice([-7.0, 5.0], size=[k, c])
        logits[7] = [30.0] + [-30.0] * (k - 1)
    return layout(logits, locs, log_scales, coeffs)


def tfp_joint_log_prob(params, values, num_levels, num_mixtures):
    """log p(values) per row from TFP pieces: the documented layout and coupling in NumPy, then
    MixtureSameFamily(Categorical, Independent(QuantizedDistribution(Logistic)))."""
    channels = values.shape[-1]
    p = params.reshape(len(params), num_mixtures, -1).astype(np.float64)
    logits, locs = p[..., 0], p[..., 1:1 + channels].copy()
    scales = np.exp(np.maximum(p[..., 1 + channels:1 + 2 * channels], -7.0))
    coeffs, n = np.tanh(p[..., 1 + 2 * channels:]), 0
    units = 2.0 * values / (num_levels - 1) - 1.0
    for c in range(channels):
        for j in range(c):
            locs[..., c] += coeffs[..., n] * units[:, None, j]
            n += 1
    half = (num_levels - 1) / 2
    components = discretized_logistic(tf.constant((locs + 1) * half, tf.float32),
                                      tf.constant(scales * half, tf.float32), num_levels)
    mixture = tfd.MixtureSameFamily(tfd.Categorical(logits=tf.constant(logits, tf.float32)),
                                    tfd.Independent(components, reinterpreted_batch_ndims=1))
    return mixture.log_prob(values).numpy()


def chi_square_p_value(samples, probs):
    """p-value of observed codes against probabilities; bins expecting < 5 are lumped."""
    n = len(samples)
    counts = np.bincount(samples, minlength=len(probs))[: len(probs)]
    assert counts.sum() == n, "samples outside the support"
    expected = probs * n
    big = expected >= 5
    obs = np.append(counts[big], counts[~big].sum())
    exp = np.append(expected[big], expected[~big].sum())
    keep = exp > 0
    stat = np.sum((obs[keep] - exp[keep]) ** 2 / exp[keep])
    return chi2.sf(stat, keep.sum() - 1)


# --------------------------------------------------------------------------------------------
# Normalization over all joint values


@pytest.mark.parametrize("num_levels, channels, num_mixtures", [
    (17, 1, 1), (17, 1, 5), (256, 1, 5), (5, 3, 1), (8, 3, 5), (65536, 1, 2),
])
def test_joint_probabilities_sum_to_one(num_levels, channels, num_mixtures):
    rng = np.random.default_rng(num_levels + channels + num_mixtures)
    head = DiscretizedLogisticMixture(num_levels, num_mixtures)
    batch = 10 if num_levels < 65536 else 8
    params = random_params(rng, batch, num_mixtures, channels, extreme=True)
    values = joint_values(num_levels, channels)  # [M, C]
    m = len(values)
    tiled_params = np.broadcast_to(params[:, None], (batch, m, params.shape[-1]))
    tiled_values = np.broadcast_to(values, (batch, m, channels))

    per_dim = head.per_dim_log_prob(tiled_params, tiled_values).numpy()  # [batch, M, C]
    assert per_dim.shape == (batch, m, channels)
    assert np.all(np.isfinite(per_dim))
    joint = per_dim.sum(-1)
    np.testing.assert_allclose(np.exp(joint.astype(np.float64)).sum(-1), 1.0, atol=3e-5)

    # log_prob: the same for a rank-2 batch [N, C], summed over a position axis for [B, M, C].
    flat_params = tiled_params.reshape(batch * m, -1)
    flat_values = tiled_values.reshape(batch * m, -1)
    flat = head.log_prob(flat_params, flat_values).numpy().reshape(batch, m)
    np.testing.assert_allclose(flat, joint, rtol=1e-6, atol=1e-5)
    summed = head.log_prob(tiled_params, tiled_values).numpy()
    np.testing.assert_allclose(summed, joint.sum(-1), rtol=1e-5)

    # Same probabilities as the mixture composed from TFP pieces (whose float32 CDF differences
    # are only accurate enough where bins are not tiny against the scale: L <= 256).
    if num_levels <= 256:
        reference = tfp_joint_log_prob(flat_params, flat_values, num_levels, num_mixtures)
        np.testing.assert_allclose(np.exp(flat.ravel()), np.exp(reference), rtol=1e-3, atol=2e-6)
        # The library's own TFP composition decodes the layout the same way as this reference.
        composed = head.distribution(flat_params, flat_values)
        assert composed.batch_shape == [batch * m] and composed.event_shape == [channels]
        np.testing.assert_allclose(np.exp(composed.log_prob(flat_values).numpy()),
                                   np.exp(reference), rtol=1e-4, atol=1e-6)

    # Channel 0's per-dim value is the exact marginal of the enumerated joint.
    if channels > 1:
        marginal = np.exp(joint.astype(np.float64)).reshape(batch, num_levels, -1).sum(-1)
        first = per_dim[:, :: m // num_levels, 0]
        np.testing.assert_allclose(np.exp(first), marginal, atol=2e-5)


@pytest.mark.parametrize("num_levels", [2, 17, 256, 65536])
def test_component_log_prob_is_accurate_in_float32(num_levels):
    """Against float64 CDF formulas; TFP's QuantizedDistribution agrees where it is accurate."""
    half = (num_levels - 1) / 2
    loc = np.array([-40.0, -1.0, -0.3, 0.0, 0.01, 0.77, 1.0, 3.0]) * half + half
    log_scale = np.array([-7.0, -4.0, -2.0, 0.0, 1.0, 3.0, 5.0])
    loc, scale = np.meshgrid(loc, np.exp(log_scale) * half)
    k = np.unique(np.concatenate([[0, 1, 2, num_levels - 2, num_levels - 1],
                                  np.linspace(0, num_levels - 1, 40).round()]))
    k = k[(k >= 0) & (k < num_levels)]
    loc, scale, k = loc[..., None], scale[..., None], k.astype(np.float64)
    upper, lower = (k + 0.5 - loc) / scale, (k - 0.5 - loc) / scale
    expected = log_expit(upper) + log_expit(-lower) + np.log(-np.expm1(-1 / scale))
    expected = np.where(k == 0, log_expit(upper), expected)
    expected = np.where(k == num_levels - 1, log_expit(-lower), expected)

    head = DiscretizedLogisticMixture(num_levels, 1)
    got = head.component_log_prob(*(tf.constant(np.broadcast_to(a, expected.shape), tf.float32)
                                    for a in (loc, scale, k))).numpy()
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4)
    if num_levels <= 256:
        tfp_values = discretized_logistic(tf.constant(loc, tf.float32),
                                          tf.constant(scale, tf.float32),
                                          num_levels).log_prob(k.astype(np.float32)).numpy()
        moderate = np.broadcast_to(scale <= 8 * half, got.shape) & (expected > -50)
        np.testing.assert_allclose(got[moderate], tfp_values[moderate], rtol=1e-5, atol=1e-4)


def test_floor_edges_and_finite_gradients_at_extremes():
    rng = np.random.default_rng(0)
    head = DiscretizedLogisticMixture(256, 3)
    params = random_params(rng, 10, 3, 3, extreme=True)
    # Log-scales -7 and -12 give the same likelihood (floor at -7).
    lower = params.reshape(10, 3, 10).copy()
    lower[3, :, 4:7] = -12.0
    targets = rng.integers(0, 256, [10, 3]).astype(np.float32)
    np.testing.assert_allclose(head.log_prob(lower.reshape(10, 30), targets),
                               head.log_prob(params, targets), rtol=1e-6)
    # Locations far above the range put (nearly) all mass on the top level, far below on 0.
    far = layout(np.zeros([2, 1]), np.array([[[40.0]], [[-40.0]]]), np.zeros([2, 1, 1]),
                 np.zeros([2, 1, 0]))
    head1 = DiscretizedLogisticMixture(256, 1)
    np.testing.assert_allclose(head1.log_prob(far, [[255.0], [0.0]]), [0.0, 0.0], atol=1e-5)
    # Gradients stay finite even where the mass underflows.
    params = tf.constant(params)
    with tf.GradientTape() as tape:
        tape.watch(params)
        total = tf.reduce_sum(head.log_prob(params, targets))
    assert np.all(np.isfinite(tape.gradient(total, params).numpy()))


# --------------------------------------------------------------------------------------------
# Equality with tfd.PixelCNN


class _FixedNetwork:
    """Stands in for tfd.PixelCNN's network: returns fixed (post-activation) outputs."""

    def __init__(self, outputs):
        self.outputs = outputs

    def __call__(self, inputs, training=None):
        return self.outputs


@pytest.mark.parametrize("channels", [1, 3])
def test_log_prob_equals_tfp_pixel_cnn(channels):
    height, width, k, batch = 3, 2, 4, 3
    pixel_cnn = tfp.distributions.PixelCNN(
        image_shape=(height, width, channels), num_resnet=1, num_hierarchies=1,
        num_filters=4, num_logistic_mix=k, use_weight_norm=False, high=255, low=0)

    rng = np.random.default_rng(channels)
    n_coeffs = channels * (channels - 1) // 2
    shape = (batch, height, width, k)
    logits = rng.normal(0, 2, shape)
    locs = rng.uniform(-1.3, 1.3, shape + (channels,))
    log_scales = rng.uniform(-7.5, 0.5, shape + (channels,))
    raw_coeffs = rng.normal(0, 1.5, shape + (n_coeffs,))
    params = layout(logits, locs, log_scales, raw_coeffs)

    # tfd.PixelCNN's network outputs: scales after its activation (ours: exp with the -7
    # floor), coefficients used raw (ours: tanh), the same [-1, 1] units and coefficient order.
    outputs = [logits, locs, np.exp(np.maximum(log_scales, -7.0))]
    if channels > 1:
        outputs.append(np.tanh(raw_coeffs))
    pixel_cnn.network = _FixedNetwork([tf.constant(o, tf.float32) for o in outputs])

    images = rng.integers(0, 256, (batch, height, width, channels)).astype(np.float32)
    images[0, 0, 0], images[1, 0, 0] = 0.0, 255.0  # the edge bins
    expected = pixel_cnn.log_prob(images).numpy()
    got = DiscretizedLogisticMixture(256, k).log_prob(params, images).numpy()
    assert got.shape == (batch,)
    np.testing.assert_allclose(got, expected, rtol=2e-6, atol=1e-4)


# --------------------------------------------------------------------------------------------
# Sampling


def _enumerated_probs(head, params_row, num_levels, channels):
    values = joint_values(num_levels, channels)
    tiled = np.broadcast_to(params_row, (len(values), params_row.shape[-1]))
    return np.exp(head.log_prob(tiled, values).numpy().astype(np.float64))


def test_sample_frequencies_match_probabilities_one_channel():
    head = DiscretizedLogisticMixture(17, 3)
    params = layout([[0.5, -0.3, 0.2]], [[[-0.55], [0.12], [0.9]]],
                    [[[-2.5], [-1.6], [-1.0]]], np.zeros([1, 3, 0]))[0]
    probs = _enumerated_probs(head, params, 17, 1)
    n = 20000
    samples = head.sample(np.broadcast_to(params, (n, params.shape[-1])), seed=[3, 4]).numpy()
    assert samples.shape == (n, 1)
    frequencies = np.bincount(samples[:, 0].astype(int), minlength=17) / n
    assert np.max(np.abs(frequencies - probs)) < 0.012
    assert chi_square_p_value(samples[:, 0].astype(int), probs) > 1e-4


def test_sample_frequencies_follow_the_channel_coupling():
    # Strong coupling: channel 1 follows the *sampled level* of channel 0, channel 2 both.
    num_levels, k = 5, 2
    head = DiscretizedLogisticMixture(num_levels, k)
    params = layout([[0.3, -0.2]], [[[0.1, -0.2, 0.3], [-0.4, 0.2, 0.0]]],
                    [[[-0.6, -2.3, -2.0], [-1.0, -2.5, -1.8]]],
                    np.arctanh([[[0.9, -0.5, 0.6], [-0.8, 0.4, 0.5]]]))[0]
    probs = _enumerated_probs(head, params, num_levels, 3)
    assert probs.sum() == pytest.approx(1.0, abs=1e-5)
    n = 20000
    samples = head.sample(np.broadcast_to(params, (n, params.shape[-1])), seed=[7, 8]).numpy()
    assert chi_square_p_value(codes(samples, num_levels), probs) > 1e-4
    joint = probs.reshape(num_levels, num_levels, num_levels)
    for channel, marginal in ((1, joint.sum((0, 2))), (2, joint.sum((0, 1)))):
        frequencies = np.bincount(samples[:, channel].astype(int), minlength=num_levels) / n
        assert np.max(np.abs(frequencies - marginal)) < 0.012


def _greedy_reference(params, num_levels, k, channels):
    """NumPy decode at temperature -> 0: best component, rounded coupled locations."""
    p = params.reshape(-1, k, (channels + 1) * (channels + 2) // 2)
    half = (num_levels - 1) / 2
    best = p[np.arange(len(p)), p[:, :, 0].argmax(-1)]
    locs, coeffs = best[:, 1:1 + channels], np.tanh(best[:, 1 + 2 * channels:])
    out, n = np.zeros([len(p), channels]), 0
    for c in range(channels):
        m = locs[:, c].copy()
        for j in range(c):
            m += coeffs[:, n] * (out[:, j] / half - 1.0)
            n += 1
        out[:, c] = np.clip(np.round((m + 1.0) * half), 0, num_levels - 1)
    return out


def test_low_temperature_concentrates_on_the_greedy_mode():
    rng = np.random.default_rng(5)
    head = DiscretizedLogisticMixture(256, 4)
    params = random_params(rng, 64, 4, 3)
    expected = _greedy_reference(params, 256, 4, 3)
    for seed in ([1, 1], [2, 9]):
        np.testing.assert_array_equal(head.sample(params, seed, temperature=1e-5), expected)
    spread = head.sample(params, [1, 1], temperature=1.0).numpy()
    assert np.mean(spread != expected) > 0.3


def test_samples_are_seeded_integer_levels_of_any_rank():
    rng = np.random.default_rng(6)
    image_head = DiscretizedLogisticMixture(256, 5)
    images = random_params(rng, 2 * 4 * 4, 5, 3, extreme=True).reshape(2, 4, 4, -1)
    audio_head = DiscretizedLogisticMixture(65536, 2)
    audio = random_params(rng, 2 * 50, 2, 1, extreme=True).reshape(2, 50, -1)
    for head, params, shape in ((image_head, images, (2, 4, 4, 3)),
                                (audio_head, audio, (2, 50, 1))):
        first = head.sample(params, seed=[5, 6]).numpy()
        assert first.shape == shape and first.dtype == np.float32
        np.testing.assert_array_equal(first, np.round(first))
        assert first.min() >= 0 and first.max() <= head.num_levels - 1
        np.testing.assert_array_equal(first, head.sample(params, seed=[5, 6]))
        assert np.any(first != head.sample(params, seed=[5, 7]).numpy())
        assert head.log_prob(params, first).shape == (2,)
        assert head.per_dim_log_prob(params, first).shape == shape


# --------------------------------------------------------------------------------------------
# Categorical and Bernoulli


def test_categorical_normalizes_matches_log_softmax_and_samples():
    num_levels, channels, n = 8, 2, 20000
    head = Categorical(num_levels)
    rng = np.random.default_rng(8)
    row = rng.normal(0, 1.5, [head.num_params(channels)]).astype(np.float32)
    reference = tf.nn.log_softmax(row.reshape(channels, num_levels)).numpy()  # channel-major

    levels = np.tile(np.arange(num_levels, dtype=np.float32)[:, None], (1, channels))
    per_dim = head.per_dim_log_prob(np.broadcast_to(row, (num_levels, row.size)), levels)
    np.testing.assert_allclose(per_dim.numpy().T, reference, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(np.exp(per_dim.numpy()).sum(0), 1.0, atol=1e-6)
    images = rng.integers(0, num_levels, [3, 2, 2, channels])
    params = np.broadcast_to(row, (3, 2, 2, row.size))
    np.testing.assert_allclose(head.log_prob(params, images),
                               head.per_dim_log_prob(params, images).numpy().sum((1, 2, 3)),
                               rtol=1e-6)

    samples = head.sample(np.broadcast_to(row, (n, row.size)), seed=[1, 2]).numpy()
    assert samples.shape == (n, channels)
    for c in range(channels):
        assert chi_square_p_value(samples[:, c].astype(int), np.exp(reference[c])) > 1e-4
    greedy = head.sample(np.broadcast_to(row, (50, row.size)), seed=[1, 2], temperature=1e-4)
    np.testing.assert_array_equal(greedy, np.broadcast_to(reference.argmax(-1), (50, channels)))
    np.testing.assert_array_equal(head.mode(row[None]), reference.argmax(-1)[None])


def test_categorical_gives_values_outside_the_levels_probability_zero():
    """A one-hot of 7 among 4 levels (or of 1.5, cast to 1) would score log 1 = 0 or level
    1's probability; values that are not levels have probability 0."""
    head = Categorical(4)
    params = np.zeros([1, head.num_params(1)], np.float32)
    for value in (7.0, -1.0, 1.5):
        assert head.per_dim_log_prob(params, [[value]]).numpy()[0, 0] == -np.inf
    np.testing.assert_allclose(head.per_dim_log_prob(params, [[2.0]]), [[np.log(0.25)]],
                               rtol=1e-6)


def test_bernoulli_head_has_the_same_api_over_any_rank():
    head = BernoulliHead(num_levels=2)
    logits = np.array([[[-1.0], [-0.3], [2.5]]], np.float32)  # audio-like [B=1, T=3, C=1]
    targets = np.array([[[0.0], [1.0], [1.0]]], np.float32)
    expected = np.log(np.where(targets == 1, 1 / (1 + np.exp(-logits)), 1 / (1 + np.exp(logits))))
    np.testing.assert_allclose(head.per_dim_log_prob(logits, targets), expected, rtol=1e-6)
    np.testing.assert_allclose(head.log_prob(logits, targets), [expected.sum()], rtol=1e-6)
    assert head.num_params(3) == 3
    draws = head.sample(np.broadcast_to(logits, (20000, 3, 1)), seed=[4, 4]).numpy()
    np.testing.assert_allclose(draws.mean(0)[:, 0], 1 / (1 + np.exp(-logits[0, :, 0])),
                               atol=0.015)
    cold = head.sample(np.broadcast_to(logits, (100, 3, 1)), seed=[4, 4], temperature=1e-4)
    np.testing.assert_array_equal(cold.numpy()[:, :, 0], np.broadcast_to([0, 0, 1], (100, 3)))


# --------------------------------------------------------------------------------------------
# Validation


@pytest.mark.parametrize("make, name", [
    (lambda: DiscretizedLogisticMixture(1, 5), "num_levels"),
    (lambda: DiscretizedLogisticMixture(2.5, 5), "num_levels"),
    (lambda: DiscretizedLogisticMixture(256, 0), "num_mixtures"),
    (lambda: Categorical(1), "num_levels"),
    (lambda: BernoulliHead(2).sample(tf.zeros([2, 1]), [1, 2], temperature=-1.0), "temperature"),
])
def test_bad_constructor_arguments_raise(make, name):
    with pytest.raises(ValueError, match=f"`{name}` must be .*received"):
        make()


@pytest.mark.parametrize("call", ["log_prob", "per_dim_log_prob", "sample"])
def test_wrong_params_last_dim_raises(call):
    head = DiscretizedLogisticMixture(256, 5)
    params, images = tf.zeros([2, 4, 4, 49]), tf.zeros([2, 4, 4, 3])
    args = (params, [1, 2]) if call == "sample" else (params, images)
    with pytest.raises(ValueError, match=r"`params` must be .*last dimension .*received shape "
                                         r"\(2, 4, 4, 49\)") as info:
        getattr(head, call)(*args)
    assert "50" in str(info.value)
    with pytest.raises(ValueError, match=r"`params` must be .*multiple of num_levels=256"):
        Categorical(256).sample(tf.zeros([2, 255]), [1, 2])
    with pytest.raises(ValueError, match=r"`params` must be .*512.*received shape \(2, 256\)"):
        Categorical(256).log_prob(tf.zeros([2, 256]), tf.zeros([2, 2]))


@pytest.mark.parametrize("temperature", [0.0, -0.5, tf.constant(0.0)])
def test_non_positive_temperature_raises(temperature):
    params = tf.zeros([2, DiscretizedLogisticMixture(17, 2).num_params(1)])
    with pytest.raises(ValueError, match="`temperature` must be a positive number; received"):
        DiscretizedLogisticMixture(17, 2).sample(params, [1, 2], temperature=temperature)
    with pytest.raises(ValueError, match="`temperature`"):
        Categorical(17).sample(tf.zeros([2, 17]), [1, 2], temperature=temperature)
