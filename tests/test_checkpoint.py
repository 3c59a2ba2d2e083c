"""Checkpoint files: round trip, atomicity, corruption and mismatch detection."""

import jax.numpy as jnp
import numpy as np
import pytest

from physax._train.checkpoint import CheckpointError, load, read_header, save


def test_round_trip(tmp_path):
    tree = {"a": jnp.arange(5.0), "b": (jnp.ones((2, 2)), jnp.int32(3))}
    save(tmp_path / "c.eqx", tree, {"step": 7})
    like = {"a": jnp.zeros(5), "b": (jnp.zeros((2, 2)), jnp.int32(0))}
    out, header = load(tmp_path / "c.eqx", like)
    assert header["step"] == 7 and read_header(tmp_path / "c.eqx")["step"] == 7
    np.testing.assert_array_equal(out["a"], tree["a"])
    assert not any(p.name.startswith(".tmp") for p in tmp_path.iterdir())


def test_corrupt_and_truncated_files_are_reported(tmp_path):
    path = tmp_path / "c.eqx"
    save(path, {"a": jnp.arange(100.0)}, {"step": 1})
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="checksum"):
        load(path, {"a": jnp.zeros(100)})
    path.write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="not a physax checkpoint"):
        read_header(path)
    with pytest.raises(CheckpointError, match="no checkpoint"):
        read_header(tmp_path / "missing.eqx")


def test_mismatched_structure_is_reported(tmp_path):
    save(tmp_path / "c.eqx", {"a": jnp.arange(3.0)}, {})
    with pytest.raises(CheckpointError, match="does not match"):
        load(tmp_path / "c.eqx", {"a": jnp.zeros(4)})


def test_an_edited_header_is_refused(tmp_path):
    """The checksum covers the header: changing the step number is caught, not obeyed."""
    path = tmp_path / "c.eqx"
    save(path, {"a": jnp.arange(3.0)}, {"step": 700})
    data = path.read_bytes().replace(b'"step": 700', b'"step": 300')
    path.write_bytes(data)
    with pytest.raises(CheckpointError, match="edited"):
        read_header(path)


def test_expected_header_entries_must_match(tmp_path):
    path = tmp_path / "c.eqx"
    save(path, {"a": jnp.arange(3.0)}, {"seed": 5})
    with pytest.raises(CheckpointError, match="seed"):
        load(path, {"a": jnp.zeros(3)}, expect={"seed": 0})
    assert load(path, {"a": jnp.zeros(3)}, expect={"seed": 5})[1]["seed"] == 5


def test_checkpoint_file_gets_the_umask_mode(tmp_path):
    import os

    old = os.umask(0o022)
    try:
        save(tmp_path / "c.eqx", {"a": jnp.arange(3.0)}, {})
    finally:
        os.umask(old)
    assert (tmp_path / "c.eqx").stat().st_mode & 0o777 == 0o644
