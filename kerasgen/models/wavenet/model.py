"""`WaveNet`: raw audio, one sample at a time, with exact likelihoods and fast generation.

#### Mathematical details

    log p(x) = sum_t log p(x_t | x_<t, g, c)        nats; every layer zero-padded before t = 0
    nats/sample = -log p(x) / T

Audio is integer levels: 256 mu-law levels with a softmax head (``encoding="mu_law"``), or
65536 16-bit levels with a discretized logistic mixture (``encoding="pcm16"``, the
`kerasgen.distributions.DiscretizedLogisticMixture` of PixelCNN++ with a lower log-scale
floor, as 16-bit bins are 2^-15 wide). The network (`WaveNetNetwork`) sees the levels scaled
to [-1, 1].

Training windows (`kerasgen.data.audio.audio_windows`) of ``T = receptive_field + n``
samples score their last n samples, the ones that see a full receptive field; shorter
windows score every sample.

Conditioning: ``num_classes`` (a speaker or digit id, one-hot, added in every gated unit) and
``local_condition="log_mel"`` (a log-mel spectrogram, computed with `tf.signal` from the
audio while training, upsampled to the sample rate by transposed convolutions with strides
`upsample_factors`; pass ``features=`` to `sample` to vocode given features).

Generation: `sample` runs the cached step (queues, `WaveNetNetwork.step`) or, with
``cached=False``, the naive loop that reruns the network on the last R samples for every
sample; both give the same audio for the same seed.

Example:
    >>> import numpy as np
    >>> model = WaveNet(residual_channels=8, skip_channels=8, layers_per_stack=3, stacks=1)
    >>> model.compile(optimizer="adam")
    >>> windows = np.random.default_rng(0).integers(100, 156, size=(8, 24, 1))
    >>> _ = model.fit(windows, batch_size=4, epochs=1, verbose=0)
    >>> model.sample(2, length=50, seed=0).shape
    TensorShape([2, 50, 1])

References:
    van den Oord et al. 2016, "WaveNet: A Generative Model for Raw Audio", arXiv:1609.03499.
    Paine et al. 2016, "Fast Wavenet Generation Algorithm", arXiv:1611.09482.
"""

import math

import keras
import numpy as np
import tensorflow as tf

from kerasgen.data import audio as audio_data
from kerasgen.data import transforms
from kerasgen.distributions import Categorical, DiscretizedLogisticMixture
from kerasgen.core.endpoints import Endpoint
from kerasgen.core.kinds import AudioSequences
from kerasgen.models.base import GenerativeModel, strict_options
from kerasgen.models.wavenet.network import WaveNetNetwork
from kerasgen.sampling.sequence import (
    CachedWaveStepper,
    NaiveWaveStepper,
    generate,
    generate_from,
)
from kerasgen.training.maximum_likelihood import MaximumLikelihoodTraining
from kerasgen.utils import validation as v
from kerasgen.utils.noise import fixed_seed

PCM16_MIN_LOG_SCALE = -16.0  # below log(2^-15), the width of one 16-bit bin in [-1, 1] units
LOCAL_CONDITIONS = (None, "log_mel")


@keras.saving.register_keras_serializable(package="kerasgen")
class FeatureUpsampler(keras.layers.Layer):
    """Frames ``[B, F, M]`` -> ``[B, F * prod(factors), M]``: one transposed convolution
    (kernel = stride = factor) per factor, so frame k covers samples k*hop .. (k+1)*hop - 1."""

    def __init__(self, factors, channels, **kwargs):
        super().__init__(**kwargs)
        self.factors, self.channels = tuple(factors), channels
        self.layers = [keras.layers.Conv1DTranspose(channels, f, strides=f, name=f"up_{i}")
                       for i, f in enumerate(self.factors)]

    def call(self, frames):
        for layer in self.layers:
            frames = layer(frames)
        return frames

    def get_config(self):
        config = super().get_config()
        config.update(factors=list(self.factors), channels=self.channels)
        return config


