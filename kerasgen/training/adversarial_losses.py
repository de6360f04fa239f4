"""Adversarial losses, per example, from discriminator outputs on real (r) and fake (f) images.

#### Mathematical details

With sigma the logistic function, D(x) = sigma(r) for the likelihood-based losses:

    loss              discriminator (minimized)              generator (minimized)
    minimax           -log D(x) - log(1 - D(G(z)))           log(1 - D(G(z))) = -softplus(f)
                      = softplus(-r) + softplus(f)
    non_saturating    as minimax                             -log D(G(z)) = softplus(-f)
    least_squares     (r - 1)^2 / 2 + f^2 / 2                (f - 1)^2 / 2
    hinge             relu(1 - r) + relu(1 + f)              -f
    wasserstein       f - r   (critic; WGAN adds clipping,   -f
                      WGAN-GP the penalty below)

    gradient penalty  (|| grad_x D(x_hat) ||_2 - 1)^2,   x_hat = e x + (1 - e) G(z),  e ~ U(0, 1)

References:
    Goodfellow et al. 2014; Mao et al. 2017 (least squares); Lim & Ye 2017 (hinge);
    Arjovsky et al. 2017 (WGAN); Gulrajani et al. 2017 (WGAN-GP).

Example:
    >>> import tensorflow as tf
    >>> d, g = ADVERSARIAL_LOSSES["hinge"]
    >>> float(d(tf.constant([2.0]), tf.constant([-2.0]))[0]), float(g(tf.constant([-2.0]))[0])
    (0.0, 2.0)
"""

import tensorflow as tf

from kerasgen.utils import noise


def _d_logistic(real, fake):
    return tf.nn.softplus(-real) + tf.nn.softplus(fake)


def _g_minimax(fake):
    return -tf.nn.softplus(fake)


def _g_non_saturating(fake):
    return tf.nn.softplus(-fake)


def _d_least_squares(real, fake):
    return 0.5 * tf.square(real - 1.0) + 0.5 * tf.square(fake)


def _g_least_squares(fake):
    return 0.5 * tf.square(fake - 1.0)


def _d_hinge(real, fake):
    return tf.nn.relu(1.0 - real) + tf.nn.relu(1.0 + fake)


def _d_wasserstein(real, fake):
    return fake - real


def _g_negative(fake):
    return -fake


ADVERSARIAL_LOSSES = {
    "minimax": (_d_logistic, _g_minimax),
    "non_saturating": (_d_logistic, _g_non_saturating),
    "least_squares": (_d_least_squares, _g_least_squares),
    "hinge": (_d_hinge, _g_negative),
    "wasserstein": (_d_wasserstein, _g_negative),
}


def gradient_penalty(critic, real, fake, seed):
    """Per-example ``(||grad D(x_hat)||_2 - 1)^2`` on random interpolates (WGAN-GP).

    `critic` maps images to one score per example; `seed` is a stateless seed.
    """
    shape = tf.concat([tf.shape(real)[:1], tf.ones([tf.rank(real) - 1], tf.int32)], 0)
    mix = noise.uniform(shape, seed)
    interpolates = mix * real + (1.0 - mix) * fake
    with tf.GradientTape() as tape:
        tape.watch(interpolates)
        scores = critic(interpolates)
    grads = tape.gradient(scores, interpolates)
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=tf.range(1, tf.rank(grads))) + 1e-12)
    return tf.square(norms - 1.0)
