"""`CategoryEncoding`: one-hot, multi-hot or count encoding of integer features."""

import torch

from cornu.layers.layer import Layer
from cornu.layers.preprocessing import encoding


class CategoryEncoding(Layer):
    """Encodes integer features in `[0, num_tokens)` as dense one-hot, multi-hot or count
    vectors of size `num_tokens`.

    Multi-hot and count encodings reduce over the last input axis; one-hot adds an axis
    (replacing a trailing axis of size 1). Negative values encode to zeros.

    Args:
        num_tokens: the number of tokens the layer supports; inputs must be in
            `[0, num_tokens)`.
        output_mode: "one_hot", "multi_hot" (or its old name "binary") or "count".
        sparse: must be False (torch sparse outputs are not supported, as in Keras on
            the torch backend).
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: integer features.
        count_weights: for `output_mode="count"`, weights shaped like `inputs` to sum
            instead of counts.
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        name = f"CategoryEncoding '{self.name}'"
        if output_mode == "binary":
            output_mode = "multi_hot"
        encoding.check_output_mode(name, output_mode, ("count", "one_hot", "multi_hot"))
        if num_tokens is None or isinstance(num_tokens, bool) or not isinstance(
                num_tokens, int) or num_tokens < 1:
            raise ValueError(f"{name}: `num_tokens` must be an int >= 1 (use IntegerLookup "
                             f"when the number of tokens is unknown). "
                             f"Received: num_tokens={num_tokens!r}")
        if sparse:
            raise ValueError(f"{name}: `sparse=True` is not supported with PyTorch.")
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse

    def call(self, inputs, count_weights=None):
        name = f"CategoryEncoding '{self.name}'"
        inputs = torch.as_tensor(inputs)
        if inputs.is_floating_point() or inputs.is_complex():
            inputs = inputs.long()
        encoding.check_range(name, inputs, self.num_tokens)
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(f"{name}: `count_weights` is only used when "
                                 f"output_mode='count'. Received: output_mode="
                                 f"{self.output_mode!r}")
            count_weights = torch.as_tensor(count_weights, device=inputs.device).to(
                self._compute_torch_dtype)
        return encoding.encode(inputs, self.output_mode, self.num_tokens,
                               self._compute_torch_dtype, count_weights)

    def compute_output_shape(self, input_shape):
        return encoding.encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self):
        config = super().get_config()
        config.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode})
        return config