@keras.saving.register_keras_serializable(package="kerasgen")
class WaveNet(MaximumLikelihoodTraining, GenerativeModel):
    """WaveNet over integer audio levels ``[B, T, 1]`` (module docstring).

    Args:
        residual_channels, skip_channels: widths of the residual and skip paths.
        layers_per_stack: dilated layers per stack (dilations 1, 2, ..., 2^(L-1)).
        stacks: repetitions of the dilation cycle.
        kernel_size, initial_kernel_size: of the dilated and of the first causal convolution.
        encoding: ``"mu_law"`` (categorical head over `quantization_channels` levels) or
            ``"pcm16"`` (discretized logistic mixture over 65536 levels).
        quantization_channels: mu-law levels.
        num_mixtures: logistic components of the ``"pcm16"`` head.
        local_condition: None or ``"log_mel"``.
        num_mels, upsample_factors, sample_rate: the log-mel features (hop length =
            prod(upsample_factors), frame length = 4 hops).
        num_classes: global condition classes (speakers, digits), or None.
        seed: see `GenerativeModel`.
    """

    loss_names = ("loss", "nats_per_sample")
    integer_images = True

    def __init__(self, residual_channels=32, skip_channels=64, layers_per_stack=10, stacks=2,
                 kernel_size=2, initial_kernel_size=2, encoding="mu_law",
                 quantization_channels=256, num_mixtures=10, local_condition=None,
                 num_mels=20, upsample_factors=(8, 8), sample_rate=8000, num_classes=None,
                 seed=0, **kwargs):
        # Configs of kerasgen before data kinds held a placeholder image shape (1, 1, 1)
        # and the encoding's levels: both are read from the encoding now.
        kwargs.pop("image_shape", None)
        kwargs.pop("num_levels", None)
        self.encoding = v.check_choice("encoding", encoding, ("mu_law", "pcm16"))
        levels = audio_data.encoding_num_levels(encoding, quantization_channels)
        super().__init__(num_classes=num_classes, seed=seed, **kwargs)
        self.data_kind = AudioSequences(levels, sample_rate)
        self.num_levels = levels
        self.quantization_channels = int(quantization_channels)
        self.residual_channels = v.check_positive_int("residual_channels", residual_channels)
        self.skip_channels = v.check_positive_int("skip_channels", skip_channels)
        self.layers_per_stack = v.check_positive_int("layers_per_stack", layers_per_stack)
        self.stacks = v.check_positive_int("stacks", stacks)
        for name, value in (("kernel_size", kernel_size),
                            ("initial_kernel_size", initial_kernel_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 2:
                v.fail(name, repr(value), "an integer >= 2 (a causal convolution with history)")
        self.kernel_size, self.initial_kernel_size = kernel_size, initial_kernel_size
        self.num_mixtures = v.check_positive_int("num_mixtures", num_mixtures)
        if local_condition not in LOCAL_CONDITIONS:
            v.fail("local_condition", repr(local_condition), "None or 'log_mel'")
        self.local_condition = local_condition
        self.num_mels = v.check_positive_int("num_mels", num_mels)
        self.upsample_factors = v.check_int_list("upsample_factors", upsample_factors,
                                                 allow_empty=False)
        self.sample_rate = v.check_positive_int("sample_rate", sample_rate)
        if self.encoding == "mu_law":
            self.head = Categorical(self.num_levels)
        else:
            self.head = DiscretizedLogisticMixture(self.num_levels, self.num_mixtures,
                                                   min_log_scale=PCM16_MIN_LOG_SCALE)
        self.upsampler = FeatureUpsampler(self.upsample_factors, self.num_mels,
                                          name="upsampler") if local_condition else None
        self.network = WaveNetNetwork(
            self.residual_channels, self.skip_channels, self.layers_per_stack, self.stacks,
            self.head.num_params(1), kernel_size, initial_kernel_size,
            global_dim=self.num_classes or 0, local_dim=self.num_mels if local_condition else 0,
            name="wavenet")
        self._build_weights()

    def _build_weights(self):
        length = self.hop_length
        labels = tf.zeros([1], tf.int32) if self.num_classes else None
        levels = tf.zeros([1, length, 1])
        self.network(self.to_units(levels), self.condition_of(labels),
                     self._local_sequence(levels, None, length))
        self.built = True

    @property
    def receptive_field(self):
        return self.network.receptive_field

    @property
    def hop_length(self):
        return int(np.prod(self.upsample_factors))

    def get_config(self):
        config = super().get_config()
        config.update(residual_channels=self.residual_channels,
                      skip_channels=self.skip_channels, layers_per_stack=self.layers_per_stack,
                      stacks=self.stacks, kernel_size=self.kernel_size,
                      initial_kernel_size=self.initial_kernel_size, encoding=self.encoding,
                      quantization_channels=self.quantization_channels,
                      num_mixtures=self.num_mixtures, local_condition=self.local_condition,
                      num_mels=self.num_mels, upsample_factors=list(self.upsample_factors),
                      sample_rate=self.sample_rate)
        return config

    # ------------------------------------------------------------------ data
    def to_units(self, levels):
        """Levels -> [-1, 1], the network's input."""
        return transforms.scale_to_symmetric(levels, self.num_levels)

    def to_audio(self, levels):
        """Float waveform ``[B, T]`` in [-1, 1] from levels ``[B, T, 1]``."""
        return audio_data.decode_audio(tf.cast(levels, tf.int32)[..., 0], self.encoding,
                                       self.quantization_channels)

    def features(self, levels):
        """Log-mel features ``[B, ceil(T / hop), num_mels]`` of audio levels ``[B, T, 1]``:
        what the local condition is while training (frames of 4 hops, hop =
        prod(upsample_factors), Hann window, mels up to half the sample rate)."""
        waveform = self.to_audio(levels)
        hop = self.hop_length
        frame = 4 * hop
        stft = tf.signal.stft(tf.pad(waveform, [[0, 0], [frame - hop, 0]]), frame, hop,
                              fft_length=2 ** math.ceil(math.log2(frame)), pad_end=True)
        bins = stft.shape[-1]
        mel = tf.signal.linear_to_mel_weight_matrix(self.num_mels, bins, self.sample_rate,
                                                    20.0, self.sample_rate / 2.0)
        frames = -(-tf.shape(waveform)[1] // hop)
        return tf.math.log(tf.abs(stft)[:, :frames] @ mel + 1e-5)

    def _local_sequence(self, levels, features, length):
        """The local condition at the sample rate ``[B, length, M]`` (None without one)."""
        if not self.local_condition:
            return None
        if features is None:
            features = self.features(levels)
        return self.upsampler(tf.convert_to_tensor(features, tf.float32))[:, :length]

    # ------------------------------------------------------------------ likelihood
    def _params(self, targets, labels=None, features=None):
        return self.network(self.to_units(targets), self.condition_of(labels),
                            self._local_sequence(targets, features, tf.shape(targets)[1]))

    def call(self, inputs, training=False):
        """Head parameters ``[B, T, P]`` of audio levels or ``(levels, labels)``."""
        audio, labels = inputs if isinstance(inputs, (tuple, list)) else (inputs, None)
        return self._params(tf.cast(audio, tf.float32), labels)

    def _per_sample_log_prob(self, levels, labels=None, features=None):
        targets = tf.cast(levels, tf.float32)
        return self.head.per_dim_log_prob(self._params(targets, labels, features),
                                          targets)[..., 0]  # [B, T]

    def per_example_losses(self, audio, labels, seed, training):
        per_sample = self._per_sample_log_prob(audio, labels)
        length = tf.shape(per_sample)[1]
        start = tf.where(length > self.receptive_field, self.receptive_field, 0)
        nll = -tf.reduce_sum(per_sample[:, start:], axis=1)
        return {"loss": nll, "nats_per_sample": nll / tf.cast(length - start, tf.float32)}

    def log_prob(self, audio, labels=None, features=None):
        """log p(x) in nats per clip (generation starts from the same state): ``[B]``."""
        audio = self.check_examples(audio)
        labels = self.check_labels(labels, len(audio))
        features = self._check_features(features, len(audio), audio.shape[1])
        return tf.reduce_sum(self._per_sample_log_prob(audio, labels, features), axis=1).numpy()

    def nats_per_sample(self, audio, labels=None, features=None):
        audio = self.check_examples(audio)
        return -self.log_prob(audio, labels, features) / audio.shape[1]

    def _check_features(self, features, count, length):
        if not self.local_condition:
            if features is not None:
                v.fail("features", "features", "None: this model has no local condition")
            return None
        if features is None:
            v.fail("features", "None", f"log-mel features [{count}, frames, {self.num_mels}] "
                   "(model.features(audio) computes them): this model is locally conditioned")
        array = v.as_array("features", features, f"log-mel features [{count}, frames, "
                           f"{self.num_mels}]")
        if not np.issubdtype(array.dtype, np.number):
            v.fail("features", f"an array of dtype {array.dtype}", "real log-mel features")
        array = array.astype(np.float32)
        frames = -(-length // self.hop_length)
        if array.ndim != 3 or array.shape[0] != count or array.shape[2] != self.num_mels \
                or array.shape[1] < frames:
            v.fail("features", f"an array of shape {array.shape}",
                   f"[{count}, >= {frames}, {self.num_mels}]: {self.num_mels} mels, one frame "
                   f"per {self.hop_length} samples of the {length} asked")
        if not np.all(np.isfinite(array)):
            v.fail("features", "non-finite values", "finite log-mel features")
        return array

    # ------------------------------------------------------------------ generation
    def sample(self, num_samples, length, seed=None, temperature=1.0, labels=None,
               features=None, prime=None, cached=True):
        """Audio levels ``[num_samples, length, 1]`` (float32), drawn sample by sample.

        Args:
            length: samples to generate (the prime's included).
            labels: global condition (class ids), for conditional models.
            features: local condition frames ``[num_samples, >= ceil(length / hop), M]``.
            prime: levels ``[num_samples, P]`` or ``[num_samples, P, 1]`` that start the
                audio (kept as given; generation continues after them).
            cached: the queue-based step, compiled with XLA (fast), or the naive loop (the
                same audio).
        """
        num_samples = v.check_positive_int("num_samples", num_samples)
        length = v.check_positive_int("length", length)
        temperature = v.check_positive_float("temperature", temperature)
        labels = self.check_labels(labels, num_samples)
        features = self._check_features(features, num_samples, length)
        cached = v.check_bool("cached", cached)
        if prime is not None:
            prime = self.check_examples(prime, "prime")[..., 0]
            if len(prime) != num_samples or prime.shape[1] > length:
                v.fail("prime", f"an array of shape {prime.shape}",
                       f"[{num_samples}, P <= {length}] levels")
        uniforms = self.generation_noise(num_samples, length, self.resolve_seed(seed))
        if cached:
            return self._generate_compiled(uniforms, labels, features, prime, temperature)
        return self._generate_graph(uniforms, labels, features, prime, temperature, False)

    @tf.function(reduce_retracing=True)
    def _generate_graph(self, uniforms, labels, features, prime, temperature, cached):
        return self._generate(uniforms, labels, features, prime, temperature, cached,
                              ring=False)

    # The cached loop is hundreds of tiny ops per sample; XLA fuses them (about 10x faster on
    # CPU). The naive loop's window changes shape with t, which XLA cannot compile.
    @tf.function(reduce_retracing=True, jit_compile=True)
    def _generate_compiled(self, uniforms, labels, features, prime, temperature):
        return self._generate(uniforms, labels, features, prime, temperature, True)

    def _generate(self, uniforms, labels=None, features=None, prime=None, temperature=1.0,
                  cached=True, ring=True):
        """``ring``: ring-buffer queues (XLA and TFLite write them in place) or shifted ones
        (faster in plain TensorFlow graphs, whose DynamicUpdateSlice copies the buffer)."""
        length = tf.shape(uniforms)[1]
        local = self._local_sequence(None, features, length) if features is not None else None
        condition = self.condition_of(labels)
        stepper = CachedWaveStepper(self.network, condition, local, ring) if cached else \
            NaiveWaveStepper(self.network, condition, local)
        return generate(stepper, self.head, uniforms, self.to_units, temperature, prime)

    @strict_options
    def evaluation_report(self, audio, labels=None):
        nll = -self.log_prob(audio, labels)
        length = np.asarray(audio).shape[1]
        return {"nll_nats": float(np.mean(nll)),
                "nats_per_sample": float(np.mean(nll) / length),
                "bits_per_sample": float(np.mean(nll) / length / math.log(2.0)),
                "num_examples": int(len(nll))}

    # ------------------------------------------------------------------ export
    def generation_noise(self, num_samples, length, seed):
        """The uniforms ``[num_samples, length, U]`` that ``sample(..., seed=seed)`` draws
        from (an int seed): pass them to `kerasgen.export.synthesize` to hear the same
        audio from an exported model."""
        return tf.random.stateless_uniform([num_samples, length, self.head.num_uniforms(1)],
                                           fixed_seed(seed), 1e-6, 1.0 - 1e-6)

    # Time steps of example inputs (`example_input`): audio samples, feature frames, `length`.
    EXAMPLE_STEPS = 16

    def example_input(self, spec, batch_size, rng):
        """Adds ``previous`` (levels), ``length`` and log-mel ``features`` (`EXAMPLE_STEPS`
        frames, standard normal) to `GenerativeModel.example_input`, and audio of
        `EXAMPLE_STEPS` samples; queues and per-step ``local`` conditions are standard
        normal there."""
        shape = self.example_shape(spec, batch_size)
        if spec.name == "features":
            shape[1] = self.EXAMPLE_STEPS
            return rng.standard_normal(shape).astype(np.float32)
        if spec.name == "previous":
            return rng.integers(0, self.num_levels, size=shape).astype(np.float32)
        if spec.name == "length":
            return np.full(shape, self.EXAMPLE_STEPS, spec.dtype.as_numpy_dtype)
        if spec.name == self.data_kind.input_name:
            return self.data_kind.random(rng, batch_size, self.EXAMPLE_STEPS).astype(np.float32)
        return super().example_input(spec, batch_size, rng)

    def _condition_specs(self, local_name="features", local_rank=3):
        """``labels`` [B] for class-conditional models; for vocoders the log-mel ``features``
        [B, frames, M] or the upsampled ``local`` condition ([B, M] per step, [B, N, M] per
        block)."""
        specs = []
        if self.num_classes:
            specs.append(tf.TensorSpec([None], tf.int32, name="labels"))
        if self.local_condition:
            shape = [None] * (local_rank - 1) + [self.num_mels]
            specs.append(tf.TensorSpec(shape, tf.float32, name=local_name))
        return specs

    def _exported_log_prob(self, audio, labels=None, features=None):
        per_sample = self._per_sample_log_prob(audio, labels, features)
        log_prob = tf.reduce_sum(per_sample, axis=1)
        return {"log_prob": log_prob,
                "nats_per_sample": -log_prob / tf.cast(tf.shape(per_sample)[1], tf.float32)}

    def _stream_specs(self, block):
        """Inputs of the streaming signatures: ``previous``, ``uniforms`` (``[B, U]``, or
        ``[B, N, U]`` for a block of N samples), ``queue_0 .. queue_n`` and the conditions."""
        uniforms = [None, None, self.head.num_uniforms(1)] if block else \
            [None, self.head.num_uniforms(1)]
        specs = [tf.TensorSpec([None, 1], tf.float32, name="previous"),
                 tf.TensorSpec(uniforms, tf.float32, name="uniforms")]
        specs += [tf.TensorSpec([None, *q.shape[1:]], tf.float32, name=f"queue_{n}")
                  for n, q in enumerate(self.network.initial_queues(1))]
        return specs + self._condition_specs("local", 3 if block else 2)

    def _queue_list(self, queue_inputs):
        return [queue_inputs[f"queue_{n}"] for n in range(len(self.network.causal_convs()))]

    def step_endpoint(self):
        """The streaming step: ``previous`` (the last sample's level, ``[B, 1]``; silence's
        level 0 in units at the start is ``(num_levels - 1) / 2``), ``uniforms`` ``[B, U]``,
        ``queue_0 .. queue_n`` (zeros at the start; shapes from `initial_queues`) [,
        ``labels`` [B]] [, ``local`` = the upsampled local condition at t ``[B, M]``] ->
        ``params`` (the sample's distribution), ``sample`` (its level, drawn with the
        uniforms) and the new queues."""

        def step(previous, uniforms, labels=None, local=None, **queue_inputs):
            params, queue_out = self.network.step(
                self.to_units(previous), self._queue_list(queue_inputs),
                self.condition_of(labels), local)
            outputs = {"params": params,
                       "sample": self.head.sample_from_flat_uniforms(params, uniforms)}
            outputs.update({f"queue_{n}": q for n, q in enumerate(queue_out)})
            return outputs

        return Endpoint("step", step, self._stream_specs(block=False))

    def block_endpoint(self):
        """The streaming step looped N times in one call (N = ``uniforms.shape[1]``, any
        value per call): the inputs of ``step`` with ``uniforms`` ``[B, N, U]`` and ``local``
        ``[B, N, M]`` -> ``audio`` (N levels ``[B, N, 1]``; the last one is the next call's
        ``previous``) and the new queues. One call per block saves an app the per-call cost
        of the interpreter, which at one sample per call dominates."""

        def block(previous, uniforms, labels=None, local=None, **queue_inputs):
            stepper = CachedWaveStepper(self.network, self.condition_of(labels), local)
            state = (self.to_units(previous), self._queue_list(queue_inputs))
            audio, state = generate_from(stepper, state, self.head, uniforms, self.to_units)
            queue_out = stepper.queues_after(state, tf.shape(uniforms)[1])
            outputs = {"audio": audio}
            outputs.update({f"queue_{n}": q for n, q in enumerate(queue_out)})
            return outputs

        return Endpoint("block", block, self._stream_specs(block=True))

    def serving_endpoints(self):
        """``sample`` (num_samples, length, seed [, labels] [, features]) -> audio levels,
        ``log_prob`` (audio [, labels] [, features]) -> log_prob, nats_per_sample, and the
        streaming ``step``."""
        scalar = lambda name: tf.TensorSpec([], tf.int32, name=name)  # noqa: E731
        audio = tf.TensorSpec([None, None, 1], tf.float32, name="audio")

        def sample(num_samples, length, seed, labels=None, features=None):
            uniforms = self.generation_noise(num_samples, length, seed)
            return {"audio": self._generate(uniforms, labels, features, ring=False)}

        return [
            Endpoint("sample", sample, [scalar("num_samples"), scalar("length"), scalar("seed")]
                     + self._condition_specs()),
            Endpoint("log_prob", self._exported_log_prob,
                     [audio] + self._condition_specs()),
            self.step_endpoint(),
            self.block_endpoint(),
        ]

    def tflite_endpoints(self):
        """The streaming ``step`` and ``block`` and ``log_prob``, builtin ops only."""
        return [self.step_endpoint(), self.block_endpoint(),
                Endpoint("log_prob", self._exported_log_prob,
                         [tf.TensorSpec([None, None, 1], tf.float32, name="audio")]
                         + self._condition_specs())]
