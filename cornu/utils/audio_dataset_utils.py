"""`audio_dataset_from_directory`: labelled batches of `.wav` audio from a folder per class."""

import wave

import numpy as np
import torch

from cornu.utils import directory_dataset as dd

ALLOWED_FORMATS = (".wav",)


def audio_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, batch_size=32, sampling_rate=None,
                                 output_sequence_length=None, ragged=False, shuffle=True,
                                 seed=None, validation_split=None, subset=None,
                                 follow_links=False, verbose=True):
    """Makes a dataset of audio batches from `directory/<class name>/<file>.wav` files.

    Files are indexed, shuffled and split as in Keras (see `image_dataset_from_directory`).
    Each file is read with Python's `wave` module (8-, 16-, 24- or 32-bit integer PCM) into
    float32 values in [-1, 1), shaped `(samples, channels)` as TensorFlow's `decode_wav`
    gives them.

    Args:
        directory: the folder. With `labels="inferred"` it holds one subfolder per class.
        labels: `"inferred"`, None, or a list of integer labels in the sorted file order.
        label_mode: `"int"`, `"categorical"`, `"binary"` or None (audio only).
        class_names: with inferred labels, the subfolders to use, in label order.
        batch_size: files per batch; None yields single files.
        sampling_rate: audio sampling rate (samples per second). Files recorded at another
            rate are resampled to it (Keras uses `tensorflow_io` for this; cornu resamples
            with an FFT, so values differ slightly from Keras's). None keeps each file's rate.
        output_sequence_length: longer files are truncated to this many samples and shorter
            ones padded with zeros. If None, the sequences of a batch are padded with zeros
            to the longest of the batch.
        ragged: yield each batch as a list of `(samples, channels)` tensors of their own
            lengths (cornu's stand-in for Keras's ragged tensors).
        shuffle: shuffle the files (and reshuffle each epoch); otherwise sorted order.
        seed: seed of the shuffle and of the validation split.
        validation_split: fraction of the files kept for validation.
        subset: `"training"`, `"validation"`, or `"both"` (returns both datasets).
        follow_links: follow symbolic links to subfolders.
        verbose: print how many files were found.

    Returns:
        A `DirectoryDataset` yielding `(audio, labels)`, audio a float32 tensor of shape
        `(batch_size, sequence_length, num_channels)`, or audio alone without labels; two
        of them with `subset="both"`.
    """
    if ragged and output_sequence_length is not None:
        raise ValueError("Cannot set both `ragged` and `output_sequence_length`. Received: "
                         f"ragged={ragged}, output_sequence_length={output_sequence_length}")
    if output_sequence_length is not None and (
            not isinstance(output_sequence_length, int) or output_sequence_length <= 0):
        raise ValueError("`output_sequence_length` must be a positive integer or None. "
                         f"Received: output_sequence_length={output_sequence_length!r}")
    if sampling_rate is not None:
        if not isinstance(sampling_rate, int) or isinstance(sampling_rate, bool):
            raise ValueError("`sampling_rate` should have an integer value. "
                             f"Received: sampling_rate={sampling_rate!r}")
        if sampling_rate <= 0:
            raise ValueError("`sampling_rate` should be higher than 0. "
                             f"Received: sampling_rate={sampling_rate}")

    def load(path):
        return load_wav(path, sampling_rate, output_sequence_length)

    def collate(items):
        if ragged:
            return list(items)
        channels = {item.shape[1] for item in items}
        if len(channels) > 1:
            raise ValueError("The audio files of a batch must have the same number of "
                             f"channels. Received channel counts: {sorted(channels)}")
        length = max(item.shape[0] for item in items)
        return torch.stack([torch.nn.functional.pad(item, (0, 0, 0, length - item.shape[0]))
                            for item in items])

    return dd.from_directory(directory, ALLOWED_FORMATS, "audio files", load, collate, labels,
                             label_mode, class_names, batch_size, shuffle, seed,
                             validation_split, subset, follow_links, verbose)


def load_wav(path, sampling_rate=None, output_sequence_length=None):
    """One `.wav` file as a float32 tensor `(samples, channels)` with values in [-1, 1)."""
    try:
        with wave.open(str(path), "rb") as f:
            channels, width, rate = f.getnchannels(), f.getsampwidth(), f.getframerate()
            frames = f.readframes(f.getnframes())
    except (wave.Error, EOFError) as e:
        raise ValueError(f"Cannot read {str(path)!r} as a PCM .wav file: {e}") from None
    if width == 1:
        audio = (np.frombuffer(frames, np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 3:
        raw = np.frombuffer(frames, np.uint8).reshape(-1, 3).astype(np.int32)
        values = raw[:, 0] | (raw[:, 1] << 8) | (raw[:, 2] << 16)
        audio = (np.where(values >= 1 << 23, values - (1 << 24), values)
                 .astype(np.float32) / float(1 << 23))
    elif width in (2, 4):
        dtype = np.dtype(f"<i{width}")
        audio = (np.frombuffer(frames, dtype).astype(np.float64)
                 / float(1 << (8 * width - 1))).astype(np.float32)
    else:
        raise ValueError(f"Unsupported sample width of {width} bytes in {str(path)!r}.")
    audio = torch.from_numpy(audio.reshape(-1, channels).copy())
    if output_sequence_length is not None:
        audio = audio[:output_sequence_length]
        audio = torch.nn.functional.pad(audio, (0, 0, 0, output_sequence_length - len(audio)))
    if sampling_rate is not None and rate != sampling_rate:
        audio = _resample(audio, rate, sampling_rate)
    return audio


def _resample(audio, rate_in, rate_out):
    """Band-limited resampling of `(samples, channels)` audio through its spectrum."""
    n = audio.shape[0]
    m = int(round(n * rate_out / rate_in))
    if n == 0 or m == 0:
        return audio.new_zeros((m, audio.shape[1]))
    spectrum = torch.fft.rfft(audio.double(), dim=0)
    bins = m // 2 + 1
    if bins <= spectrum.shape[0]:
        spectrum = spectrum[:bins]
    else:
        spectrum = torch.nn.functional.pad(spectrum, (0, 0, 0, bins - spectrum.shape[0]))
    return (torch.fft.irfft(spectrum, n=m, dim=0) * (m / n)).float()
