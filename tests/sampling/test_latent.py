"""Latent-space helpers: lerp/slerp, interpolation paths, attribute vectors, manifold grids."""

import numpy as np
import pytest
from scipy.stats import norm

from kerasgen.sampling import attribute_vector, interpolate, latent_grid, lerp, slerp


def test_lerp():
    a, b = np.array([1.0, -2.0, 0.5]), np.array([3.0, 2.0, -0.5])
    np.testing.assert_allclose(lerp(a, b, 0.0), a)
    np.testing.assert_allclose(lerp(a, b, 1.0), b)
    np.testing.assert_allclose(lerp(a, b, 0.25), [1.5, -1.0, 0.25])


def test_slerp_endpoints_and_norm():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=5), rng.normal(size=5)
    np.testing.assert_allclose(slerp(a, b, 0.0), a, atol=1e-12)
    np.testing.assert_allclose(slerp(a, b, 1.0), b, atol=1e-12)
    # Orthogonal vectors of equal norm: the path stays on the circle, at even angles.
    u, v = np.array([3.0, 0.0, 0.0]), np.array([0.0, 0.0, 3.0])
    for t in np.linspace(0, 1, 7):
        point = slerp(u, v, t)
        assert np.linalg.norm(point) == pytest.approx(3.0)
        np.testing.assert_allclose(point, 3 * np.array([np.cos(t * np.pi / 2), 0,
                                                        np.sin(t * np.pi / 2)]), atol=1e-12)
    # Lerp through the middle shrinks the norm; slerp does not.
    assert np.linalg.norm(lerp(u, v, 0.5)) < 2.2


def test_slerp_falls_back_to_lerp_for_parallel_vectors():
    a = np.array([1.0, 2.0])
    np.testing.assert_allclose(slerp(a, 2 * a, 0.5), 1.5 * a)
    np.testing.assert_allclose(slerp(a, -a, 0.25), lerp(a, -a, 0.25))
    assert np.all(np.isfinite(slerp(np.zeros(2), a, 0.5)))


@pytest.mark.parametrize("method", ["linear", "spherical"])
def test_interpolate(method):
    start, end = np.array([1.0, 0.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0, 0.0])
    path = interpolate(start, end, steps=5, method=method)
    assert path.shape == (5, 4) and path.dtype == np.float32
    np.testing.assert_allclose(path[0], start, atol=1e-7)
    np.testing.assert_allclose(path[-1], end, atol=1e-7)
    expected = (np.linspace(0, 1, 5)[:, None] * (end - start) + start if method == "linear"
                else [slerp(start, end, t) for t in np.linspace(0, 1, 5)])
    np.testing.assert_allclose(path, expected, atol=1e-6)
    assert interpolate(start, end, steps=1, method=method).shape == (1, 4)


@pytest.mark.parametrize("kwargs, name", [
    ({"end": np.zeros(3)}, "end"),
    ({"start": np.zeros([2, 4]), "end": np.zeros([2, 4])}, "end"),
    ({"steps": 0}, "steps"),
    ({"steps": 2.5}, "steps"),
    ({"method": "cubic"}, "method"),
])
def test_interpolate_bad_inputs(kwargs, name):
    arguments = {"start": np.zeros(4), "end": np.ones(4), **kwargs}
    with pytest.raises(ValueError, match=f"`{name}`"):
        interpolate(**arguments)


def test_attribute_vector_against_numpy():
    rng = np.random.default_rng(1)
    latents = rng.normal(size=(50, 3))
    mask = rng.uniform(size=50) < 0.3
    expected = latents[mask].mean(0) - latents[~mask].mean(0)
    got = attribute_vector(latents, mask)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    # Shifted groups: the vector recovers the shift.
    shifted = latents.copy()
    shifted[mask] += [2.0, 0.0, -1.0]
    np.testing.assert_allclose(attribute_vector(shifted, mask) - got, [2.0, 0.0, -1.0],
                               atol=1e-5)


@pytest.mark.parametrize("latents, mask", [
    (np.zeros((4, 2)), [True, False, True]),        # wrong length
    (np.zeros((4, 2)), [True] * 4),                 # one group empty
    (np.zeros((4, 2)), [False] * 4),
    (np.zeros(4), [True, False, True, False]),      # latents not 2-D
])
def test_attribute_vector_bad_inputs(latents, mask):
    with pytest.raises(ValueError, match="`has_attribute`"):
        attribute_vector(latents, mask)


def test_latent_grid():
    size, span = 5, 0.9
    grid = latent_grid(size, span)
    assert grid.shape == (size * size, 2) and grid.dtype == np.float32
    quantiles = norm.ppf(np.linspace(1 - span, span, size))
    # Rows run along x at the Gaussian quantiles; y goes from top (largest) to bottom.
    np.testing.assert_allclose(grid[:, 0].reshape(size, size), np.tile(quantiles, (size, 1)),
                               rtol=1e-5)
    np.testing.assert_allclose(grid[:, 1].reshape(size, size),
                               np.tile(quantiles[::-1, None], (1, size)), rtol=1e-5)
    # Point symmetry about the origin.
    np.testing.assert_allclose(grid[::-1], -grid, atol=1e-6)
    assert grid[:, 0].max() == pytest.approx(norm.ppf(span), rel=1e-5)
    assert latent_grid(1).shape == (1, 2)
    with pytest.raises(ValueError, match="`size`"):
        latent_grid(0)


@pytest.mark.parametrize("span", [1.0, 1.5, 0.5, 0.0, -1.0])
def test_latent_grid_bad_span(span):
    with pytest.raises(ValueError, match="`span`"):
        latent_grid(4, span)
