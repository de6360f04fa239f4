"""Deep belief network (Hinton, Osindero & Teh 2006): a stack of RBMs trained greedily, a
top-down generator, up-down fine-tuning, and a classifier initialized from the stack.

#### Mathematical details

Layers h_0 = v (the image as units in [0, 1]), h_1, ..., h_L. RBM l models h_{l-1} with
hidden units h_l; it is trained (CD-k or PCD, `RBM`) on the hidden probabilities of the layers
below: x_0 = v, x_l = sigmoid(x_{l-1} W_l + c_l) (greedy layer-wise pretraining).

The generative model: the top RBM (h_{L-1}, h_L) is undirected; below it, directed sigmoid
layers p(h_{l-1} = 1 | h_l) = sigmoid(h_l G_l + g_l), with G_l = W_l^T and g_l = b_l after
pretraining. Recognition: q(h_l = 1 | h_{l-1}) = sigmoid(h_{l-1} R_l + r_l), R_l = W_l,
r_l = c_l. Fine-tuning (``fine_tune_epochs`` after pretraining in `fit`, or `fine_tune`)
unties them by the up-down algorithm (contrastive wake-sleep):

    wake:  h_l ~ q(h_l | h_{l-1}) up to h_{L-1};  G_l += lr h_l^T (h_{l-1} - p(h_{l-1} | h_l))
    top:   CD-k of the top RBM on h_{L-1} (its own update rule)
    sleep: s_{L-1} from the top chain, s_{l-1} ~ p(s_{l-1} | s_l) down to s_0;
           R_l += lr s_{l-1}^T (s_l - q(s_l | s_{l-1}))

Each rule is the gradient of a surrogate with the samples held fixed: the wake update of G_l
is minus the gradient of the cross-entropy -log p(h_{l-1} | h_l), the sleep update of R_l
that of -log q(s_l | s_{l-1}), the top one the contrastive surrogate of
`kerasgen.training.contrastive_divergence`. So the up-down step is the DBN's ``train_step``:
Keras' ``fit`` runs it with the compiled optimizer (plain SGD at lr gives the rules above),
callbacks, metrics, distribution strategies and exact resume, like every other model.

`sample`: Gibbs steps in the top RBM from noise, then one top-down pass (the image is the
last layer's mean). `to_classifier` builds a Keras MLP whose hidden layers start from R_l,
r_l, for discriminative fine-tuning.

Example:
    >>> import kerasgen
    >>> images, _ = kerasgen.data.load_arrays("digits", max_examples=200)
    >>> dbn = DBN(image_shape=(8, 8, 1), num_levels=17, hidden_units=(16, 8))
    >>> dbn.compile_with_defaults()
    >>> _ = dbn.fit(images, batch_size=20, epochs=1, verbose=0)
    >>> sorted(dbn.fine_tune(images, batch_size=20, verbose=0).history)
    ['free_energy_gap', 'sleep_cross_entropy', 'wake_cross_entropy']
    >>> dbn.sample(2, gibbs_steps=10, seed=0).shape
    TensorShape([2, 8, 8, 1])
    >>> dbn.to_classifier(num_classes=10).output_shape
    (None, 10)
"""

import os
import shutil

import keras
import numpy as np
import tensorflow as tf

from kerasgen.models.base import ImageGenerativeModel, strict_options
from kerasgen.models.boltzmann.chains import (
    ChainSampling,
    check_chain_request,
    sample_endpoints,
)
from kerasgen.models.boltzmann.rbm import RBM
from kerasgen.training import resume
from kerasgen.training.batches import unpack
from kerasgen.training.callbacks import NaNGuard
from kerasgen.utils import validation as val
from kerasgen.utils.noise import StatelessNoise, step_seed


def _as_arrays(model, x, name):
    """Images from an array or a (batched) dataset of images or (images, labels); sample
    weights in the batches are refused (`DBN.sample_weight_refusal`)."""
    if isinstance(x, tf.data.Dataset):
        batches = []
        for batch in x:
            images, _, weights = unpack(batch)
            model.check_sample_weight(weights, None, name=f"{name} sample_weight")
            batches.append(np.asarray(images))
        if not batches:
            val.fail(name, "an empty dataset", "at least one batch of images")
        return np.concatenate(batches)
    return x


