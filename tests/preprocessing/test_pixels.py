import numpy as np
from numpy.testing import assert_allclose

from mnistkit.preprocessing import PixelScaler


def test_scales_and_keeps_float32(rng):
    X = rng.integers(0, 256, (5, 10), dtype=np.uint8)
    result = PixelScaler().fit_transform(X)
    assert result.dtype == np.float32
    assert_allclose(result, X / 255.0, rtol=1e-6)
    assert (
        PixelScaler(max_value=2.0, dtype="float64").transform(np.array([[1.0]])).dtype == np.float64
    )
