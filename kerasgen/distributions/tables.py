"""`TableLikelihood`: the per-column likelihood of a table row given a network's output.

A network (TVAE's decoder) outputs, for each segment of a `kerasgen.data.TableTransformer`:

    value     loc, raw scale of a Gaussian on alpha      scale = softplus(raw) + MIN_SCALE
    mode      M logits (a categorical on the mode)
    missing   2 logits ([present, missing])
    category  K logits

#### Mathematical details

For a row with codes c, the transformer's encoding gives each number column j its mode k_j,
offset alpha_j and missing flag m_j; each categorical column its index i_j. Then

    log p(row) = sum_cat  log softmax(logits_j)[i_j]
               + sum_num  log p(m_j)
                          + (1 - m_j) [ log softmax(mode_logits_j)[k_j]
                                        + log N(alpha_j; loc_j, scale_j^2)
                                        - log(4 sigma_{j,k_j}) ]

The last term, the Jacobian of alpha = (x - mu_k) / (4 sigma_k), makes it a density in the
column's own units (nats per row; numbers as densities, categories as probabilities), which
training does not need but which makes likelihoods of two encodings comparable. It scores
the encoding's own mode; the model also puts a little mass on other modes that decode to the
same x, so this is a lower bound on the density of x (tight where modes do not overlap).
A table of categorical columns only has an exact probability per row, and the probabilities
of all possible rows sum to 1.

Sampling draws each segment (Gumbel-max on logits with uniforms, ``loc + scale * normal``) and
decodes through the transformer (training range and rounding enforced). The noise is an
input, so the same draw runs as stateless ops in Keras and as builtin random ops on TFLite.

Example:
    >>> import kerasgen, tensorflow as tf
    >>> from kerasgen.data.table_transformer import TableTransformer
    >>> transformer = TableTransformer.fit(kerasgen.data.load_table("iris"))
    >>> likelihood = TableLikelihood(transformer)
    >>> params = tf.zeros([2, likelihood.params_size])
    >>> codes = transformer.codes(kerasgen.data.load_table("iris").frame[:2])
    >>> likelihood.log_prob(params, codes).shape
    TensorShape([2])
"""

import tensorflow as tf
import tensorflow_probability as tfp

from kerasgen.distributions.categorical import gumbel_argmax

tfd = tfp.distributions

MIN_SCALE = 1e-3
_PARAMS = {"value": lambda s: 2, "mode": lambda s: s.width, "missing": lambda s: 2,
           "category": lambda s: s.width}


class TableLikelihood:
    """The likelihood of rows of `transformer`'s columns (module docstring)."""

    def __init__(self, transformer):
        self.transformer = transformer
        self.param_slices, start = [], 0
        for segment in transformer.segments:
            width = _PARAMS[segment.part](segment)
            self.param_slices.append((segment, start, width))
            start += width
        self.params_size = start
        self.uniform_size = sum(s.width for s in transformer.segments if s.part != "value")
        self.normal_size = sum(s.part == "value" for s in transformer.segments)

    def _pieces(self, params):
        params = tf.convert_to_tensor(params, tf.float32)
        for segment, start, width in self.param_slices:
            yield segment, params[..., start:start + width]

    def column_log_probs(self, params, codes):
        """``{column name: log-likelihood [B]}`` of each column of the rows `codes`
        (constant columns: 0)."""
        codes = tf.convert_to_tensor(codes, tf.float32)
        t = self.transformer
        offsets = {j: t.mode_offsets(codes, j) for j in {s.column for s in t.segments
                                                         if s.part == "mode"}}
        terms = {c["name"]: tf.zeros(tf.shape(codes)[:1]) for c in t.columns}
        present = {}
        for segment, piece in self._pieces(params):
            j, name = segment.column, t.columns[segment.column]["name"]
            if segment.part == "category":
                index = tf.cast(codes[:, j], tf.int32)
                term = _log_softmax_at(piece, index)
            elif segment.part == "missing":
                missing = tf.math.is_nan(codes[:, j])
                present[j] = 1.0 - tf.cast(missing, tf.float32)
                term = _log_softmax_at(piece, tf.cast(missing, tf.int32))
            elif segment.part == "mode":
                term = _log_softmax_at(piece, offsets[j][0])
            else:  # value
                mode, alpha, _ = offsets[j]
                loc, scale = piece[:, 0], tf.nn.softplus(piece[:, 1]) + MIN_SCALE
                stds = tf.constant(t.columns[j]["modes"]["stds"], tf.float32)
                term = tfd.Normal(loc, scale).log_prob(alpha) \
                    - tf.math.log(4.0 * tf.gather(stds, mode))
            if segment.part in ("mode", "value"):
                term = tf.where(tf.math.is_nan(codes[:, j]), 0.0, term)
            terms[name] = terms[name] + term
        return terms

    def log_prob(self, params, codes):
        """log p(row) ``[B]`` in nats (module docstring)."""
        return tf.add_n(list(self.column_log_probs(params, codes).values()))

    def sample(self, params, uniforms, normals, temperature=1.0):
        """Codes ``[B, C]`` drawn from `params` with `uniforms` ``[B, uniform_size]`` in
        (0, 1) and `normals` ``[B, normal_size]``; `temperature` scales the Gaussians' scale
        and divides the logits."""
        batch = tf.shape(params)[0]
        parts, u, n = {}, 0, 0
        for segment, piece in self._pieces(params):
            if segment.part == "value":
                scale = tf.nn.softplus(piece[:, 1]) + MIN_SCALE
                parts[segment.column, "value"] = piece[:, 0] + temperature * scale * normals[:, n]
                n += 1
                continue
            index = gumbel_argmax(piece / temperature, uniforms[:, u:u + segment.width])
            u += segment.width
            parts[segment.column, segment.part] = index > 0 if segment.part == "missing" \
                else index
        return self.transformer.decode_parts(batch, parts)

    def most_likely(self, params):
        """Codes ``[B, C]`` of each segment's mode (the Gaussians' means)."""
        batch = tf.shape(params)[0]
        parts = {}
        for segment, piece in self._pieces(params):
            if segment.part == "value":
                parts[segment.column, "value"] = piece[:, 0]
            else:
                index = tf.argmax(piece, axis=1, output_type=tf.int32)
                parts[segment.column, segment.part] = index > 0 if segment.part == "missing" \
                    else index
        return self.transformer.decode_parts(batch, parts)


def _log_softmax_at(logits, index):
    """log softmax(logits)[index] per row, through a one-hot product: TFLite has no builtin
    for the sparse cross-entropy that ``tfd.Categorical.log_prob`` lowers to."""
    width = logits.shape[-1]
    return tf.reduce_sum(tf.nn.log_softmax(logits, axis=-1) * tf.one_hot(index, width),
                         axis=-1)
