"""`UpSampling1D/2D/3D`: repeat (or interpolate) along the spatial dims."""

import torch.nn.functional as F

from cornu.backend.config import standardize_data_format
from cornu.layers.layer import Layer
from cornu.layers.reshaping.reshape_utils import check_rank, int_tuple, spatial_axes

_INTERPOLATIONS = ("nearest", "bilinear", "bicubic")


def repeat_axes(x, axes, sizes):
    """Repeats each element `sizes[i]` times along `axes[i]` (one expand and one copy)."""
    view, expanded, final = [], [], []
    for i, d in enumerate(x.shape):
        if i in axes:
            s = sizes[axes.index(i)]
            view += [d, 1]
            expanded += [d, s]
            final.append(d * s)
        else:
            view.append(d)
            expanded.append(d)
            final.append(d)
    return x.reshape(view).expand(expanded).reshape(final)


class _UpSampling(Layer):
    _rank = None

    def _setup(self, size, data_format):
        n = self._rank - 2
        self.size = int_tuple(self, size, n, "size", allow_zero=False)
        self.data_format = standardize_data_format(data_format)
        self._axes = spatial_axes(self.data_format, n)
        self.built = True

    def call(self, inputs):
        check_rank(self, inputs, self._rank)
        return repeat_axes(inputs, self._axes, self.size)

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, self._rank)
        shape = list(input_shape)
        for axis, s in zip(self._axes, self.size):
            shape[axis] = None if shape[axis] is None else shape[axis] * s
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"size": list(self.size), "data_format": self.data_format})
        return config


class UpSampling1D(_UpSampling):
    """Repeats each time step `size` times: `(batch, steps, features)` ->
    `(batch, steps * size, features)`.

    Args:
        size: the repetition factor (a positive int).
    """

    _rank = 3

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if isinstance(size, bool) or not isinstance(size, int):
            raise ValueError(f"UpSampling1D '{self.name}': `size` must be a positive int. "
                             f"Received: size={size!r}")
        self._setup(size, "channels_last")

    def get_config(self):
        config = super().get_config()
        config.pop("data_format")
        config["size"] = self.size[0]
        return config


class UpSampling2D(_UpSampling):
    """Scales rows and columns by `size`, repeating values ("nearest") or interpolating
    ("bilinear", "bicubic", with half-pixel centres as Keras's torch backend).

    Args:
        size: an int or 2 ints, the factors for rows and columns.
        data_format: "channels_last" `(batch, rows, cols, channels)` or "channels_first".
        interpolation: "nearest", "bilinear" or "bicubic".
    """

    _rank = 4

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self._setup(size, data_format)
        interpolation = str(interpolation).lower()
        if interpolation not in _INTERPOLATIONS:
            raise ValueError(f"UpSampling2D '{self.name}': `interpolation` must be one of "
                             f"{_INTERPOLATIONS}. Received: interpolation={interpolation!r}")
        self.interpolation = interpolation

    def call(self, inputs):
        check_rank(self, inputs, 4)
        if self.interpolation == "nearest":
            return repeat_axes(inputs, self._axes, self.size)
        x = inputs if self.data_format == "channels_first" else inputs.permute(0, 3, 1, 2)
        out_size = (x.shape[2] * self.size[0], x.shape[3] * self.size[1])
        out = F.interpolate(x, size=out_size, mode=self.interpolation, align_corners=False)
        return out if self.data_format == "channels_first" else out.permute(0, 2, 3, 1)

    def get_config(self):
        config = super().get_config()
        config["interpolation"] = self.interpolation
        return config


class UpSampling3D(_UpSampling):
    """Repeats the three spatial dims by `size`.

    Args:
        size: an int or 3 ints, the factors for the three spatial dims.
        data_format: "channels_last" `(batch, d1, d2, d3, channels)` or "channels_first".
    """

    _rank = 5

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._setup(size, data_format)
