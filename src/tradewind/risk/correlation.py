"""Rolling correlation matrix of asset returns.

Input: a (periods × assets) matrix of returns; output: for each window end, an assets × assets
Pearson correlation matrix of the last ``window`` periods. An asset with no variation in a window
has no defined correlation: NaN off the diagonal, 1 on it. Cost O(periods · window · assets²).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["correlation_matrix", "rolling_correlation"]

FloatArray = npt.NDArray[np.float64]


def correlation_matrix(returns: FloatArray) -> FloatArray:
    """Pearson correlation of the columns of ``returns`` (periods × assets, ≥ 2 periods)."""
    matrix = np.asarray(returns, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] < 2:
        raise ValueError(f"need a periods × assets matrix with ≥ 2 periods, got {matrix.shape}")
    centred = matrix - matrix.mean(axis=0)
    scale = np.sqrt((centred**2).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        result: FloatArray = (centred.T @ centred) / np.outer(scale, scale)
    np.fill_diagonal(result, 1.0)
    return result


def rolling_correlation(returns: FloatArray, window: int) -> FloatArray:
    """Correlation matrices of every ``window``-period span: shape (periods-window+1, k, k)."""
    matrix = np.asarray(returns, dtype=np.float64)
    if window < 2:
        raise ValueError(f"a correlation window needs ≥ 2 periods, got {window}")
    if matrix.ndim != 2 or matrix.shape[0] < window:
        raise ValueError(f"{matrix.shape[0] if matrix.ndim else 0} periods < window {window}")
    return np.stack(
        [correlation_matrix(matrix[end - window : end]) for end in range(window, len(matrix) + 1)]
    )
