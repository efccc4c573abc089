"""`EinsumDense`: a dense layer whose contraction is any einsum equation."""

import math
import re

import torch

from cornu import activations, constraints, initializers, regularizers
from cornu.layers.core.lora import LoRAMixin
from cornu.layers.layer import Layer
from cornu.quantizers.quantized_layers import (
    EinsumDenseQuantization,
    deserialize_quantization_config,
)

_FORMS = (
    # (pattern on the equation with "..." written as "0", where the elided dims go)
    (re.compile(r"^([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$"), None),
    (re.compile(r"^0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$"), "left"),
    (re.compile(r"^([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$"), "right"),
)


def analyze_equation(name, equation, bias_axes, input_shape, partial_output_shape):
    """Kernel shape, bias shape, full output shape and the kernel's input/output axes."""
    compact = equation.replace(" ", "").replace("...", "0")
    for pattern, elided_side in _FORMS:
        match = pattern.match(compact)
        if match:
            break
    else:
        raise ValueError(f"EinsumDense '{name}': invalid equation {equation!r}. Expected the "
                         "form 'ab,bc->ac', '...b,bc->...c' or 'ab...,bc->ac...'.")
    in_spec, w_spec, out_spec = match.groups()
    rank = len(input_shape)
    elided = rank - len(in_spec)
    out_shape = [input_shape[0]] + list(partial_output_shape)
    if elided_side == "left":
        out_shape[1:1] = list(input_shape[1:elided])
        in_pos = {c: i + elided for i, c in enumerate(in_spec)}
        out_pos = {c: i + elided for i, c in enumerate(out_spec)}
    else:
        if elided_side == "right":
            out_shape += list(input_shape[rank - elided:])
        in_pos = {c: i for i, c in enumerate(in_spec)}
        out_pos = {c: i for i, c in enumerate(out_spec)}
    if elided < 0 or max(out_pos.values()) >= len(out_shape):
        raise ValueError(f"EinsumDense '{name}': equation {equation!r} does not fit input shape "
                         f"{tuple(input_shape)} and output_shape {tuple(partial_output_shape)}.")
    for c in in_spec:
        if c in out_pos and out_shape[out_pos[c]] not in (None, input_shape[in_pos[c]]):
            raise ValueError(
                f"EinsumDense '{name}': dim '{c}' is {input_shape[in_pos[c]]} in the input but "
                f"{out_shape[out_pos[c]]} in the output_shape {tuple(partial_output_shape)}.")
    for c in out_spec:
        if c not in in_spec and c not in w_spec:
            raise ValueError(f"EinsumDense '{name}': output dim '{c}' of {equation!r} appears "
                             "in neither the input nor the weight spec.")
    kernel_shape, in_axes, out_axes = [], [], []
    for i, c in enumerate(w_spec):
        if c in out_pos:
            kernel_shape.append(out_shape[out_pos[c]])
            out_axes.append(i)
        elif c in in_pos:
            kernel_shape.append(input_shape[in_pos[c]])
            in_axes.append(i)
        else:
            raise ValueError(f"EinsumDense '{name}': weight dim '{c}' of {equation!r} appears "
                             "in neither the input nor the output spec.")
    bias_shape = None
    if bias_axes:
        for c in bias_axes:
            if c not in out_spec:
                raise ValueError(f"EinsumDense '{name}': bias axis '{c}' is not in the output "
                                 f"spec '{out_spec}'. Received: bias_axes={bias_axes!r}")
        first = min(out_spec.index(c) for c in bias_axes)
        bias_shape = [out_shape[out_pos[c]] if c in bias_axes else 1 for c in out_spec[first:]]
        if elided_side == "right":
            bias_shape += [1] * elided
    return kernel_shape, bias_shape, out_shape, in_axes, out_axes


class _FanAwareInit:
    """Draws a variance-scaling kernel with fans taken from the einsum's input/output axes."""

    def __init__(self, base, in_axes, out_axes):
        self.base, self.in_axes, self.out_axes = base, in_axes, out_axes

    def __call__(self, shape, dtype=None):
        fan_in = math.prod(shape[i] for i in self.in_axes)
        fan_out = math.prod(shape[i] for i in self.out_axes)
        return self.base((fan_in, fan_out), dtype=dtype).reshape(tuple(shape))


class EinsumDense(LoRAMixin, EinsumDenseQuantization, Layer):
    """`activation(einsum(equation, inputs, kernel) + bias)`, with Keras's kernel shape.

    Args:
        equation: e.g. "ab,bc->ac", "...b,bc->...c" or "abc,cd->abd"; the first operand is
            the input, the second the kernel.
        output_shape: the output shape without the batch dim (and without elided dims);
            None entries are taken from the input.
        activation: activation name or function; None means linear.
        bias_axes: output letters the bias varies along (None: no bias).
        kernel_initializer: initializer of the kernel.
        bias_initializer: initializer of the bias.
        kernel_regularizer: regularizer of the kernel.
        bias_regularizer: regularizer of the bias.
        kernel_constraint: constraint of the kernel.
        bias_constraint: constraint of the bias.
        lora_rank: if set, the layer is built with LoRA enabled at this rank (see
            `enable_lora`): the kernel is frozen and trainable low-rank factors are added.
        lora_alpha: LoRA's scale is `lora_alpha / lora_rank`; `lora_rank` when None.
        quantization_config: the `cornu.quantizers.QuantizationConfig` a quantized layer
            (dtype policy "int8_from_..." / "int4/<block size>_from_...") builds with.
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 quantization_config=None, **kwargs):
        kwargs.pop("gptq_unpacked_column_size", None)
        super().__init__(**kwargs)
        if not isinstance(equation, str):
            raise ValueError(f"EinsumDense '{self.name}': `equation` must be a string. "
                             f"Received: equation={equation!r}")
        self.equation = equation
        self.partial_output_shape = ((output_shape,) if isinstance(output_shape, int)
                                     else tuple(output_shape))
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.quantization_config = deserialize_quantization_config(quantization_config)
        self._init_lora(lora_rank, lora_alpha)

    def build(self, input_shape):
        kernel_shape, bias_shape, _, in_axes, out_axes = analyze_equation(
            self.name, self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        self._input_rank = len(input_shape)
        init = self.kernel_initializer
        if isinstance(init, initializers.VarianceScaling) and in_axes and out_axes:
            init = _FanAwareInit(init, in_axes, out_axes)
        if self.quantization_mode is not None:
            self.quantized_build(kernel_shape, self.quantization_mode, self.quantization_config)
        if self.quantization_mode in (None, "float8"):  # float8 trains the float kernel
            self.kernel = self.add_weight(name="kernel", shape=tuple(kernel_shape),
                                          initializer=init, regularizer=self.kernel_regularizer,
                                          constraint=self.kernel_constraint)
        self.bias = None
        if bias_shape is not None:
            self.bias = self.add_weight(name="bias", shape=tuple(bias_shape),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.built = True
        self._build_lora()

    def call(self, inputs):
        x = torch.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = x + self.bias
        return self.activation(x)

    def compute_output_shape(self, input_shape):
        return tuple(analyze_equation(self.name, self.equation, self.bias_axes, input_shape,
                                      self.partial_output_shape)[2])

    def get_config(self):
        config = super().get_config()
        config.update({
            "output_shape": list(self.partial_output_shape),
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
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
