"""`pad_sequences`: pads (and truncates) a list of sequences into one array."""

import numpy as np


def _is_text_dtype(dtype):
    try:
        kind = np.dtype(dtype).kind
    except TypeError:
        return False
    return kind in ("U", "S")


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pads sequences to the same length.

    Sequences shorter than `maxlen` are padded with `value`, longer ones are
    truncated. Each sequence may be a list of scalars or of equally-shaped
    items (then the result has extra trailing dimensions).

    Args:
        sequences: list (of length `num_samples`) of sequences.
        maxlen: maximum length of all sequences. Defaults to the length of the
            longest sequence.
        dtype: dtype of the result. Use `object` for variable-length strings.
        padding: `"pre"` or `"post"`: pad before or after each sequence.
        truncating: `"pre"` or `"post"`: remove values from the beginning or
            the end of sequences longer than `maxlen`.
        value: padding value (a number, or a string with a text dtype).

    Returns:
        NumPy array of shape `(num_samples, maxlen, ...)`.
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError(f"`sequences` must be iterable. Received: sequences={sequences!r}")
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood. Expected "pre" or "post".')
    if truncating not in ("pre", "post"):
        raise ValueError(f'Truncating type "{truncating}" not understood. '
                         'Expected "pre" or "post".')
    if maxlen is not None and (not isinstance(maxlen, (int, np.integer)) or maxlen < 0):
        raise ValueError(f"Expected `maxlen` to be a non-negative integer or None. "
                         f"Received: maxlen={maxlen!r}")

    lengths = []
    sample_shape = None
    for seq in sequences:
        try:
            length = len(seq)
        except TypeError as error:
            raise ValueError("`sequences` must be a list of iterables. "
                             f"Found non-iterable: {seq!r}") from error
        lengths.append(length)
        if sample_shape is None and length:
            sample_shape = np.asarray(seq).shape[1:]
    sample_shape = sample_shape or ()
    if maxlen is None:
        maxlen = max(lengths) if lengths else 0

    if isinstance(value, str) and dtype is not object and not _is_text_dtype(dtype):
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}. "
                         "Use `dtype=object` for variable-length strings.")

    result = np.full((len(lengths), int(maxlen)) + tuple(sample_shape), value, dtype=dtype)
    if maxlen == 0:
        return result
    for index, seq in enumerate(sequences):
        if not len(seq):
            continue
        kept = seq[-maxlen:] if truncating == "pre" else seq[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(f"Shape of sample {kept.shape[1:]} of sequence at position {index} "
                             f"is different from expected shape {sample_shape}")
        if padding == "post":
            result[index, :len(kept)] = kept
        else:
            result[index, -len(kept):] = kept
    return result
