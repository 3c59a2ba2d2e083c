"""Test configuration: float64 is available (the CLI enables it too); networks stay float32 explicitly."""

import jax

jax.config.update("jax_enable_x64", True)