@keras.saving.register_keras_serializable(package="kerasgen")
class DBN(ChainSampling, ImageGenerativeModel):
    """A stack of RBMs (module docstring).

    Args:
        hidden_units: sizes of h_1 .. h_L (at least one).
        cd_steps, persistent, num_chains: every RBM's training (see `RBM`).
        fine_tune_epochs: epochs of up-down fine-tuning `fit` runs after pretraining (0:
            none; ``--set fine_tune_epochs=N`` on the command line).
        image_shape, num_levels, seed: see `ImageGenerativeModel` (no labels).
    """

    fine_tune_metrics = ("free_energy_gap", "wake_cross_entropy", "sleep_cross_entropy")

    sample_weight_refusal = (
        "a DBN trains each layer by contrastive divergence, which does not weight examples")

    def __init__(self, hidden_units=(64, 32), cd_steps=1, persistent=False, num_chains=100,
                 fine_tune_epochs=0, **kwargs):
        super().__init__(**kwargs)
        self.fine_tune_epochs = val.check_non_negative_int("fine_tune_epochs", fine_tune_epochs)
        if self.num_classes is not None:
            val.fail("num_classes", repr(self.num_classes), "None: a DBN takes no labels")
        self.hidden_units = val.check_int_list("hidden_units", hidden_units, allow_empty=False)
        if min(self.hidden_units) < 1:
            val.fail("hidden_units", repr(hidden_units), "positive layer sizes")
        if self.fine_tune_epochs and len(self.hidden_units) < 2:
            val.fail("fine_tune_epochs", repr(fine_tune_epochs),
                     "0 for a DBN of one layer (up-down fine-tuning needs two)")
        self.cd_steps, self.persistent, self.num_chains = cd_steps, persistent, num_chains
        common = dict(cd_steps=cd_steps, persistent=persistent, num_chains=num_chains)
        self.rbms = [RBM(image_shape=self.image_shape, num_levels=self.num_levels,
                         hidden_units=self.hidden_units[0], seed=self.seed, name="rbm_0",
                         **common)]
        for n, units in enumerate(self.hidden_units[1:], start=1):
            self.rbms.append(RBM(image_shape=(1, self.hidden_units[n - 1], 1), num_levels=2,
                                 hidden_units=units, seed=self.seed + n, name=f"rbm_{n}",
                                 **common))
        # Directed weights below the top RBM: recognition (up) and generative (down).
        self.up, self.down = [], []
        for n, rbm in enumerate(self.rbms[:-1]):
            d, h = rbm.kernel.shape
            self.up.append((self.add_weight(name=f"up_kernel_{n}", shape=(d, h)),
                            self.add_weight(name=f"up_bias_{n}", shape=(h,))))
            self.down.append((self.add_weight(name=f"down_kernel_{n}", shape=(h, d)),
                              self.add_weight(name=f"down_bias_{n}", shape=(d,))))
        self.create_trackers(self.fine_tune_metrics)
        self.built = True

    # ------------------------------------------------------------------ greedy training
    def compile(self, optimizer="sgd", **kwargs):
        """Every RBM gets its own copy of ``optimizer`` for pretraining; the DBN keeps
        `optimizer` for fine-tuning. All are built at once, so that a ``.keras`` file
        restores their state (momenta) into them."""
        optimizer = keras.optimizers.get(optimizer)
        for rbm in self.rbms:
            rbm.compile(optimizer=optimizer.__class__.from_config(optimizer.get_config()))
            rbm.optimizer.build(rbm.trainable_variables)
        super().compile(optimizer=optimizer, **kwargs)
        if not self._saved_before_fine_tuning_in_fit:
            self.optimizer.build(self.fine_tune_variables())

    def fine_tune_variables(self):
        """What up-down fine-tuning trains: the directed weights and the top RBM."""
        return [w for pair in self.up + self.down for w in pair] \
            + list(self.rbms[-1].trainable_variables)

    def get_compile_config(self):
        return {"optimizer": keras.optimizers.serialize(self.optimizer)} \
            if getattr(self, "optimizer", None) is not None else {}

    def compile_from_config(self, config):
        if config.get("optimizer"):
            self.compile(optimizer=keras.optimizers.deserialize(config["optimizer"]))

    def compile_with_defaults(self, learning_rate=None):
        self.compile(optimizer=keras.optimizers.SGD(learning_rate or 0.05, momentum=0.5))

    def layer_inputs(self, images, layer):
        """What RBM ``layer`` trains on: the images' units pushed up through the layers below
        by their hidden probabilities, as an array of "images" RBM ``layer`` accepts."""
        if layer == 0:
            return np.asarray(images, np.float32)
        x = self.rbms[0].visible_units(tf.constant(images, tf.float32))
        for rbm in self.rbms[:layer]:
            x = rbm.hidden_probabilities(x)
        return np.asarray(x).reshape(-1, 1, self.hidden_units[layer - 1], 1)

    def fit(self, x=None, y=None, epochs=1, validation_data=None, **kwargs):
        """Greedy pretraining: RBM l trains ``epochs`` epochs on `layer_inputs` (l), then the
        directed weights are set from the RBMs (R_l = W_l, G_l = W_l^T); then
        ``fine_tune_epochs`` epochs of up-down fine-tuning (`fine_tune`). Other keyword
        arguments go to each phase's ``fit`` (a ``BackupAndRestore`` backs each phase up in
        a folder of its own). Returns a History whose keys are prefixed ``rbm_{l}_`` and
        ``fine_tune_``; ``loss`` is the top RBM's."""
        self.check_weight_arguments(kwargs)
        images = self.check_images(_as_arrays(self, x, "x"), "x")
        validation = None
        if validation_data is not None:
            vx, _, vw = unpack(validation_data) if isinstance(validation_data, (tuple, list)) \
                else (validation_data, None, None)
            self.check_sample_weight(vw, None, name="validation_data sample_weight")
            validation = self.check_images(_as_arrays(self, vx, "validation_data"),
                                           "validation_data")
        history = keras.callbacks.History()
        history.history, history.epoch = {}, []
        backup = resume.find_backup(kwargs.get("callbacks"))
        diverged = False
        for n, rbm in enumerate(self.rbms):
            done = None if backup is None else os.path.join(backup.backup_dir,
                                                            f"rbm_{n}_done.weights.h5")
            if done and os.path.exists(done):  # trained before an interruption
                rbm.load_weights(done)
                continue
            val_data = None if validation is None else (self.layer_inputs(validation, n),)
            layer_kwargs = dict(kwargs)
            if backup is not None:  # each RBM backs up (and resumes) in a folder of its own
                layer_kwargs["callbacks"] = [_layer_backup(c, n) if c is backup else c
                                             for c in kwargs["callbacks"]]
            result = rbm.fit(self.layer_inputs(images, n), epochs=epochs,
                             validation_data=val_data, **layer_kwargs)
            diverged = any(isinstance(c, NaNGuard) and c.stopped_on
                           for c in layer_kwargs.get("callbacks") or ())
            if done and not diverged:
                os.makedirs(backup.backup_dir, exist_ok=True)
                rbm.save_weights(done)
            history.epoch = list(result.epoch)  # every layer trains the same epochs
            for key, values in result.history.items():
                history.history[f"rbm_{n}_{key}"] = values
                if n == len(self.rbms) - 1:
                    history.history[key] = values
            if diverged:
                break  # the layers above would train on non-finite features
        self.tie_directed_weights()  # also after a divergence: the rolled-back layers
        if self.fine_tune_epochs and not diverged:
            phase_kwargs = dict(kwargs)
            if backup is not None:
                phase_kwargs["callbacks"] = [_layer_backup(c, "fine_tune") if c is backup
                                             else c for c in kwargs["callbacks"]]
            tuned = self.fine_tune(images, epochs=self.fine_tune_epochs,
                                   validation_data=validation, **phase_kwargs)
            for key, values in tuned.history.items():
                history.history[f"fine_tune_{key}"] = values
        if backup is not None and backup.delete_checkpoint \
                and os.path.exists(backup.backup_dir):
            shutil.rmtree(backup.backup_dir)
        return history

    def tie_directed_weights(self):
        """R_l = W_l, r_l = c_l, G_l = W_l^T, g_l = b_l (what pretraining implies)."""
        for rbm, (up_kernel, up_bias), (down_kernel, down_bias) in zip(self.rbms, self.up,
                                                                       self.down):
            up_kernel.assign(rbm.kernel)
            up_bias.assign(rbm.hidden_bias)
            down_kernel.assign(tf.transpose(rbm.kernel))
            down_bias.assign(rbm.visible_bias)

    # ------------------------------------------------------------------ up-down
    def fine_tune(self, x, epochs=1, batch_size=100, learning_rate=None, **kwargs):
        """Up-down fine-tuning (module docstring) of a pretrained DBN for `epochs` epochs of
        `x` (images, an array or a dataset): Keras' ``fit`` running `train_step`, with the
        compiled optimizer (`learning_rate`, when given, is set on it first) and every
        ``fit`` argument (callbacks, ``validation_data``...). Returns its History: the top
        RBM's ``free_energy_gap`` and the wake and sleep cross-entropies (nats per example,
        summed over layers). The noise follows the model's seed and step (no ``seed``)."""
        if len(self.rbms) < 2:
            val.fail("hidden_units", repr(self.hidden_units),
                     "at least two layers for up-down fine-tuning")
        epochs = val.check_positive_int("epochs", epochs)
        if batch_size is not None:
            batch_size = val.check_positive_int("batch_size", batch_size)
        if "seed" in kwargs:
            val.fail("seed", repr(kwargs["seed"]), "left out: fine-tuning noise follows the "
                     "model's seed and the step counter (DBN(seed=...))")
        if learning_rate is not None:
            self.optimizer.learning_rate = val.check_positive_float("learning_rate",
                                                                    learning_rate)
        return super().fit(x, epochs=epochs, batch_size=batch_size, **kwargs)

    def _up_down_states(self, images, noise, validation=False):
        """``(wake, negatives, sleep)``: stochastic up-pass states h_0 .. h_{L-1}, the top
        chain's visible probabilities (`validation`: the chain started at the data, never
        the persistent one), and stochastic down-pass states s_0 .. s_{L-1}."""
        wake = [self.rbms[0].visible_units(images)]
        for n, (kernel, bias) in enumerate(self.up):
            prob = tf.sigmoid(wake[-1] @ kernel + bias)
            wake.append(tf.cast(noise.uniform(tf.shape(prob), n, 0) < prob, tf.float32))
        top = self.rbms[-1]
        chain = top.chain_from_data if validation else top.negative_states
        negatives = chain(wake[-1], tf.random.experimental.stateless_fold_in(noise.seed, 1000))
        sleep = [tf.cast(noise.uniform(tf.shape(negatives), 99, 0) < negatives, tf.float32)]
        for n in reversed(range(len(self.down))):
            kernel, bias = self.down[n]
            prob = tf.sigmoid(sleep[0] @ kernel + bias)
            sleep.insert(0, tf.cast(noise.uniform(tf.shape(prob), 50 + n, 1) < prob,
                                    tf.float32))
        return wake, tf.stop_gradient(negatives), sleep

    def _up_down_losses(self, images, noise, validation=False):
        """Per-example wake and sleep cross-entropies, the top RBM's surrogate and gap."""
        wake, negatives, sleep = self._up_down_states(images, noise, validation)
        wake_ce = tf.add_n([_cross_entropy(wake[n], wake[n + 1] @ kernel + bias)
                            for n, (kernel, bias) in enumerate(self.down)])
        sleep_ce = tf.add_n([_cross_entropy(sleep[n + 1], sleep[n] @ kernel + bias)
                             for n, (kernel, bias) in enumerate(self.up)])
        surrogate, gap = self.rbms[-1].contrastive_loss(wake[-1], negatives)
        return wake_ce, sleep_ce, surrogate, gap

    def train_step(self, data):
        """One up-down step: the gradients of the three surrogates (module docstring),
        applied by the compiled optimizer; noise keyed on the step counter."""
        images, _, weights = unpack(data)
        self.check_sample_weight(weights, None)
        noise = StatelessNoise(step_seed(self.seed, self.optimizer.iterations, salt=11))
        variables = self.fine_tune_variables()
        with tf.GradientTape() as tape:
            wake_ce, sleep_ce, surrogate, gap = self._up_down_losses(images, noise)
            loss = tf.nn.compute_average_loss(wake_ce) + tf.nn.compute_average_loss(sleep_ce) \
                + surrogate
        self.optimizer.apply(tape.gradient(loss, variables), variables)
        return self.report(dict(zip(self.fine_tune_metrics, (gap, wake_ce, sleep_ce))))

    def test_step(self, data):
        """The same values on validation data, the top chain started at the data (validation
        must not move persistent chains)."""
        images, _, weights = unpack(data)
        self.check_sample_weight(weights, None)
        noise = StatelessNoise(step_seed(self.seed, self.optimizer.iterations, salt=12))
        wake_ce, sleep_ce, _, gap = self._up_down_losses(images, noise, validation=True)
        return self.report(dict(zip(self.fine_tune_metrics, (gap, wake_ce, sleep_ce))))

    # ------------------------------------------------------------------ generation
    def features(self, images):
        """Recognition probabilities of every hidden layer, bottom to top: a list of
        ``[N, H_l]`` (the top one from the top RBM)."""
        return self._up_pass(self.rbms[0].visible_units(self.check_images(images)))

    def _up_pass(self, v):
        """Mean-field recognition pass from units ``v``: q(h_1), ..., q(h_{L-1}), then the top
        RBM's p(h_L | h_{L-1})."""
        layers = []
        for kernel, bias in self.up:
            v = tf.sigmoid(v @ kernel + bias)
            layers.append(v)
        return layers + [self.rbms[-1].hidden_probabilities(v)]

    def _down_pass(self, state, temperature=1.0):
        """Generative means from the top RBM's visible layer down to the image units."""
        for kernel, bias in reversed(self.down):
            state = tf.sigmoid((state @ kernel + bias) / temperature)
        return state

    def sample(self, num_samples, gibbs_steps=1000, seed=None, temperature=1.0, labels=None):
        """Images ``[num_samples, H, W, C]``: ``gibbs_steps`` in the top RBM from noise, then
        the generative (down) pass, means at the bottom. ``labels`` must be None."""
        num_samples, gibbs_steps, noise, temperature = check_chain_request(
            self, num_samples, "gibbs_steps", gibbs_steps, seed, temperature, labels)
        return self._draw(num_samples, gibbs_steps, noise, temperature)

    def _draw(self, num_samples, gibbs_steps, noise, temperature=1.0):
        top = self.rbms[-1]
        state = top.initial_noise(num_samples, noise)
        state, _ = top.gibbs_with(state, gibbs_steps, top.parameters(), noise, temperature)
        return tf.reshape(self._down_pass(state, temperature) * (self.num_levels - 1),
                          [-1, *self.image_shape])

    def call(self, images):
        """The top layer's probabilities of integer images (the Keras forward pass)."""
        return self._up_pass(self.rbms[0].visible_units(images))[-1]

    def reconstruction_error(self, images):
        """Squared error per image of the mean-field up pass to the top RBM's visible layer
        and the down pass back: ``[N]`` (in [0, 1] units)."""
        v = self.rbms[0].visible_units(self.check_images(images))
        top_visible = ([v] + self._up_pass(v)[:-1])[-1]
        return tf.reduce_sum(tf.square(v - self._down_pass(top_visible)), axis=-1)

    @strict_options
    def evaluation_report(self, images, labels=None):
        """The mean `reconstruction_error` of ``images`` (a DBN has no tractable
        likelihood here)."""
        images = self.check_images(images)
        return {"num_examples": int(len(images)),
                "reconstruction_error": float(tf.reduce_mean(self.reconstruction_error(images)))}

    # ------------------------------------------------------------------ export contract
    def serving_endpoints(self):
        """``sample`` (num_samples, gibbs_steps, seed) and ``transform`` (images -> the top
        layer's probabilities). A DBN has no tractable free energy of the image."""
        return [sample_endpoints(self, "gibbs_steps", self._draw)[0],
                self._transform_endpoint()]

    def tflite_endpoints(self):
        """``transform`` and ``sample`` with builtin random ops."""
        return [self._transform_endpoint(), sample_endpoints(self, "gibbs_steps", self._draw)[1]]

    def _transform_endpoint(self):
        images = tf.TensorSpec([None, *self.image_shape], tf.float32, name="images")
        return self.endpoint("transform", lambda images: {
            "hidden": self.call(images)}, [images])

    # ------------------------------------------------------------------ classifier
    def to_classifier(self, num_classes, dropout=0.0):
        """A Keras classifier (uncompiled): images -> Rescaling -> Dense(H_l, sigmoid) from
        R_l, r_l for l < L, then the top RBM's W_L, c_L -> Dense(num_classes, softmax)."""
        num_classes = val.check_positive_int("num_classes", num_classes)
        dropout = val.check_probability("dropout", dropout)
        layers = [keras.Input(self.image_shape), keras.layers.Flatten(),
                  keras.layers.Rescaling(1.0 / (self.num_levels - 1))]
        weights = [(k.numpy(), b.numpy()) for k, b in self.up]
        weights.append((self.rbms[-1].kernel.numpy(), self.rbms[-1].hidden_bias.numpy()))
        dense = []
        for units, _ in zip(self.hidden_units, weights):
            dense.append(keras.layers.Dense(units, activation="sigmoid"))
            layers.append(dense[-1])
            if dropout:
                layers.append(keras.layers.Dropout(dropout))
        layers.append(keras.layers.Dense(num_classes, activation="softmax"))
        model = keras.Sequential(layers, name="dbn_classifier")
        for layer, (kernel, bias) in zip(dense, weights):
            layer.set_weights([kernel, bias])
        return model

    # Files saved before fine-tuning ran in `fit` (no ``fine_tune_epochs`` in their config)
    # hold the DBN's optimizer unbuilt, as it never stepped: it is left unbuilt for them to
    # load into (Keras skips, with a warning, an optimizer whose variables do not match),
    # and builds on the first fine-tuning step.
    _saved_before_fine_tuning_in_fit = False

    @classmethod
    def from_config(cls, config):
        model = super().from_config(config)
        model._saved_before_fine_tuning_in_fit = "fine_tune_epochs" not in config
        return model

    def save_own_variables(self, store):
        # Keras writes the model's own variables before its optimizer's: an optimizer left
        # unbuilt for an old file is built here, so the new file holds its whole state.
        if getattr(self, "optimizer", None) is not None and not self.optimizer.built:
            self.optimizer.build(self.fine_tune_variables())
        super().save_own_variables(store)

    def get_config(self):
        config = super().get_config()
        config.update(hidden_units=list(self.hidden_units), cd_steps=self.cd_steps,
                      persistent=self.persistent, num_chains=self.num_chains,
                      fine_tune_epochs=self.fine_tune_epochs)
        return config


def _cross_entropy(targets, logits):
    """-log p(targets) per example under independent Bernoullis with `logits` (nats)."""
    return tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(
        labels=tf.stop_gradient(targets), logits=logits), axis=-1)


def _layer_backup(backup, layer):
    """A copy of `backup` writing to ``<backup_dir>/rbm_<layer>`` (``fine_tune``: the
    fine-tuning phase's folder)."""
    folder = f"rbm_{layer}" if isinstance(layer, int) else layer
    return keras.callbacks.BackupAndRestore(
        os.path.join(backup.backup_dir, folder), save_freq=backup.save_freq,
        double_checkpoint=backup.double_checkpoint, delete_checkpoint=backup.delete_checkpoint)
