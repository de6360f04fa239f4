"""WaveNet: causality by gradients, the receptive-field formula, cached == naive generation
(and the step == the network at every sample), conditioning, normalization of the 16-bit
head, training on real spoken digits, save/load and bad input (exact resume across
interruptions: tests/training/test_resume.py)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgen.data import audio
from tests.helpers import dataset, run_model_saving_test
from tests.helpers import tiny_wavenet as _wavenet


def _perturbed(model, scale=0.3):
    """Random weights on top of the initial ones (zero biases tie the first outputs)."""
    rng = np.random.default_rng(0)
    model.set_weights([w + rng.normal(0.0, scale, w.shape) for w in model.get_weights()])
    return model


def _windows(n=8, length=40, seed=0, high=256):
    return np.random.default_rng(seed).integers(0, high, size=(n, length, 1))


@pytest.mark.parametrize("kwargs, expected", [
    ({}, 2 + 2 * (1 + 2 + 4)),
    ({"layers_per_stack": 4, "stacks": 1}, 2 + 15),
    ({"kernel_size": 3}, 2 + 2 * 2 * 7),
    ({"initial_kernel_size": 4, "stacks": 3}, 4 + 3 * 7),
])
def test_receptive_field_equals_its_formula_and_the_gradients(kwargs, expected):
    """R = k0 + stacks (k - 1)(2^L - 1): output t depends on exactly x_{t-R} .. x_{t-1}."""
    model = _perturbed(_wavenet(**kwargs))
    assert model.receptive_field == expected
    length = expected + 12
    x = tf.random.stateless_uniform([4, length, 1], [0, 1], -1.0, 1.0)
    for t in [0, 1, expected - 1, expected, length - 1]:
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = tf.reduce_sum(model.network(x)[:, t])
        seen = np.nonzero(np.abs(tape.gradient(out, x).numpy()).sum(axis=(0, 2)))[0]
        np.testing.assert_array_equal(seen, np.arange(max(t - expected, 0), t), str(t))


@pytest.mark.parametrize("make, conditions", [
    (_wavenet, {}),
    (lambda: _wavenet(kernel_size=3, initial_kernel_size=3), {}),
    (lambda: _wavenet(num_classes=4), {"labels": [0, 3]}),
    (lambda: _wavenet(local_condition="log_mel", num_mels=5, upsample_factors=(2, 4)),
     {"features": "computed"}),
    (lambda: _wavenet(encoding="pcm16", num_mixtures=3), {}),
], ids=["plain", "kernel-3", "global", "local", "pcm16-mixture"])
def test_cached_generation_equals_naive_generation(make, conditions):
    model = _perturbed(make())
    length = 50
    if conditions.get("features"):
        conditions = {"features": model.features(_windows(2, length, high=model.num_levels))}
    cached = model.sample(2, length, seed=3, **conditions).numpy()
    naive = model.sample(2, length, seed=3, cached=False, **conditions).numpy()
    if model.encoding == "pcm16":
        # 65536 bins: a location that differs in its last float bit (a matmul in the step,
        # a convolution in the naive pass) can land one bin over (one 16-bit step).
        assert np.abs(cached - naive).max() <= 1 and np.mean(cached == naive) >= 0.9
    else:
        np.testing.assert_array_equal(cached, naive)
    assert cached.shape == (2, length, 1) and len(np.unique(cached)) > 5
    assert cached.min() >= 0 and cached.max() < model.num_levels


def test_step_equals_the_network_at_every_sample():
    model = _perturbed(_wavenet(num_classes=3, local_condition="log_mel", num_mels=4,
                                upsample_factors=(4,)))
    levels = _windows(2, 30)
    units = model.to_units(tf.constant(levels, tf.float32))
    condition = model.condition_of([1, 2])
    local = model._local_sequence(tf.constant(levels, tf.float32), None, 30)
    full = model.network(units, condition, local).numpy()
    queues, previous = model.network.initial_queues(2), tf.zeros([2, 1])
    for t in range(30):
        params, queues = model.network.step(previous, queues, condition, local[:, t])
        np.testing.assert_allclose(params.numpy(), full[:, t], rtol=1e-5, atol=1e-5,
                                   err_msg=str(t))
        previous = units[:, t]


def test_priming_keeps_the_prime_and_temperature_sharpens():
    model = _perturbed(_wavenet())
    prime = _windows(2, 10)[..., 0]
    drawn = model.sample(2, 30, seed=0, prime=prime).numpy()[..., 0]
    np.testing.assert_array_equal(drawn[:, :10], prime)
    again = model.sample(2, 30, seed=0, prime=prime).numpy()[..., 0]
    np.testing.assert_array_equal(drawn, again)
    cold = model.sample(8, 200, seed=1, temperature=0.05).numpy()
    hot = model.sample(8, 200, seed=1, temperature=1.0).numpy()
    assert np.std(np.diff(cold, axis=1)) < np.std(np.diff(hot, axis=1))


def test_conditioning_changes_the_output():
    model = _perturbed(_wavenet(num_classes=4))
    windows = _windows(2, 30)
    a = model.log_prob(windows, labels=[0, 0])
    b = model.log_prob(windows, labels=[3, 3])
    assert np.all(np.abs(a - b) > 1e-3)
    local = _perturbed(_wavenet(local_condition="log_mel", num_mels=4, upsample_factors=(4,)))
    features = local.features(windows)
    assert features.shape == (2, 8, 4)
    a = local.log_prob(windows, features=features)
    b = local.log_prob(windows, features=features[::-1])
    assert np.all(np.abs(a - b) > 1e-3)


def test_pcm16_head_sums_to_one_over_all_65536_levels():
    model = _perturbed(_wavenet(encoding="pcm16", num_mixtures=3), scale=0.5)
    params = model(tf.constant(_windows(1, 20, high=65536), tf.float32))[:, 7]  # [1, P]
    levels = tf.range(65536, dtype=tf.float32)[:, None]
    per_level = model.head.per_dim_log_prob(tf.repeat(params, 65536, axis=0), levels)
    assert float(tf.reduce_logsumexp(per_level)) == pytest.approx(0.0, abs=1e-4)


@pytest.mark.slow
def test_training_on_spoken_digits_lowers_nats_per_sample(data_dir):
    model = _wavenet(num_classes=10)
    window = model.receptive_field + 64
    train = audio.load_spoken_digit("train", window_length=window, hop=window, batch_size=32,
                                    data_dir=data_dir, max_examples=60, seed=0)
    train = train.map(lambda w, speaker, digit: (w, digit))
    test = audio.load_spoken_digit("test", window_length=window, hop=window, batch_size=32,
                                   data_dir=data_dir, max_examples=20)
    test = test.map(lambda w, speaker, digit: (w, digit))
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    before = model.evaluate(test, verbose=0, return_dict=True)["nats_per_sample"]
    history = model.fit(train, validation_data=test, epochs=3, verbose=0)
    after = history.history["val_nats_per_sample"][-1]
    assert before == pytest.approx(np.log(256), abs=0.05)  # a flat start: log 256 nats
    assert after < before - 1.0, (before, after)


@pytest.mark.slow
def test_save_load_continue(tmp_path):
    model = _wavenet(num_classes=3, local_condition="log_mel", num_mels=4, upsample_factors=(4,))
    model.compile(optimizer="adam")
    windows, labels = _windows(8, 32), np.arange(8) % 3
    model.fit(dataset(windows, labels, batch_size=4), epochs=1, verbose=0)
    run_model_saving_test(model, dataset(windows, labels, batch_size=4), windows[:2],
                          labels[:2], tmp_path=tmp_path)


@pytest.mark.parametrize("call, name", [
    (lambda m: m.log_prob(np.full([2, 10, 1], 256)), "audio"),
    (lambda m: m.log_prob(np.full([2, 10, 1], 1.5)), "audio"),
    (lambda m: m.log_prob(np.zeros([2, 10, 2])), "audio"),
    (lambda m: m.log_prob(np.full([2, 10, 1], np.nan)), "audio"),
    (lambda m: m.log_prob(np.zeros([0, 10, 1])), "audio"),
    (lambda m: m.sample(0, 10), "num_samples"),
    (lambda m: m.sample(2, 0), "length"),
    (lambda m: m.sample(2, 10, temperature=0.0), "temperature"),
    (lambda m: m.sample(2, 10, prime=np.zeros([3, 4])), "prime"),
    (lambda m: m.sample(2, 10, prime=np.zeros([2, 11])), "prime"),
    (lambda m: m.sample(2, 10, features=np.zeros([2, 3, 4])), "features"),
    (lambda m: m.fit(np.full([4, 10, 1], -1), verbose=0), "x"),
])
def test_bad_input_names_the_argument(call, name):
    model = _wavenet()
    model.compile(optimizer="adam")
    with pytest.raises(ValueError, match=f"`{name}`"):
        call(model)


@pytest.mark.parametrize("call, name", [
    (lambda m: m.log_prob(_windows(2, 10), labels=[0, 5]), "labels"),
    (lambda m: m.sample(2, 10, labels=[0]), "labels"),
])
def test_bad_labels(call, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        call(_wavenet(num_classes=3))


@pytest.mark.parametrize("call", [
    lambda m: m.sample(2, 64),                                          # features missing
    lambda m: m.sample(2, 64, features=np.zeros([2, 7, 4])),            # too few frames
    lambda m: m.sample(2, 64, features=np.zeros([2, 8, 5])),            # mels
    lambda m: m.sample(2, 64, features=np.full([2, 8, 4], np.inf)),     # inf
])
def test_bad_features(call):
    model = _wavenet(local_condition="log_mel", num_mels=4, upsample_factors=(8,))
    with pytest.raises(ValueError, match="`features`"):
        call(model)


@pytest.mark.parametrize("kwargs, name", [
    ({"kernel_size": 1}, "kernel_size"),
    ({"initial_kernel_size": True}, "initial_kernel_size"),
    ({"layers_per_stack": 0}, "layers_per_stack"),
    ({"encoding": "float"}, "encoding"),
    ({"local_condition": "mfcc"}, "local_condition"),
    ({"upsample_factors": ()}, "upsample_factors"),
    ({"quantization_channels": 1}, "quantization_channels"),
])
def test_bad_constructor_arguments(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        _wavenet(**kwargs)
