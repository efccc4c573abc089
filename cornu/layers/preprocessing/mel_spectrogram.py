"""`MelSpectrogram`: raw audio to (decibel) mel spectrograms."""

import torch

from cornu.layers.layer import Layer
from cornu.ops.signal import stft

_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0


def _hertz_to_mel(frequencies_hertz):
    return _MEL_HIGH_FREQUENCY_Q * torch.log(1.0 + frequencies_hertz / _MEL_BREAK_FREQUENCY_HERTZ)


def _linspace(start, stop, num, dtype):
    steps = torch.arange(num, dtype=dtype) / (num - 1)
    return start + steps * (stop - start)


def linear_to_mel_weight_matrix(num_mel_bins=20, num_spectrogram_bins=129, sampling_rate=8000,
                                lower_edge_hertz=125.0, upper_edge_hertz=3800.0,
                                dtype=torch.float32):
    """The `(num_spectrogram_bins, num_mel_bins)` matrix that maps linear-frequency bins on
    `[0, sampling_rate / 2]` to triangular mel bands (peak 1.0) on
    `[lower_edge_hertz, upper_edge_hertz]`, on the HTK mel scale
    `mel(f) = 1127 * ln(1 + f / 700)`; the DC bin gets no weight."""
    nyquist = torch.tensor(float(sampling_rate), dtype=dtype) / 2.0
    linear = _linspace(torch.zeros((), dtype=dtype), nyquist, num_spectrogram_bins, dtype)
    spectrogram_bins_mel = _hertz_to_mel(linear[1:]).unsqueeze(1)
    lower = _hertz_to_mel(torch.tensor(float(lower_edge_hertz), dtype=dtype))
    upper = _hertz_to_mel(torch.tensor(float(upper_edge_hertz), dtype=dtype))
    edges = _linspace(lower, upper, num_mel_bins + 2, dtype)
    # Every band is (lower edge, center, upper edge): three consecutive edges.
    lower_mel, center_mel, upper_mel = (edges[i:i + num_mel_bins].unsqueeze(0)
                                        for i in range(3))
    lower_slopes = (spectrogram_bins_mel - lower_mel) / (center_mel - lower_mel)
    upper_slopes = (upper_mel - spectrogram_bins_mel) / (upper_mel - center_mel)
    weights = torch.clamp(torch.minimum(lower_slopes, upper_slopes), min=0.0)
    return torch.nn.functional.pad(weights, (0, 0, 1, 0))


