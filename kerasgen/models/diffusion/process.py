"""The Gaussian diffusion process of DDPM and improved DDPM: schedules, posteriors, DDIM steps.

No weights here: `NoiseSchedule` holds beta_1..beta_T and every coefficient derived from it
(float64 NumPy arrays), and its methods are the TensorFlow maths a diffusion model calls.

#### Mathematical details

Steps t = 1..T; arrays and the int tensors `t` hold the INDEX i = t - 1 (as DDPM's code).

    q(x_t | x_{t-1}) = N(sqrt(1 - beta_t) x_{t-1}, beta_t I)
    alpha_t = 1 - beta_t       abar_t = alpha_1 ... alpha_t       abar_0 = 1
    q(x_t | x_0)     = N(sqrt(abar_t) x_0, (1 - abar_t) I)
    q_sample:  x_t   = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps,   eps ~ N(0, I)

Schedules (improved DDPM's get_named_beta_schedule):

    linear  beta_t = linspace(b_start * 1000 / T, b_end * 1000 / T, T)   (DDPM: 1e-4, 0.02)
    cosine  f(u) = cos((u + s) / (1 + s) * pi / 2)^2,   s = 0.008
            beta_t = min(1 - f(t / T) / f((t - 1) / T), 0.999)

Posterior and reverse step (eps is the network's noise prediction):

    q(x_{t-1} | x_t, x_0) = N(c1_t x_0 + c2_t x_t, beta~_t I)
    c1_t = beta_t sqrt(abar_{t-1}) / (1 - abar_t)
    c2_t = (1 - abar_{t-1}) sqrt(alpha_t) / (1 - abar_t)
    beta~_t = beta_t (1 - abar_{t-1}) / (1 - abar_t)  (0 at t = 1: its clipped log uses beta~_2)
    x0_hat = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t)              (clipped to [-1, 1])
    p(x_{t-1} | x_t) = N(c1_t x0_hat + c2_t x_t, Sigma_t)
    log Sigma_t = log beta~_t (fixed "small")  or  frac log beta_t + (1 - frac) log beta~_t,
                  frac = (v + 1) / 2, v in [-1, 1] a network output (learned, improved DDPM)

Variational bound in nats, elementwise (sum over dimensions for a per-example bound):

    L       = L_T + sum_{t=2..T} L_{t-1} + L_0
    L_T     = KL(q(x_T | x_0) || N(0, I))                        prior_kl
    L_{t-1} = KL(q(x_{t-1} | x_t, x_0) || p(x_{t-1} | x_t))      normal_kl
    L_0     = -log p(x_0 | x_1)                      -discretized_gaussian_log_likelihood
    KL(N(m1, v1) || N(m2, v2)) = 1/2 (v1 / v2 - 1 - log(v1 / v2) + (m1 - m2)^2 / v2)

L_0 on K levels k = 0..K-1 at x = 2 k / (K - 1) - 1, bins of half-width d = 1 / (K - 1):

    P(k) = Phi((x + d - mu) / sigma) - Phi((x - d - mu) / sigma)
           with x - d = -inf for k = 0 and x + d = +inf for k = K - 1 (the P(k) sum to 1)

computed as erf differences near the mean and erfc differences in either tail (exact CDFs,
no cancellation; DDPM's code uses a tanh approximation), the log clamped at log(1e-12).

DDIM (Song et al. 2021) from index t to t' < t (t' = -1 is x_0, with abar' = 1):

    sigma  = eta sqrt((1 - abar') / (1 - abar_t)) sqrt(1 - abar_t / abar')
    x_t'   = sqrt(abar') x0_hat + sqrt(1 - abar' - sigma^2) eps_hat + sigma z
    eps_hat = (x_t - sqrt(abar_t) x0_hat) / sqrt(1 - abar_t)   (consistent with the clipped x0_hat)

With eta = 1 and t' = t - 1, sigma^2 = beta~_t and the mean is DDPM's posterior mean (ancestral
sampling); eta = 0 is deterministic. `timesteps(n)` = round(linspace(T - 1, 0, n)), so a run
starts from pure noise at T - 1 and ends at 0 (n = 1 is the single jump from T - 1).

Example:
    >>> import tensorflow as tf
    >>> schedule = NoiseSchedule("cosine", num_steps=10)
    >>> x0 = tf.zeros([2, 4, 4, 1])
    >>> schedule.q_sample(x0, tf.constant([0, 9]), tf.ones_like(x0)).shape
    TensorShape([2, 4, 4, 1])
    >>> schedule.timesteps(4)
    array([9, 6, 3, 0], dtype=int32)
    >>> float(schedule.betas[-1]), float(schedule.alphas_cumprod_prev[0])
    (0.999, 1.0)

References:
    Ho, Jain & Abbeel 2020, "Denoising Diffusion Probabilistic Models".
    Nichol & Dhariwal 2021, "Improved Denoising Diffusion Probabilistic Models".
    Song, Meng & Ermon 2021, "Denoising Diffusion Implicit Models".
"""

