"""Reshaping layers."""

from cornu.layers.reshaping.cropping import Cropping1D, Cropping2D, Cropping3D  # noqa: F401
from cornu.layers.reshaping.flatten import Flatten  # noqa: F401
from cornu.layers.reshaping.permute import Permute  # noqa: F401
from cornu.layers.reshaping.repeat_vector import RepeatVector  # noqa: F401
from cornu.layers.reshaping.reshape import Reshape  # noqa: F401
from cornu.layers.reshaping.up_sampling import UpSampling1D, UpSampling2D, UpSampling3D  # noqa: F401
from cornu.layers.reshaping.zero_padding import (  # noqa: F401
    ZeroPadding1D, ZeroPadding2D, ZeroPadding3D)
