"""Validation of the base `Optimizer` constructor arguments, with Keras's rules."""

import numbers


def check_optional_non_negative(name, value):
    """Raises ValueError unless `value` is None or a real number >= 0."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)
                              or value < 0):
        raise ValueError(f"Argument `{name}` must be a number >= 0 or None. "
                         f"Received: {name}={value!r}")


def check_base_arguments(weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
                         ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps):
    """Raises ValueError naming the first invalid base optimizer argument."""
    for arg, value in (("weight_decay", weight_decay), ("clipnorm", clipnorm),
                       ("clipvalue", clipvalue), ("global_clipnorm", global_clipnorm)):
        check_optional_non_negative(arg, value)
    if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
        raise ValueError(
            "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: "
            f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}")
    if gradient_accumulation_steps is not None and (
            not isinstance(gradient_accumulation_steps, int) or gradient_accumulation_steps < 2):
        raise ValueError("`gradient_accumulation_steps` must be an integer >= 2. Received: "
                         f"gradient_accumulation_steps={gradient_accumulation_steps!r}")
    if use_ema:
        if not 0 <= ema_momentum <= 1:
            raise ValueError("`ema_momentum` must be in the range [0, 1]. "
                             f"Received: ema_momentum={ema_momentum!r}")
        if ema_overwrite_frequency is not None and (
                not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1):
            raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. "
                             f"Received: ema_overwrite_frequency={ema_overwrite_frequency!r}")
    if loss_scale_factor is not None and not loss_scale_factor > 0:
        raise ValueError("`loss_scale_factor` must be a number > 0 or None. "
                         f"Received: loss_scale_factor={loss_scale_factor!r}")

