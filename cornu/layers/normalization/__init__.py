"""Normalization layers."""

from cornu.layers.normalization.batch_normalization import BatchNormalization  # noqa: F401
from cornu.layers.normalization.group_normalization import GroupNormalization  # noqa: F401
from cornu.layers.normalization.layer_normalization import LayerNormalization  # noqa: F401
from cornu.layers.normalization.rms_normalization import RMSNormalization  # noqa: F401
from cornu.layers.normalization.unit_normalization import UnitNormalization  # noqa: F401
from cornu.layers.normalization.spectral_normalization import (  # noqa: F401
    SpectralNormalization)