import math

import numpy as np
import tensorflow as tf

from kerasgen.utils import validation as v

SCHEDULES = ("linear", "cosine")


def _float(x):
    return tf.convert_to_tensor(x, dtype_hint=tf.float32)


def _cosine_betas(num_steps, offset, max_beta=0.999):
    f = lambda u: np.cos((u + offset) / (1.0 + offset) * np.pi / 2) ** 2  # noqa: E731
    steps = np.arange(num_steps, dtype=np.float64)
    return np.minimum(1.0 - f((steps + 1) / num_steps) / f(steps / num_steps), max_beta)


class NoiseSchedule:
    """Variance schedule beta_1..beta_T of the forward process and every coefficient derived
    from it (module docstring). Arrays are float64 of shape [T]; index i is step t = i + 1.

    Args:
        kind: ``"linear"`` (DDPM) or ``"cosine"`` (improved DDPM).
        num_steps: T. The linear betas are scaled by 1000 / T (so T < 20 needs a smaller
            `beta_end`).
        beta_start, beta_end: the linear schedule's first and last beta at T = 1000.
        cosine_offset: s of the cosine schedule.
    """

    def __init__(self, kind="linear", num_steps=1000, beta_start=1e-4, beta_end=0.02,
                 cosine_offset=0.008):
        if kind not in SCHEDULES:
            v.fail("kind", repr(kind), f"one of {SCHEDULES}")
        self.kind, self.num_steps = kind, v.check_positive_int("num_steps", num_steps)
        self.beta_start = v.check_positive_float("beta_start", beta_start)
        self.beta_end = v.check_positive_float("beta_end", beta_end)
        self.cosine_offset = v.check_non_negative_float("cosine_offset", cosine_offset)
        if beta_start > beta_end:
            v.fail("beta_start", repr(beta_start), f"at most beta_end = {beta_end!r}")
        T, scale = self.num_steps, 1000.0 / self.num_steps
        if kind == "linear":
            if self.beta_end * scale >= 1.0:
                v.fail("beta_end", repr(beta_end), f"below num_steps / 1000 = {T / 1000:g} "
                       "(betas are scaled by 1000 / num_steps and must stay below 1)")
            betas = np.linspace(self.beta_start * scale, self.beta_end * scale, T)
        else:
            betas = _cosine_betas(T, self.cosine_offset)
        if not np.all((betas > 0) & (betas < 1)):  # float64 underflow only (huge T)
            v.fail("num_steps", repr(num_steps), "small enough for betas in (0, 1)")
        self.betas = betas
        self.alphas = 1.0 - betas
        self.alphas_cumprod = np.cumprod(self.alphas)
        self.alphas_cumprod_prev = np.append(1.0, self.alphas_cumprod[:-1])
        one_minus = 1.0 - self.alphas_cumprod
        self.posterior_variance = betas * (1.0 - self.alphas_cumprod_prev) / one_minus
        first = self.posterior_variance[1] if T > 1 else betas[0]  # T = 1: beta_1
        self.posterior_log_variance_clipped = np.log(
            np.append(first, self.posterior_variance[1:]))
        self.posterior_mean_coef1 = betas * np.sqrt(self.alphas_cumprod_prev) / one_minus
        self.posterior_mean_coef2 = \
            (1.0 - self.alphas_cumprod_prev) * np.sqrt(self.alphas) / one_minus
        abar = self.alphas_cumprod
        tables = {  # float64 maths, cast once; "padded" ones have index t + 1 (t = -1: abar 1)
            "sqrt_abar": np.sqrt(abar), "sqrt_1m_abar": np.sqrt(one_minus),
            "1m_abar": one_minus, "log_1m_abar": np.log(one_minus),
            "sqrt_recip_abar": np.sqrt(1.0 / abar), "sqrt_recipm1_abar": np.sqrt(1.0 / abar - 1),
            "log_betas": np.log(betas), "posterior_variance": self.posterior_variance,
            "posterior_log_variance_clipped": self.posterior_log_variance_clipped,
            "coef1": self.posterior_mean_coef1, "coef2": self.posterior_mean_coef2,
            "log_abar_padded": np.append(0.0, np.log(abar)),
            "1m_abar_padded": np.append(0.0, one_minus)}
        self._tables = {name: a.astype(np.float32) for name, a in tables.items()}

    def get_config(self):
        return {"kind": self.kind, "num_steps": self.num_steps, "beta_start": self.beta_start,
                "beta_end": self.beta_end, "cosine_offset": self.cosine_offset}

    def _extract(self, name, t, x):
        """Table `name` at indices `t` [B], shaped [B, 1, ..., 1] to broadcast against x."""
        c = tf.cast(tf.gather(tf.constant(self._tables[name]), t), x.dtype)
        rank = x.shape.rank
        ones = [1] * (rank - 1) if rank is not None else tf.ones([tf.rank(x) - 1], tf.int32)
        return tf.reshape(c, tf.concat([tf.shape(c), ones], 0))

    def _full(self, name, t, x):
        return tf.broadcast_to(self._extract(name, t, x), tf.shape(x))

    def q_sample(self, x0, t, noise):
        x0 = _float(x0)
        return self._extract("sqrt_abar", t, x0) * x0 \
            + self._extract("sqrt_1m_abar", t, x0) * tf.cast(noise, x0.dtype)

    def q_mean_variance(self, x0, t):
        x0 = _float(x0)
        return (self._extract("sqrt_abar", t, x0) * x0, self._full("1m_abar", t, x0),
                self._full("log_1m_abar", t, x0))

    def q_posterior(self, x0, xt, t):
        x0, xt = _float(x0), _float(xt)
        mean = self._extract("coef1", t, xt) * x0 + self._extract("coef2", t, xt) * xt
        return (mean, self._full("posterior_variance", t, xt),
                self._full("posterior_log_variance_clipped", t, xt))

    def predict_x0(self, xt, t, eps):
        xt = _float(xt)
        return self._extract("sqrt_recip_abar", t, xt) * xt \
            - self._extract("sqrt_recipm1_abar", t, xt) * tf.cast(eps, xt.dtype)

    def predict_eps(self, xt, t, x0):
        xt = _float(xt)
        return (self._extract("sqrt_recip_abar", t, xt) * xt - tf.cast(x0, xt.dtype)) \
            / self._extract("sqrt_recipm1_abar", t, xt)

    def p_mean_variance(self, xt, t, eps, log_variance=None, clip_x0=True):
        """(mean, log variance, predicted x_0) of p(x_{t-1} | x_t); `log_variance` None is
        the fixed "small" variance, else the given (learned) one."""
        xt = _float(xt)
        x0 = self.predict_x0(xt, t, eps)
        if clip_x0:
            x0 = tf.clip_by_value(x0, -1.0, 1.0)
        mean, _, fixed = self.q_posterior(x0, xt, t)
        if log_variance is None:
            return mean, fixed, x0
        return mean, tf.broadcast_to(tf.cast(log_variance, xt.dtype), tf.shape(xt)), x0

    def learned_log_variance(self, t, v):
        """Improved DDPM's interpolation of log beta_t and log beta~_t by v in [-1, 1]."""
        v = _float(v)
        frac = (v + 1.0) / 2.0
        return frac * self._extract("log_betas", t, v) \
            + (1.0 - frac) * self._extract("posterior_log_variance_clipped", t, v)

    def ddim_step(self, xt, t, t_prev, eps, eta, noise, clip_x0=True):
        """x at step index `t_prev` (-1: x_0) from x at index `t` (module docstring)."""
        xt, t, t_prev = _float(xt), tf.convert_to_tensor(t), tf.convert_to_tensor(t_prev)
        x0 = self.predict_x0(xt, t, eps)
        if clip_x0:
            x0 = tf.clip_by_value(x0, -1.0, 1.0)
            eps = self.predict_eps(xt, t, x0)
        log_abar = self._extract("log_abar_padded", t + 1, xt)
        log_prev = self._extract("log_abar_padded", t_prev + 1, xt)
        one_minus, one_minus_prev = (self._extract("1m_abar_padded", i + 1, xt)
                                     for i in (t, t_prev))
        eta = tf.cast(eta, xt.dtype)  # 1 - abar_t / abar' as -expm1 of a log difference
        variance = eta ** 2 * one_minus_prev / one_minus * -tf.math.expm1(log_abar - log_prev)
        direction = tf.sqrt(tf.maximum(one_minus_prev - variance, 0.0))
        return tf.exp(0.5 * log_prev) * x0 + direction * tf.cast(eps, xt.dtype) \
            + tf.sqrt(variance) * tf.cast(noise, xt.dtype)

    def reverse_step(self, xt, t, t_prev, eps, eta, noise, v=None, clip_x0=True):
        """One reverse step from index `t` to `t_prev` (-1: x_0): `ddim_step`, or with a
        learned `v` in [-1, 1] the same mean at that eta and the learned variance between the
        two steps, eta^2 exp(frac log beta' + (1 - frac) log beta~'), frac = (v + 1) / 2, with
        beta' = 1 - abar_t / abar_t' and beta~' = beta' (1 - abar_t') / (1 - abar_t) (improved
        DDPM's respacing; no noise on the step to x_0)."""
        if v is None:
            return self.ddim_step(xt, t, t_prev, eps, eta, noise, clip_x0)
        xt, t, t_prev = _float(xt), tf.convert_to_tensor(t), tf.convert_to_tensor(t_prev)
        mean = self.ddim_step(xt, t, t_prev, eps, eta, tf.zeros_like(xt), clip_x0)
        log_abar = self._extract("log_abar_padded", t + 1, xt)
        log_prev = self._extract("log_abar_padded", t_prev + 1, xt)
        one_minus, one_minus_prev = (self._extract("1m_abar_padded", i + 1, xt)
                                     for i in (t, t_prev))
        beta = -tf.math.expm1(log_abar - log_prev)
        posterior = tf.maximum(beta * one_minus_prev / one_minus, 1e-20)
        frac = (_float(v) + 1.0) / 2.0
        log_variance = frac * tf.math.log(beta) + (1.0 - frac) * tf.math.log(posterior)
        to_x0 = self._extract("1m_abar_padded", t_prev + 1, xt) > 0.0  # False at t_prev = -1
        scale = tf.cast(eta, xt.dtype) * tf.exp(0.5 * log_variance) * tf.cast(to_x0, xt.dtype)
        return mean + scale * tf.cast(noise, xt.dtype)

    def q_sample_or_x0(self, x0, t, noise):
        """`q_sample` at indices `t` ``[B]``, and x_0 itself where t = -1."""
        x0 = _float(x0)
        drawn = self.q_sample(x0, tf.maximum(t, 0), noise)
        return tf.where(self._extract("1m_abar_padded", t + 1, x0) > 0.0, drawn, x0)

    def timesteps(self, num_sampling_steps):
        """Descending int32 step indices of a DDIM run: round(linspace(T - 1, 0, n))."""
        n = v.check_positive_int("num_sampling_steps", num_sampling_steps)
        if n > self.num_steps:
            v.fail("num_sampling_steps", repr(n), f"at most num_steps = {self.num_steps}")
        return np.floor(np.linspace(self.num_steps - 1, 0, n) + 0.5).astype(np.int32)


