"""CPML reflections: a run with absorbing layers against a run on a much larger grid."""

import numpy as np
import pytest

from physax.solvers.wave import CPML, AcousticModel, Shot, ricker, simulate

C, F0, DX = 2000.0, 15.0, 10.0
N, PAD = 60, 35  # model cells; extra cells per side of the reference grid
SOURCE = np.array([[30, 15]])
# 5 cells from the right layer, and near the top-right corner (oblique incidence)
RECEIVERS = np.array([[30, 55], [5, 55]])


@pytest.mark.parametrize("density", [None, 1000.0])
def test_cpml_reflection_below_one_percent(density):
    dt = 0.3 * DX / C
    nt = int(0.45 / dt)  # direct wave and its would-be echo pass the receivers
    # the reference grid's own edges echo only after 2 * PAD * DX / C > 0.45 s - travel
    wavelet = ricker(F0, dt, nt)
    big = N + 2 * PAD

    def model(n):
        rho = None if density is None else np.full((n, n), density)
        return AcousticModel(np.full((n, n), C), rho, dx=DX)

    with_pml = simulate(model(N), Shot(SOURCE, RECEIVERS, wavelet), dt=dt, boundary=CPML(20, f0=F0)).traces
    reference = simulate(model(big), Shot(SOURCE + PAD, RECEIVERS + PAD, wavelet), dt=dt).traces
    incident = np.abs(np.asarray(reference)).max(axis=0)
    reflected = np.abs(np.asarray(with_pml - reference)).max(axis=0)
    assert np.all(reflected <= 0.01 * incident), reflected / incident


def test_rigid_edges_reflect_without_pml():
    # sanity check of the comparison itself: without a layer the echo is strong
    dt = 0.3 * DX / C
    nt = int(0.45 / dt)
    wavelet = ricker(F0, dt, nt)
    small = simulate(AcousticModel(np.full((N, N), C), dx=DX), Shot(SOURCE, RECEIVERS, wavelet), dt=dt)
    big = N + 2 * PAD
    reference = simulate(
        AcousticModel(np.full((big, big), C), dx=DX),
        Shot(SOURCE + PAD, RECEIVERS + PAD, wavelet),
        dt=dt,
    )
    ratio = np.abs(np.asarray(small.traces - reference.traces)).max(0) / np.abs(
        np.asarray(reference.traces)
    ).max(0)
    assert np.all(ratio > 0.3)
