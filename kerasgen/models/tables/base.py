"""`TableGenerativeModel`: what the table families share (TVAE, CTGAN, the table autoencoder).

- the kind of example: `kerasgen.core.table_rows.TableRows`, the columns of the model's
  `kerasgen.data.TableTransformer` (fitted once on the training rows, kept in the config);
- ``fit`` takes a DataFrame (or a `kerasgen.data.Table`) as well as codes, and
  ``log_prob`` / ``anomaly_score`` take DataFrames, checked against the training columns;
- ``sample(n, seed, conditions={"column": value, ...})`` returns a DataFrame with the training
  header. Conditions name categorical, boolean or discrete columns and the values asked; every
  returned row carries them: a model draws with them where it can (CTGAN's conditional
  vector) and rows that miss them are dropped and drawn again (`MAX_CONDITION_ROUNDS`);
- export: one named output per column (numbers; strings for categories on TF Serving,
  category indices on TFLite).

A family implements ``_sample_codes(num_samples, seed, temperature, condition)`` (graph-safe:
codes ``[N, C]``; `condition` None, or ``(column indices, code values)`` of the asked values)
and its loss.
"""

import numbers

import numpy as np
import tensorflow as tf

from kerasgen.core.table_rows import CATEGORY_KINDS
from kerasgen.data.table_transformer import TableTransformer
from kerasgen.distributions.tables import TableLikelihood
from kerasgen.models.base import GenerativeModel
from kerasgen.networks import build_mlp
from kerasgen.utils import validation as v

MAX_CONDITION_ROUNDS = 50
DRAW_BATCH = 1024


