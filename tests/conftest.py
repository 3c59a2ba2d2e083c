"""Test configuration: float64 is available (the CLI enables it too); networks stay float32 explicitly."""

import jax

jax.config.update("jax_enable_x64", True)


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _keep_x64_setting():
    """A test that flips ``jax_enable_x64`` (the CLI switches it on) must not leak it to the next."""
    before = jax.config.jax_enable_x64
    yield
    jax.config.update("jax_enable_x64", before)