class MelSpectrogram(Layer):
    """A preprocessing layer to convert raw audio signals to Mel spectrograms.

    This layer takes `float32`/`float64` single or batched audio signal as
    inputs and computes the Mel spectrogram using Short-Time Fourier Transform
    and Mel scaling. The input should be a 1D (unbatched) or 2D (batched) tensor
    representing audio signals. The output will be a 2D or 3D tensor
    representing Mel spectrograms.

    The STFT is centered (the signal padded by `fft_length // 2` reflected samples on both
    sides). As in Keras, the `top_db` cut-off is taken from the largest value of the whole
    call's output (all signals of a batch together).

    Args:
        fft_length: Integer, size of the FFT window.
        sequence_stride: Integer, number of samples between successive STFT
            columns.
        sequence_length: Integer, size of the window used for applying
            `window` to each audio frame. If `None`, defaults to `fft_length`.
        window: String, name of the window function to use. Available values
            are `"hann"` and `"hamming"`. If `window` is a tensor, it will be
            used directly as the window and its length must be
            `sequence_length`. If `window` is `None`, no windowing is
            used. Defaults to `"hann"`.
        sampling_rate: Integer, sample rate of the input signal.
        num_mel_bins: Integer, number of mel bins to generate.
        min_freq: Float, minimum frequency of the mel bins.
        max_freq: Float, maximum frequency of the mel bins.
            If `None`, defaults to `sampling_rate / 2`.
        power_to_db: If True, convert the power spectrogram to decibels.
        top_db: Float, minimum negative cut-off `max(10 * log10(S)) - top_db`.
        mag_exp: Float, exponent for the magnitude spectrogram.
            1 for magnitude, 2 for power, etc. Default is 2.
        ref_power: Float, the power is scaled relative to it
            `10 * log10(S / ref_power)`.
        min_power: Float, minimum value for power and `ref_power`.

    Input shape:
        1D (unbatched) or 2D (batched) tensor with shape: `(..., samples)`.

    Output shape:
        2D (unbatched) or 3D (batched) tensor with shape: `(..., num_mel_bins, time)`.
    """

    def __init__(self, fft_length=2048, sequence_stride=512, sequence_length=None,
                 window="hann", sampling_rate=16000, num_mel_bins=128, min_freq=20.0,
                 max_freq=None, power_to_db=True, top_db=80.0, mag_exp=2.0, min_power=1e-10,
                 ref_power=1.0, **kwargs):
        self.fft_length = fft_length
        self.sequence_stride = sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise ValueError(
                "MelSpectrogram: `fft_length` must be greater than or equal to "
                f"`sequence_length`. Received: `sequence_length`={self.sequence_length}, "
                f"`fft_length`={self.fft_length}.")
        if isinstance(window, str) and window not in ("hann", "hamming"):
            raise ValueError("MelSpectrogram: a `window` given by name must be 'hann' or "
                             f"'hamming'. Received: window={window!r}")
        if not isinstance(sequence_stride, int) or sequence_stride < 1:
            raise ValueError("MelSpectrogram: `sequence_stride` must be a positive integer. "
                             f"Received: sequence_stride={sequence_stride!r}")
        self.window = window
        self.sampling_rate = sampling_rate
        self.num_mel_bins = num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        self.power_to_db = power_to_db
        self.top_db = top_db
        self.mag_exp = mag_exp
        self.min_power = min_power
        self.ref_power = ref_power
        super().__init__(**kwargs)

    def call(self, inputs):
        compute = self._compute_torch_dtype
        dtype = compute if compute in (torch.float32, torch.float64) else torch.float32
        inputs = torch.as_tensor(inputs).to(dtype)
        if inputs.dim() not in (1, 2):
            raise ValueError(f"MelSpectrogram '{self.name}' expects 1D (unbatched) or 2D "
                             f"(batched) audio. Received: shape={tuple(inputs.shape)}")
        real, imag = stft(inputs, sequence_length=self.sequence_length,
                          sequence_stride=self.sequence_stride, fft_length=self.fft_length,
                          window=self.window, center=True)
        spec = torch.sqrt(real.square() + imag.square()) ** self.mag_exp
        matrix = linear_to_mel_weight_matrix(
            num_mel_bins=self.num_mel_bins, num_spectrogram_bins=spec.shape[-1],
            sampling_rate=self.sampling_rate, lower_edge_hertz=self.min_freq,
            upper_edge_hertz=self.max_freq).to(device=spec.device, dtype=spec.dtype)
        outputs = spec @ matrix
        if self.power_to_db:
            outputs = self._dbscale(outputs)
        return outputs.transpose(-1, -2).to(compute)

    def _dbscale(self, inputs):
        log_spec = 10.0 * torch.log10(torch.clamp(inputs, min=self.min_power))
        ref = torch.tensor(abs(float(self.ref_power)), dtype=inputs.dtype, device=inputs.device)
        log_spec = log_spec - 10.0 * torch.log10(torch.clamp(ref, min=self.min_power))
        if self.top_db is not None:
            log_spec = torch.maximum(log_spec, log_spec.max() - self.top_db)
        return log_spec

    def _frames(self, length):
        if length is None:
            return None
        half = self.fft_length // 2
        return 1 + (length + 2 * half - self.fft_length) // self.sequence_stride

    def compute_output_shape(self, input_shape):
        if len(input_shape) == 1:
            return (self.num_mel_bins, self._frames(input_shape[0]))
        if len(input_shape) == 2:
            return (input_shape[0], self.num_mel_bins, self._frames(input_shape[1]))
        raise ValueError(f"MelSpectrogram '{self.name}' expects 1D (unbatched) or 2D "
                         f"(batched) audio. Received: input_shape={tuple(input_shape)}")

    def get_config(self):
        config = super().get_config()
        config.update({
            "fft_length": self.fft_length,
            "sequence_stride": self.sequence_stride,
            "sequence_length": self.sequence_length,
            "window": self.window,
            "sampling_rate": self.sampling_rate,
            "num_mel_bins": self.num_mel_bins,
            "min_freq": self.min_freq,
            "max_freq": self.max_freq,
            "power_to_db": self.power_to_db,
            "top_db": self.top_db,
            "mag_exp": self.mag_exp,
            "min_power": self.min_power,
            "ref_power": self.ref_power,
        })
        return config