def normal_kl(mean1, log_var1, mean2, log_var2):
    """KL(N(mean1, exp(log_var1)) || N(mean2, exp(log_var2))) elementwise, in nats."""
    mean1, log_var1, mean2, log_var2 = map(_float, (mean1, log_var1, mean2, log_var2))
    d = log_var1 - log_var2  # v1/v2 - 1 - log(v1/v2) = expm1(d) - d, exact near d = 0
    return 0.5 * (tf.math.expm1(d) - d + tf.square(mean1 - mean2) * tf.exp(-log_var2))


def discretized_gaussian_log_likelihood(x, mean, log_scale, num_levels):
    """log P(level of x) under N(mean, exp(log_scale)^2) binned on `num_levels` levels in
    [-1, 1] (module docstring), elementwise."""
    num_levels = v.check_positive_int("num_levels", num_levels)
    if num_levels < 2:
        v.fail("num_levels", repr(num_levels), "at least 2")
    x, mean, log_scale = map(_float, (x, mean, log_scale))
    half, r, big = 1.0 / (num_levels - 1), 1.0 / math.sqrt(2.0), 1e4
    inv_scale = tf.exp(-log_scale)
    lo = tf.where(x < -1.0 + half, -big, (x - half - mean) * inv_scale)  # standardized, the
    hi = tf.where(x > 1.0 - half, big, (x + half - mean) * inv_scale)    # edges finite
    centre = 0.5 * (tf.math.erf(hi * r) - tf.math.erf(lo * r))
    upper = 0.5 * (tf.math.erfc(lo * r) - tf.math.erfc(hi * r))
    lower = 0.5 * (tf.math.erfc(-hi * r) - tf.math.erfc(-lo * r))
    prob = tf.where(lo > 1.0, upper, tf.where(hi < -1.0, lower, centre))
    return tf.math.log(tf.maximum(prob, 1e-12))


def prior_kl(schedule, x0):
    """KL(q(x_T | x_0) || N(0, I)) elementwise, in nats (L_T)."""
    x0 = _float(x0)
    t = tf.fill(tf.shape(x0)[:1], schedule.num_steps - 1)
    mean, _, log_variance = schedule.q_mean_variance(x0, t)
    return normal_kl(mean, log_variance, 0.0, 0.0)
