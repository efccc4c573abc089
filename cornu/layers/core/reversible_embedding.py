"""`ReversibleEmbedding`: an embedding that can also project vectors back onto the vocabulary."""

import torch

from cornu.backend.keras_tensor import KerasTensor
from cornu.layers.core.embedding import Embedding
from cornu.utils.dtypes import to_torch_dtype


class ReversibleEmbedding(Embedding):
    """`Embedding` whose `call(x, reverse=True)` maps `output_dim` vectors to logits over
    the `input_dim` tokens (a language model's output head).

    With `tie_weights=True` the reverse projection is the transposed `embeddings` table;
    otherwise the layer has a second trainable weight `reverse_embeddings` of shape
    `(output_dim, input_dim)`. There are no biases.

    Args:
        input_dim: size of the vocabulary (largest index + 1).
        output_dim: size of each vector.
        tie_weights: share the table between the embedding and the reverse projection.
        embeddings_initializer: initializer of the table(s) ("uniform").
        embeddings_regularizer: regularizer of the `embeddings` table.
        embeddings_constraint: constraint of the `embeddings` table.
        mask_zero: treat index 0 as padding and emit a mask (forward calls only).
        reverse_dtype: dtype of the reverse projection (default: the compute dtype).
        logit_soft_cap: if set, reverse logits become `tanh(logits / cap) * cap`.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(self, input_dim, output_dim, tie_weights=True,
                 embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, reverse_dtype=None,
                 logit_soft_cap=None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero,
                         **kwargs)
        if logit_soft_cap is not None and (
                isinstance(logit_soft_cap, bool) or not isinstance(logit_soft_cap, (int, float))
                or logit_soft_cap <= 0):
            raise ValueError(f"Layer '{self.name}' (ReversibleEmbedding): `logit_soft_cap` "
                             "must be None or a positive number. "
                             f"Received: logit_soft_cap={logit_soft_cap!r}")
        self.tie_weights = bool(tie_weights)
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape=None):
        if self.built:
            return
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                name="reverse_embeddings", shape=(self.output_dim, self.input_dim),
                initializer=self.embeddings_initializer, trainable=True)
        self.built = True

    def call(self, inputs, reverse=False):
        self.__dict__["_reversed_call"] = bool(reverse)
        if not reverse:
            return super().call(inputs)
        kernel = self.embeddings.T if self.tie_weights else self.reverse_embeddings
        if self.reverse_dtype is not None:
            dtype = to_torch_dtype(self.reverse_dtype)
            inputs, kernel = inputs.to(dtype), kernel.to(dtype)
        elif inputs.dtype != kernel.dtype:
            inputs = inputs.to(kernel.dtype)
        logits = inputs @ kernel
        if self.logit_soft_cap is not None:
            logits = torch.tanh(logits / self.logit_soft_cap) * self.logit_soft_cap
        return logits.to(self._compute_torch_dtype)  # Keras returns the compute dtype

    def compute_mask(self, inputs, mask=None):
        if self.__dict__.get("_reversed_call"):
            return None
        return super().compute_mask(inputs, mask)

    def compute_output_shape(self, input_shape, reverse=False):
        if reverse:
            return tuple(input_shape[:-1]) + (self.input_dim,)
        return tuple(input_shape) + (self.output_dim,)

    def compute_output_spec(self, inputs, reverse=False):
        return KerasTensor(self.compute_output_shape(inputs.shape, reverse),
                           dtype=self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"tie_weights": self.tie_weights, "reverse_dtype": self.reverse_dtype,
                       "logit_soft_cap": self.logit_soft_cap})
        return config
