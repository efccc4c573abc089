"""`Dense`: `activation(inputs @ kernel + bias)`."""

import torch

from cornu import activations, constraints, initializers, regularizers
from cornu.layers.core.lora import LoRAMixin
from cornu.layers.layer import Layer
from cornu.quantizers.quantized_layers import DenseQuantization, deserialize_quantization_config


class Dense(LoRAMixin, DenseQuantization, Layer):
    """Densely connected layer; the kernel has Keras's shape `(input_dim, units)`.

    Args:
        units: dimensionality of the output.
        activation: activation name or function; None means linear.
        use_bias: whether to add a bias vector.
        kernel_initializer: initializer of the kernel ("glorot_uniform").
        bias_initializer: initializer of the bias ("zeros").
        kernel_regularizer: regularizer of the kernel.
        bias_regularizer: regularizer of the bias.
        activity_regularizer: regularizer of the output.
        kernel_constraint: constraint of the kernel.
        bias_constraint: constraint of the bias.
        lora_rank: if set, the layer is built with LoRA enabled at this rank (see
            `enable_lora`): the kernel is frozen and trainable low-rank factors are added.
        lora_alpha: LoRA's scale is `lora_alpha / lora_rank`; `lora_rank` when None.
        quantization_config: the `cornu.quantizers.QuantizationConfig` a quantized layer
            (dtype policy "int8_from_..." / "int4/<block size>_from_...") builds with.
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, lora_alpha=None, quantization_config=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units!r}")
        self.units = units
        self.activation = activations.get(activation)
        self._linear = self.activation is activations.linear
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.supports_masking = True
        self.quantization_config = deserialize_quantization_config(quantization_config)
        self._init_lora(lora_rank, lora_alpha)

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if len(input_shape) < 2 or input_dim is None:
            raise ValueError(
                f"Layer '{self.name}' (Dense) expected an input of rank >= 2 with a known last "
                f"dimension. Received: input_shape={tuple(input_shape)}")
        if self.quantization_mode is not None:
            self.quantized_build((input_dim, self.units), self.quantization_mode,
                                 self.quantization_config)
        if self.quantization_mode in (None, "float8"):  # float8 trains the float kernel
            self.kernel = self.add_weight(name="kernel", shape=(input_dim, self.units),
                                          initializer=self.kernel_initializer,
                                          regularizer=self.kernel_regularizer,
                                          constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.units,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True
        self._build_lora()

    def call(self, inputs):
        bias = self.bias
        if bias is not None and inputs.dim() == 2:
            x = torch.addmm(bias, inputs, self.kernel)
        else:
            x = torch.matmul(inputs, self.kernel)
            if bias is not None:
                x = x + bias
        return x if self._linear else self.activation(x)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            **self._quantization_config_for_config(),
            **self._lora_config(),
        })
        return config