class TableGenerativeModel(GenerativeModel):
    """Base class of the table families.

    Args:
        transformer: the fitted `kerasgen.data.TableTransformer` of the training rows, or its
            config (``transformer.get_config()``), as the model's config keeps it.
        seed: see `GenerativeModel`.
    """

    def __init__(self, transformer=None, seed=0, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if isinstance(transformer, dict):
            try:
                transformer = TableTransformer.from_config(transformer)
            except (ValueError, KeyError, TypeError) as error:
                v.fail("transformer", f"a config that does not describe columns ({error})",
                       "the config of a fitted kerasgen.data.TableTransformer")
        if not isinstance(transformer, TableTransformer):
            v.fail("transformer", repr(transformer)[:80],
                   "a fitted kerasgen.data.TableTransformer (TableTransformer.fit(table)) "
                   "or its config")
        self.transformer = transformer
        self.data_kind = transformer.kind
        self.likelihood = TableLikelihood(transformer)

    def build_codec(self, latent_dim, hidden_units, activation, weight_decay, encoder_outputs):
        """Set the shared network hyperparameters (checked) and build the dense `encoder`
        (encoded row -> `encoder_outputs`) and `decoder` (latent -> likelihood parameters,
        the hidden layers mirrored), each kernel under the L2 penalty `weight_decay`."""
        self.latent_dim = v.check_positive_int("latent_dim", latent_dim)
        self.hidden_units = v.check_int_list("hidden_units", hidden_units)
        self.activation = activation
        self.weight_decay = v.check_non_negative_float("weight_decay", weight_decay)
        self.encoder = build_mlp(self.transformer.encoded_width, encoder_outputs,
                                 self.hidden_units, activation, self.weight_decay,
                                 input_name="encoded", name="encoder")
        self.decoder = build_mlp(self.latent_dim, self.likelihood.params_size,
                                 self.hidden_units[::-1], activation, self.weight_decay,
                                 input_name="latents", name="decoder")
        self.built = True

    def codec_config(self):
        return dict(latent_dim=self.latent_dim, hidden_units=list(self.hidden_units),
                    activation=self.activation, weight_decay=self.weight_decay)

    @property
    def num_columns(self):
        return len(self.transformer.columns)

    def get_config(self):
        config = super().get_config()
        config.pop("num_classes", None)
        config.update(transformer=self.transformer.get_config())
        return config

    # ------------------------------------------------------------------ data in
    def fit(self, x=None, y=None, validation_data=None, **kwargs):
        """Keras' ``fit``; `x` (and `validation_data`) may be DataFrames or `Table`s."""
        x = self._as_codes(x, "x")
        if isinstance(validation_data, (tuple, list)):
            validation_data = (self._as_codes(validation_data[0], "validation_data"),
                               *validation_data[1:])
        elif validation_data is not None:
            validation_data = self._as_codes(validation_data, "validation_data")
        return super().fit(x, y, validation_data=validation_data, **kwargs)

    def _as_codes(self, rows, name):
        import pandas as pd

        from kerasgen.data.tables import Table

        if isinstance(rows, Table):
            rows = rows.frame
        if isinstance(rows, pd.DataFrame):
            return self.data_kind.codes(rows, name)
        return rows

    def training_data(self, rows, seed=0):
        """``(x, y)`` for ``fit`` from training `rows`: their codes and no labels (CTGAN
        draws its rows by training by sampling)."""
        return self.check_rows(rows), None

    def check_rows(self, rows, name="rows"):
        """Codes ``[N, C]`` of `rows` (a DataFrame, a `Table` or codes), checked."""
        return self.check_examples(self._as_codes(rows, name), name)

    # ------------------------------------------------------------------ sampling
    def check_conditions(self, conditions):
        """``(column indices, code values)`` of ``{column: value}``, or None for None."""
        if conditions is None or conditions == {}:
            return None
        if not isinstance(conditions, dict):
            v.fail("conditions", v.describe(conditions), "a dict {column name: value}")
        names = self.data_kind.names
        columns, values = [], []
        for name, value in conditions.items():
            if name not in names:
                v.fail("conditions", f"an unknown column {name!r}",
                       f"columns of this model: {', '.join(names)}")
            j = names.index(name)
            spec = self.transformer.columns[j]
            if spec["kind"] in CATEGORY_KINDS:
                code = self.data_kind.value_code(j, value, f"conditions[{name!r}]")
            elif spec["kind"] == "discrete" and isinstance(value, numbers.Real) \
                    and not isinstance(value, bool) and float(value).is_integer() \
                    and spec["minimum"] <= value <= spec["maximum"]:
                code = float(value)
            else:
                expected = (f"a whole number in [{spec['minimum']:g}, {spec['maximum']:g}]"
                            if spec["kind"] == "discrete" else
                            "a condition on a categorical, boolean or discrete column (a "
                            "continuous value is never drawn exactly)")
                v.fail("conditions", f"{name}={value!r}", expected)
            columns.append(j)
            values.append(code)
        return columns, values

    def _sample_codes(self, num_samples, seed, temperature=1.0, condition=None):
        raise NotImplementedError

    def sample_codes(self, num_samples, seed=None, temperature=1.0, conditions=None):
        """Codes ``[num_samples, C]`` (NumPy) of rows drawn from the model, every one with
        the asked `conditions` (module docstring)."""
        num_samples = self.check_num_samples(num_samples)
        v.check_positive_float("temperature", temperature)
        condition = self.check_conditions(conditions)
        seed = self.resolve_seed(seed)
        if condition is None:
            return self._sample_codes(num_samples, seed, temperature).numpy()
        columns, values = condition
        codes, drawn = self._draw_matching(num_samples, seed, temperature, columns,
                                           np.asarray(values, np.float32), condition)
        if len(codes) < num_samples:
            v.fail("conditions", f"{conditions!r}, which {len(codes)} of {int(drawn)} rows "
                   "drawn carried", f"values this model draws often enough for {num_samples} "
                   f"rows (at least 1 in {int(drawn) // num_samples} draws)")
        return codes.numpy()

    def _draw_matching(self, num_samples, seed, temperature, columns, values, condition=None):
        """Graph-safe rejection: rows drawn in rounds of ``max(num_samples, DRAW_BATCH)``
        (round r from seed ``seed + 7919 r``; `condition` passed to `_sample_codes`) until
        `num_samples` carry `values` in `columns`, at most `MAX_CONDITION_ROUNDS` rounds.
        ``(codes [<= num_samples, C], rows drawn)``."""
        batch = tf.maximum(num_samples, DRAW_BATCH)

        def more(round_, kept):
            return tf.logical_and(round_ < MAX_CONDITION_ROUNDS, tf.shape(kept)[0] < num_samples)

        def draw(round_, kept):
            codes = self._sample_codes(batch, seed + round_ * 7_919, temperature, condition)
            match = tf.reduce_all(tf.equal(tf.gather(codes, columns, axis=1), values), axis=1)
            return round_ + 1, tf.concat([kept, tf.boolean_mask(codes, match)], axis=0)

        rounds, kept = tf.while_loop(
            more, draw, (tf.constant(0), tf.zeros([0, self.num_columns])),
            shape_invariants=(tf.TensorShape([]), tf.TensorShape([None, self.num_columns])))
        return kept[:num_samples], rounds * batch

    def category_code(self, column, value):
        """Graph-safe ``(found, column index, code)`` of a (column name, category string)
        pair of a categorical or boolean column (the string a column output gives; a
        missing category is the empty string); found False for a pair the model does not
        know."""
        found, index, code = tf.constant(False), tf.constant(0), tf.constant(0.0)
        for j, spec in enumerate(self.transformer.columns):
            if spec["kind"] not in CATEGORY_KINDS:
                continue
            vocabulary = tf.constant([c or "" for c in spec["categories"]])
            hit = tf.logical_and(tf.equal(vocabulary, value), tf.equal(column, spec["name"]))
            here = tf.reduce_any(hit)
            index = tf.where(here, j, index)
            code = tf.where(here, tf.cast(tf.argmax(tf.cast(hit, tf.int32)), tf.float32), code)
            found = tf.logical_or(found, here)
        return found, index, code

    def sample_given_by_rejection(self, num_samples, seed, column, value):
        """The serving ``sample_given`` of a model without a native condition: the rows
        `sample` returns for ``conditions={column: value}`` (the same rounds of
        `_draw_matching`; fewer than `num_samples` where the model draws the value too
        rarely), or unconditioned rows and ``condition_found`` False for an unknown pair."""
        found, index, code = self.category_code(column, value)
        codes = tf.cond(found, lambda: self._draw_matching(
                            num_samples, seed, 1.0, tf.stack([index]), tf.stack([code]))[0],
                        lambda: self._sample_codes(num_samples, seed))
        return {**self.column_outputs(codes), "condition_found": found}

    def example_input(self, spec, batch_size, rng):
        """``column`` and ``value`` of ``sample_given``: the first categorical column with
        more than one category, and its first category; the rest as for every model."""
        if spec.name in ("column", "value"):
            first = next(c for c in self.transformer.columns
                         if c["kind"] in CATEGORY_KINDS and len(c["categories"]) > 1)
            return np.asarray(first["name"] if spec.name == "column"
                              else first["categories"][0] or "")
        return super().example_input(spec, batch_size, rng)

    def sample(self, num_samples, seed=None, temperature=1.0, conditions=None, labels=None):
        """A DataFrame of `num_samples` rows with the training header; with `conditions`
        (``{"class": "g"}``) only rows carrying those values. (`labels`: None; a table
        model conditions on column values, `conditions`.)"""
        self.check_labels(labels, num_samples)
        return self.transformer.frame(
            self.sample_codes(num_samples, seed, temperature, conditions))

    # ------------------------------------------------------------------ evaluation
    def synthetic_report(self, train_rows, test_rows, target=None, num_rows=None, seed=0):
        """Quality, efficacy (TSTR beside TRTR, when there is a `target`) and privacy of
        `num_rows` sampled rows (default: as many as `train_rows`, so TSTR trains on as many rows
        as TRTR), beside the
        independent-marginals baseline (`kerasgen.evaluation.tables`)."""
        from kerasgen.evaluation.tables import synthetic_data_report

        train = self.transformer.frame(self.check_rows(train_rows, "train_rows"))
        test = self.transformer.frame(self.check_rows(test_rows, "rows"))
        if target is not None and target not in self.data_kind.names:
            v.fail("target", repr(target), f"a column: {', '.join(self.data_kind.names)}")
        count = len(train) if num_rows is None else v.check_positive_int("num_rows", num_rows)
        synthetic = self.sample(count, seed=seed)
        return synthetic_data_report(train, test, synthetic, self.transformer.columns,
                                     target, seed)

    # ------------------------------------------------------------------ export
    def column_outputs(self, codes, strings=True):
        """``{column name: values [N]}``: numbers (float32), categories as their strings
        (`strings`, TF Serving) or their indices (int32, TFLite); a missing category is
        the empty string."""
        outputs = {}
        for j, spec in enumerate(self.transformer.columns):
            values = codes[:, j]
            if spec["kind"] in CATEGORY_KINDS:
                index = tf.cast(values, tf.int32)
                values = tf.gather(tf.constant([c or "" for c in spec["categories"]]),
                                   index) if strings else index
            outputs[_output_name(spec["name"], j)] = values
        return outputs

    def tflite_assets(self):
        """``vocabularies.json``: `vocabulary_file` (what a TFLite user needs beside the
        file to read its outputs)."""
        import json

        return {"vocabularies.json": json.dumps(self.vocabulary_file(), indent=1)}

    def vocabulary_file(self):
        """``{"columns": the column each output holds, "vocabularies": the categories of each
        index output}`` (a family adds what its TFLite inputs need)."""
        names = {_output_name(spec["name"], j): spec["name"]
                 for j, spec in enumerate(self.transformer.columns)}
        return {"columns": names, "vocabularies": self.vocabularies()}

    def vocabularies(self):
        """``{output name: categories}`` of the category outputs (what a TFLite user needs
        beside the file to read the indices)."""
        return {_output_name(spec["name"], j): spec["categories"]
                for j, spec in enumerate(self.transformer.columns)
                if spec["kind"] in CATEGORY_KINDS}


def _output_name(name, index):
    """A signature output name for column `name`: letters, digits and ``_`` (TF Serving
    keys), made unique by the column's index where cleaning changed it."""
    import re

    cleaned = re.sub(r"[^0-9A-Za-z_]+", "_", name).strip("_")
    return cleaned if cleaned == name and cleaned else f"{cleaned or 'column'}_{index}"
