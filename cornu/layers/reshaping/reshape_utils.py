"""Argument checks shared by the padding, cropping and up-sampling layers."""


def int_tuple(layer, value, n, arg, allow_zero=True):
    """`value` (an int or n ints) as a tuple of n non-negative ints, else a ValueError."""
    if isinstance(value, int) and not isinstance(value, bool):
        values = (value,) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            values = ()
    ok = len(values) == n and all(
        isinstance(v, int) and not isinstance(v, bool) and (v > 0 or (allow_zero and v == 0))
        for v in values)
    if not ok:
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{type(layer).__name__} '{layer.name}': `{arg}` must be an int or a "
                         f"tuple of {n} {kind} ints. Received: {arg}={value!r}")
    return values


def pairs(layer, value, n, arg):
    """`value` as n (before, after) pairs: an int, n ints (symmetric) or n pairs."""
    if isinstance(value, int) and not isinstance(value, bool):
        return tuple(int_tuple(layer, value, 2, arg) for _ in range(n))
    try:
        items = tuple(value)
    except TypeError:
        items = ()
    if len(items) != n:
        raise ValueError(f"{type(layer).__name__} '{layer.name}': `{arg}` must be an int, a "
                         f"tuple of {n} ints or a tuple of {n} pairs of ints. "
                         f"Received: {arg}={value!r}")
    return tuple(int_tuple(layer, v, 2, f"{arg}[{i}]") for i, v in enumerate(items))


def spatial_axes(data_format, n):
    """Positions of the n spatial dims of a (batch, ..., channels) input."""
    start = 2 if data_format == "channels_first" else 1
    return list(range(start, start + n))


def check_rank(layer, inputs_or_shape, rank):
    shape = tuple(getattr(inputs_or_shape, "shape", inputs_or_shape))
    if len(shape) != rank:
        raise ValueError(f"{type(layer).__name__} '{layer.name}' expects inputs of rank {rank}. "
                         f"Received: input shape={shape}")
