"""Keras's `keras.config.enable_flash_attention` / `disable_flash_attention` /
`is_flash_attention_enabled`.

cornu's attention (`ops.dot_product_attention`, `MultiHeadAttention`, `GroupedQueryAttention`)
runs through `torch.nn.functional.scaled_dot_product_attention`, which picks among torch's
fused kernels. These switches route to that choice: disabling removes torch's flash kernel
from the CUDA candidates (`torch.backends.cuda.enable_flash_sdp(False)`), so SDPA falls back
to its memory-efficient or plain kernels; enabling puts it back. The flag itself reads as in
Keras: `None` (the default: flash attention allowed) or `False`.
"""

import torch

_state = {"flash_attention": None}


def enable_flash_attention():
    """Enable flash attention.

    Flash attention offers performance optimization for attention layers,
    making it especially useful for large language models (LLMs) that
    benefit from faster and more memory-efficient attention computations.

    Once enabled, supported layers like `MultiHeadAttention` will **attempt** to
    use flash attention for faster computations. By default, this feature is
    enabled.

    Note that enabling flash attention does not guarantee it will always be
    used: torch's scaled-dot-product attention chooses its flash kernel only for
    inputs it supports (on CUDA, typically `float16` or `bfloat16`).
    """
    _state["flash_attention"] = None
    torch.backends.cuda.enable_flash_sdp(True)


def disable_flash_attention():
    """Disable flash attention.

    Once disabled, supported layers like `MultiHeadAttention` will not
    use flash attention for faster computations (torch's flash kernel is
    removed from scaled-dot-product attention's choices on CUDA).
    """
    _state["flash_attention"] = False
    torch.backends.cuda.enable_flash_sdp(False)


def is_flash_attention_enabled():
    """Checks whether flash attention is globally enabled.

    Note that enabling flash attention does not guarantee it will always be
    used. Typically, the inputs must be in `float16` or `bfloat16` dtype.

    Returns:
        `False` if disabled; otherwise (`None`, the default), it indicates that
        it is enabled.
    """
    return _state["flash_attention"]
