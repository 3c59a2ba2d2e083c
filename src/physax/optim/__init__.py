"""Optimiser configuration shared by the training loops."""

from ._config import LBFGS as LBFGS, Adam as Adam
