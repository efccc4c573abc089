"""`STFTSpectrogram`: spectrograms of 1-D signals by convolution with STFT kernels."""

import math
import warnings

import torch

from cornu.backend.config import epsilon, standardize_data_format
from cornu.initializers.stft_initializer import STFT, _plain_window, _window_name
from cornu.layers.convolutional import conv_utils
from cornu.layers.input_spec import InputSpec
from cornu.layers.layer import Layer
from cornu.ops.conv import conv

_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")


class STFTSpectrogram(Layer):
    """Layer to compute the Short-Time Fourier Transform (STFT) on a 1D signal.

    The real and imaginary parts of the STFT come from convolving each input channel with
    two kernels initialized by `initializers.STFT` (`real_kernel` and `imag_kernel`, of
    shape `(frame_length, 1, fft_length // 2 + 1)`), so the transform can be fine-tuned;
    pass `trainable=False` to use the layer for preprocessing only.

    Args:
        mode: String, the output type of the spectrogram. Can be one of
            `"log"`, `"magnitude"`, `"psd"`, `"real"`, `"imag"`, `"angle"`,
            `"stft"`. Defaults to `"log"`.
        frame_length: Integer, The length of each frame (window) for STFT in
            samples. Defaults to 256.
        frame_step: Integer, the step size (hop length) between
            consecutive frames. If not provided, defaults to half the
            frame_length. Defaults to `frame_length // 2`.
        fft_length: Integer, the size of frequency bins used in the Fast-Fourier
            Transform (FFT) to apply to each frame. Should be greater than or
            equal to `frame_length`.  Recommended to be a power of two. Defaults
            to the smallest power of two that is greater than or equal
            to `frame_length`.
        window: (String or array_like), the windowing function to apply to each
            frame. Can be `"hann"` (default), `"hamming"`, another window name of
            `scipy.signal.windows`, or a custom window provided as an array_like.
        periodic: Boolean, if True, the window function will be treated as
            periodic. Defaults to `False`.
        scaling: String, type of scaling applied to the window. Can be
            `"density"`, `"spectrum"`, or None. Default is `"density"`.
        padding: String, padding strategy. Can be `"valid"` or `"same"`.
            Defaults to `"valid"`.
        expand_dims: Boolean, if True, will expand the output into spectrograms
            into two dimensions to be compatible with image models.
            Defaults to `False`.
        data_format: String, either `"channels_last"` or `"channels_first"`.
            The ordering of the dimensions in the inputs: `(batch, time, channels)`
            or `(batch, channels, time)`. Defaults to `"channels_last"`.

    Input shape:
        `(batch_size, time_length, input_channels)` (channels_last) or
        `(batch_size, input_channels, time_length)` (channels_first). The same kernels are
        applied to each channel independently.

    Output shape:
        channels_first: `(batch_size, input_channels * freq_channels, new_time_length)`,
        or `(batch_size, input_channels, new_time_length, freq_channels)` with
        `expand_dims`. channels_last: `(batch_size, new_time_length,
        input_channels * freq_channels)`, or `(batch_size, new_time_length,
        freq_channels, input_channels)` with `expand_dims`. `freq_channels` is
        `fft_length // 2 + 1`, twice that in the `"stft"` mode.
    """

    def __init__(self, mode="log", frame_length=256, frame_step=None, fft_length=None,
                 window="hann", periodic=False, scaling="density", padding="valid",
                 expand_dims=False, data_format=None, **kwargs):
        label = "STFTSpectrogram"
        if frame_step is not None and (frame_step > frame_length or frame_step < 1):
            raise ValueError(f"{label}: `frame_step` should be a positive integer not greater "
                             f"than `frame_length`. Received frame_step={frame_step}, "
                             f"frame_length={frame_length}")
        if fft_length is not None and fft_length < frame_length:
            raise ValueError(f"{label}: `fft_length` should be not less than `frame_length`. "
                             f"Received fft_length={fft_length}, frame_length={frame_length}")
        if fft_length is not None and (fft_length & -fft_length) != fft_length:
            warnings.warn(f"{label}: `fft_length` is recommended to be a power of two. "
                          f"Received fft_length={fft_length}")
        if mode not in _MODES:
            raise ValueError(f"{label}: `mode` must be one of {', '.join(_MODES)}. "
                             f"Received: mode={mode!r}")
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError(f"{label}: `scaling` must be None, 'density' or 'spectrum'. "
                             f"Received: scaling={scaling!r}")
        if padding not in ("valid", "same"):
            raise ValueError(f"{label}: `padding` must be 'valid' or 'same'. "
                             f"Received: padding={padding!r}")
        if isinstance(window, str):
            _window_name(window, label)
        super().__init__(**kwargs)
        self.mode = mode
        self.frame_length = frame_length
        self.frame_step = frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window = _plain_window(window)
        self.periodic = periodic
        self.scaling = scaling
        self.padding = padding
        self.expand_dims = expand_dims
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        if self.mode != "imag":
            self.real_kernel = self.add_weight(
                name="real_kernel", shape=shape,
                initializer=STFT("real", self.window, self.scaling, self.periodic))
        if self.mode != "real":
            self.imag_kernel = self.add_weight(
                name="imag_kernel", shape=shape,
                initializer=STFT("imag", self.window, self.scaling, self.periodic))

    def _apply_conv(self, inputs, kernel):
        """`(batch, channels, freq, time)`: every channel convolved on its own."""
        if self.data_format == "channels_last":
            inputs = inputs.transpose(1, 2)
        batch, channels, time = inputs.shape
        x = inputs.reshape(batch * channels, 1, time)
        y = conv(x, kernel.to(inputs.dtype), strides=self._frame_step, padding=self.padding,
                 data_format="channels_first")
        return y.reshape(batch, channels, y.shape[1], y.shape[2])

    def _adjust_shapes(self, outputs):
        batch, channels, freq, time = outputs.shape
        if self.expand_dims:
            if self.data_format == "channels_last":
                return outputs.permute(0, 3, 2, 1)
            return outputs.transpose(2, 3)
        outputs = outputs.reshape(batch, channels * freq, time)
        if self.data_format == "channels_last":
            return outputs.transpose(1, 2)
        return outputs

    def call(self, inputs):
        if inputs.dtype not in (torch.float16, torch.float32, torch.float64):
            raise TypeError(f"STFTSpectrogram '{self.name}': the input type must be float16, "
                            f"float32 or float64. Received: input type={inputs.dtype}")
        real = imag = None
        if self.mode != "imag":
            real = self._apply_conv(inputs, self.real_kernel)
        if self.mode != "real":
            imag = self._apply_conv(inputs, self.imag_kernel)
        if self.mode == "real":
            return self._adjust_shapes(real)
        if self.mode == "imag":
            return self._adjust_shapes(imag)
        if self.mode == "angle":
            return self._adjust_shapes(torch.atan2(imag, real))
        if self.mode == "stft":
            return self._adjust_shapes(torch.cat([real, imag], dim=2))
        power = real.square() + imag.square()
        if self.mode == "psd":
            inner = torch.nn.functional.pad(power[:, :, 1:-1, :], (0, 0, 1, 1))
            return self._adjust_shapes(power + inner)
        magnitude = self._adjust_shapes(torch.sqrt(torch.clamp(power, min=epsilon())))
        if self.mode == "magnitude":
            return magnitude
        return torch.log(torch.clamp(magnitude, min=epsilon()))

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"STFTSpectrogram '{self.name}' expects inputs of rank 3. "
                             f"Received: input_shape={tuple(input_shape)}")
        if self.data_format == "channels_last":
            batch, time, channels = input_shape
        else:
            batch, channels, time = input_shape
        freq = self._fft_length // 2 + 1
        if self.mode == "stft":
            freq *= 2
        time = conv_utils.conv_output_length(time, self.frame_length, self._frame_step,
                                             self.padding)
        if self.expand_dims:
            if self.data_format == "channels_last":
                return (batch, time, freq, channels)
            return (batch, channels, time, freq)
        flat = None if channels is None else channels * freq
        if self.data_format == "channels_last":
            return (batch, time, flat)
        return (batch, flat, time)

    def get_config(self):
        config = super().get_config()
        config.update({
            "mode": self.mode,
            "frame_length": self.frame_length,
            "frame_step": self.frame_step,
            "fft_length": self.fft_length,
            "window": self.window,
            "periodic": self.periodic,
            "scaling": self.scaling,
            "padding": self.padding,
            "data_format": self.data_format,
            "expand_dims": self.expand_dims,
        })
        return config
