"""Domains and samplers: coverage, boundaries, reproducibility, bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from physax.geometry import Box, Grid, Interval, LatinHypercube, Sobol, TimeXSpace, Uniform

SAMPLERS = [Uniform(), LatinHypercube(), Sobol(), Grid()]


@pytest.mark.parametrize("sampler", SAMPLERS, ids=lambda s: type(s).__name__)
def test_samplers_cover_the_domain_and_are_reproducible(sampler):
    dom = TimeXSpace(Interval(-1.0, 1.0), 0.0, 2.0)
    key = jax.random.key(3)
    pts = np.asarray(dom.sample_interior(key, 1024, sampler))
    assert pts.shape[1] == 2 and abs(pts.shape[0] - 1024) <= 64
    assert np.all(np.asarray(dom.contains(jnp.asarray(pts))))
    # coverage: every cell of a 4 x 4 partition holds points
    cells = np.floor((pts - [0.0, -1.0]) / [0.5, 0.5]).clip(0, 3).astype(int)
    assert len({tuple(c) for c in cells}) == 16
    np.testing.assert_array_equal(pts, np.asarray(dom.sample_interior(key, 1024, sampler)))


def test_latin_hypercube_stratifies_each_axis():
    pts = np.asarray(LatinHypercube()(jax.random.key(0), jnp.zeros(3), jnp.ones(3), 100))
    for axis in range(3):
        np.testing.assert_array_equal(np.sort(np.floor(pts[:, axis] * 100)), np.arange(100))


def test_different_keys_give_different_points():
    dom = Box((0.0, 0.0), (1.0, 1.0))
    a = dom.sample_interior(jax.random.key(0), 10, Uniform())
    b = dom.sample_interior(jax.random.key(1), 10, Uniform())
    assert not np.allclose(a, b)


def test_boundary_and_initial_points():
    dom = TimeXSpace(Interval(-1.0, 1.0), 0.0, 1.0)
    b = np.asarray(dom.sample_boundary(jax.random.key(0), 500))
    assert np.all(np.isin(b[:, 1], [-1.0, 1.0]))
    assert 0.3 < np.mean(b[:, 1] > 0) < 0.7 and b[:, 0].min() >= 0 and b[:, 0].max() <= 1
    i = np.asarray(dom.sample_initial(jax.random.key(0), 100))
    assert np.all(i[:, 0] == 0.0) and i[:, 1].min() >= -1 and i[:, 1].max() <= 1
    box = Box((0.0, 0.0), (2.0, 1.0))
    bb = np.asarray(box.sample_boundary(jax.random.key(1), 3000))
    on_x = np.isclose(bb[:, 0], 0) | np.isclose(bb[:, 0], 2)
    on_y = np.isclose(bb[:, 1], 0) | np.isclose(bb[:, 1], 1)
    assert np.all(on_x | on_y)
    assert 0.25 < on_x.mean() < 0.42  # faces in proportion to length: x-faces are 2 of 6 units


def test_impossible_domains_are_rejected():
    with pytest.raises(ValueError, match="impossible domain"):
        Interval(1.0, -1.0)
    with pytest.raises(ValueError, match="impossible domain"):
        TimeXSpace(Interval(0.0, 1.0), 1.0, 1.0)
    with pytest.raises(ValueError, match="not finite"):
        Box((0.0, 0.0), (1.0, float("nan")))
