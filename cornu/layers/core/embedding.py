"""`Embedding`: maps integer indices to dense vectors."""

import torch
import torch.nn.functional as F

from cornu import constraints, initializers, regularizers
from cornu.layers.core.lora import LoRAMixin
from cornu.layers.layer import Layer
from cornu.quantizers.quantized_layers import (
    EmbeddingQuantization,
    deserialize_quantization_config,
)


class Embedding(LoRAMixin, EmbeddingQuantization, Layer):
    """Turns indices into vectors of size `output_dim`.

    Args:
        input_dim: size of the vocabulary (largest index + 1).
        output_dim: size of each vector.
        embeddings_initializer: initializer of the table ("uniform").
        embeddings_regularizer: regularizer of the table.
        embeddings_constraint: constraint of the table.
        mask_zero: treat index 0 as padding and emit a mask.
        lora_rank: if set, the layer is built with LoRA enabled at this rank (see
            `enable_lora`): the table is frozen and trainable low-rank factors are added.
        lora_alpha: LoRA's scale is `lora_alpha / lora_rank`; `lora_rank` when None.
        quantization_config: the `cornu.quantizers.QuantizationConfig` a quantized layer
            (dtype policy "int8_from_..." / "int4/<block size>_from_...") builds with.
    """

    _lora_weight = "embeddings"

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, quantization_config=None,
                 **kwargs):
        input_length = kwargs.pop("input_length", None)
        if input_length is not None:
            kwargs.setdefault("input_shape", (input_length,))
        super().__init__(**kwargs)
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"Embedding `{arg}` must be a positive int. Received: {arg}={value!r}")
        self.input_dim, self.output_dim = input_dim, output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.autocast = False
        self.quantization_config = deserialize_quantization_config(quantization_config)
        self._init_lora(lora_rank, lora_alpha)
        if weights is not None:
            self.build(None)
            self.set_weights(weights)

    def build(self, input_shape=None):
        if self.built:
            return
        if self.quantization_mode is not None:
            self.quantized_build((self.input_dim, self.output_dim), self.quantization_mode,
                                 self.quantization_config)
        else:
            self.embeddings = self.add_weight(
                name="embeddings", shape=(self.input_dim, self.output_dim),
                initializer=self.embeddings_initializer, regularizer=self.embeddings_regularizer,
                constraint=self.embeddings_constraint)
        self.built = True
        self._build_lora()

    def call(self, inputs):
        if inputs.dtype not in (torch.int64, torch.int32):
            inputs = inputs.long()
        return F.embedding(inputs, self.embeddings)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return inputs != 0

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim, "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            **self._quantization_config_for_config(),
            **self._lora_config(),
        })
        return config
