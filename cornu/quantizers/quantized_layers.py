"""Quantized `Dense`, `EinsumDense` and `Embedding`: Keras's quantized variables (names, order,
shapes), their forward maths and their saved layout.

The layers take these mixins. A float layer never runs this code on its call path:
`quantized_build` swaps the instance's `call` for the mode's call, so `Dense`'s fast path
stays as it is.
"""

import math

import torch

from cornu.dtype_policies import QUANTIZATION_MODES
from cornu.quantizers import quantizers
from cornu.quantizers.quantization_config import (
    SUPPORTED_MODES,
    Int4QuantizationConfig,
    QuantizationConfig,
    block_size_for_layer,
    is_grouped,
    unsupported_mode_error,
    validate_and_resolve_config,
)
from cornu.utils.dtypes import to_torch_dtype


class _StraightThrough(torch.autograd.Function):
    """Runs a quantized forward; the gradient to the inputs is `backward_fn(upstream)`, the
    float contraction's gradient (Keras's custom gradient: quantization is skipped over)."""

    @staticmethod
    def forward(ctx, inputs, forward_fn, backward_fn):
        ctx.backward_fn = backward_fn
        return forward_fn(inputs)

    @staticmethod
    def backward(ctx, upstream):
        return ctx.backward_fn(upstream), None, None


def _straight_through(inputs, forward_fn, backward_fn, compute=None):
    if compute is not None and inputs.is_floating_point():
        inputs = inputs.to(compute)  # Keras casts float inputs to the compute dtype
    if torch.is_grad_enabled() and inputs.requires_grad:
        return _StraightThrough.apply(inputs, forward_fn, backward_fn)
    return forward_fn(inputs)


def _int_result_dtype(a, b):
    if a.dtype == torch.int8 and b.dtype == torch.int8:
        return torch.int32
    return torch.promote_types(a.dtype, b.dtype)


def _matmul(a, b):
    """`ops.matmul` as Keras's torch backend runs it: int8 @ int8 gives int32 (`_int_mm` on
    CUDA where it applies, else float32 on CUDA, integer matmul on the CPU)."""
    result = _int_result_dtype(a, b)
    compute = result
    if a.is_cuda and not result.is_floating_point:
        if (result == torch.int32 and a.dim() == 2 and b.dim() == 2 and a.shape[0] > 16
                and a.shape[1] >= 16 and a.shape[1] % 8 == 0 and b.shape[0] % 8 == 0
                and b.shape[1] % 8 == 0):
            try:
                return torch._int_mm(a, b)
            except RuntimeError:
                pass
        compute = torch.float32
    return torch.matmul(a.to(compute), b.to(compute)).to(result)


def _einsum(equation, a, b):
    """`ops.einsum` as Keras's torch backend runs it: int8 operands give int32."""
    if a.dtype == torch.int8 and b.dtype == torch.int8:
        compute = torch.float32 if a.is_cuda else torch.int32
        return torch.einsum(equation, a.to(compute), b.to(compute)).to(torch.int32)
    return torch.einsum(equation, a, b)


def _check_quantize_args(layer, mode):
    from cornu.dtype_policies import QUANTIZATION_MODES
    if not layer.built:
        raise ValueError("Cannot quantize a layer that isn't yet built. Layer "
                         f"'{layer.name}' (of type '{type(layer).__name__}') is not built yet.")
    if getattr(layer, "_is_quantized", False):
        raise ValueError(f"Layer '{layer.name}' is already quantized with "
                         f"dtype_policy='{layer.dtype_policy.name}'. Received: mode={mode}")
    if mode not in QUANTIZATION_MODES:
        raise ValueError(f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. "
                         f"Received: mode={mode}")
    if mode == "int8" and layer.compute_dtype == "float16":
        raise ValueError(
            f"Quantization mode='{mode}' doesn't work well with compute_dtype='float16'. "
            "Consider loading model/layer with another dtype policy such as "
            "'mixed_bfloat16' or 'mixed_float16' before calling `quantize()`.")


class QuantizableMixin:
    """What the three quantizable layers share: `quantize`, building quantized variables from
    a quantized dtype policy, and saving them in Keras's order (a quantized layer's
    `save_own_variables` / `load_own_variables`)."""

    _float_weight = "kernel"
    # Variable names in the order Keras saves them, per mode (missing ones are skipped).
    _serialization_spec = {}

    def quantize(self, mode=None, type_check=True, config=None):
        """Quantizes the layer's weights in place.

        Args:
            mode: "int8", "int4" or "float8" (GPTQ and AWQ raise `NotImplementedError`).
            type_check: refuse subclasses (their maths may differ), as Keras does.
            config: a `cornu.quantizers.QuantizationConfig` (default: the mode's default).
        """
        config = validate_and_resolve_config(mode, config)
        mode = config.mode
        _check_quantize_args(self, mode)
        # Only the layer classes themselves, not subclasses (whose maths may differ); a
        # LoRA-enabled layer is checked through its own class.
        cls = getattr(type(self), "_lora_base_class", type(self))
        exact = any(base.__module__ == __name__ for base in cls.__bases__)
        if type_check and not exact:
            raise self._not_implemented_error(self.quantize)
        if mode not in SUPPORTED_MODES:
            raise unsupported_mode_error(mode)
        if mode not in self._serialization_spec:
            raise self._quantization_mode_error(mode)
        lora = getattr(self, "lora_enabled", False)
        if lora and mode not in ("int8", "int4"):
            raise NotImplementedError(
                f"Layer '{self.name}' ({type(self).__name__}) has LoRA enabled; quantization "
                f"mode '{mode}' does not support LoRA (int8 and int4 do).")
        self.quantization_config = config
        # As Keras: a LoRA layer's frozen weight is quantized, and its factors stay trainable.
        old = self._parameters[self._float_weight] if lora else getattr(self, self._float_weight)
        self.__dict__["_build_device"] = old.device
        if mode == "float8":  # the float kernel stays; scales and histories are added
            values = {}
        else:
            values = self._quantized_values(mode, config, old.detach())
            self._remove_weight(self._float_weight)
        self.quantized_build(tuple(old.shape), mode, config)
        with torch.no_grad():
            for name, value in values.items():
                var = getattr(self, name)
                var.copy_(torch.as_tensor(value).to(device=var.device, dtype=var.dtype))
        if self.dtype_policy.quantization_mode is None:
            name = mode
            if mode == "int4":
                block_size = block_size_for_layer(self, config)
                name = f"int4/{-1 if block_size is None else block_size}"
            self.dtype_policy = f"{name}_from_{self.dtype_policy.name}"
        from cornu.layers.layer import Layer
        Layer._trainable_version += 1  # the trainable variables changed

    def quantized_build(self, kernel_shape, mode, config=None):
        """Creates the quantized variables of `mode` and switches `call` to the mode's call."""
        if mode not in SUPPORTED_MODES:
            raise (unsupported_mode_error(mode) if mode in QUANTIZATION_MODES
                   else self._quantization_mode_error(mode))
        if mode not in self._serialization_spec:
            raise self._quantization_mode_error(mode)
        build = getattr(self, f"_{mode}_build")
        build(kernel_shape, config)
        self._is_quantized = True
        # Per instance, so that float layers keep their own call and saving paths.
        self.__dict__["call"] = getattr(self, f"_{mode}_call")
        self.__dict__["save_own_variables"] = self._save_quantized_variables
        self.__dict__["load_own_variables"] = self._load_quantized_variables

    def _remove_weight(self, name):
        var = self._parameters[name] if name in self._parameters else getattr(self, name)
        delattr(self, name)
        self._own_variables = [v for v in self._own_variables if v is not var]

    def _saved_variables(self):
        return [getattr(self, name) for name in self._serialization_spec[self.quantization_mode]
                if getattr(self, name, None) is not None]

    def _save_quantized_variables(self, store):
        """Saves the quantized variables; with LoRA, Keras's layout: the weight dequantized,
        merged with the factors' product and quantized again (the factors are not saved)."""
        merged = self._merged_lora_values() if getattr(self, "lora_enabled", False) else {}
        names = [name for name in self._serialization_spec[self.quantization_mode]
                 if getattr(self, name, None) is not None]
        for i, name in enumerate(names):
            store[str(i)] = merged.get(name, getattr(self, name))

    def _lora_delta(self):
        """`(lora_alpha / lora_rank) * lora_<W>_a @ lora_<W>_b`."""
        a = self._parameters[f"lora_{self._float_weight}_a"]
        b = self._parameters[f"lora_{self._float_weight}_b"]
        return (self.lora_alpha / self.lora_rank) * torch.matmul(a, b)

    def _add_lora(self, x, inputs, contract):
        """Adds a LoRA layer's term `(lora_alpha / lora_rank) * contract(inputs, lora_<W>_a)
        @ lora_<W>_b` to the quantized output `x`, in the compute dtype (Keras's quantized
        LoRA call)."""
        if not getattr(self, "lora_enabled", False):
            return x
        compute = self._compute()
        if inputs.is_floating_point():
            inputs = inputs.to(compute)
        a = self._parameters[f"lora_{self._float_weight}_a"].to(compute)
        b = self._parameters[f"lora_{self._float_weight}_b"].to(compute)
        lora = torch.matmul(contract(inputs, a), b)
        return (x + (self.lora_alpha / self.lora_rank) * lora).to(compute)

    def _load_quantized_variables(self, store):
        variables = self._saved_variables()
        if len(store) != len(variables):
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}, quantization mode "
                f"'{self.quantization_mode}') has {len(variables)} variables, but the file "
                f"holds {len(store)} for it.")
        values = [store.read(str(i), tuple(v.shape)) for i, v in enumerate(variables)]
        with torch.no_grad():
            for variable, value in zip(variables, values):
                variable.copy_(torch.as_tensor(value).to(dtype=variable.dtype,
                                                         device=variable.device))
            if getattr(self, "lora_enabled", False):  # the file holds the merged weight
                for side in ("a", "b"):
                    self._parameters[f"lora_{self._float_weight}_{side}"].zero_()

    def _compute(self):
        return to_torch_dtype(self.compute_dtype)

    def _quantization_config_for_config(self):
        from cornu.saving.serialization_lib import serialize_keras_object
        config = getattr(self, "quantization_config", None)
        return {} if config is None else {"quantization_config": serialize_keras_object(config)}


def _int4_values(config, kernel, per_channel_quantizer):
    """int4 values of a 2-D `(rows, columns)` kernel, before packing: grouped along the rows
    (with zero points) when the config has a block size, else one scale per column."""
    block_size = config.block_size if isinstance(config, Int4QuantizationConfig) else None
    if is_grouped(block_size):
        q, scale, zero = quantizers.abs_max_quantize_grouped_with_zero_point(
            kernel, block_size, to_numpy=True)
        return {"kernel": q, "kernel_scale": scale, "kernel_zero": zero}
    q, scale = per_channel_quantizer(kernel, to_numpy=True)
    return {"kernel": q, "kernel_scale": scale.squeeze(0)}


def _group_index(layer, length, block_size):
    """Keras's float32 `g_idx` variable: the group of each of `length` positions."""
    g_idx = layer.add_weight(name="g_idx", shape=(length,), initializer="zeros",
                             dtype="float32", trainable=False)
    with torch.no_grad():
        g_idx.copy_(torch.div(torch.arange(length, dtype=torch.float32), block_size,
                              rounding_mode="floor"))
    return g_idx


def _add_int4_variables(layer, shape, block_size):
    """The int4 kernel of a `(rows, columns)` matrix packed along the columns, its scales and,
    grouped along the rows, its zero points and group index."""
    rows, columns = shape
    grouped = is_grouped(block_size)
    layer._int4_block_size = block_size if grouped else None
    layer._int4_columns = columns
    layer.kernel = layer.add_weight(name="kernel", shape=(rows, (columns + 1) // 2),
                                    initializer="zeros", dtype="int8", trainable=False)
    scale_shape = (-(-rows // block_size), columns) if grouped else (columns,)
    layer.kernel_scale = layer.add_weight(name="kernel_scale", shape=scale_shape,
                                          initializer="ones", trainable=False)
    if grouped:
        layer.kernel_zero = layer.add_weight(name="kernel_zero", shape=scale_shape,
                                             initializer="zeros", dtype="int8", trainable=False)
        layer.g_idx = _group_index(layer, rows, block_size)


def _requantize_merged(mode, merged, block_size):
    """Keras's re-quantization of a LoRA-merged 2-D `(rows, columns)` weight along its rows
    with the default quantizers (whatever the layer's config): `(values, scale, zero)`, the
    values unpacked, `zero` None unless int4 is grouped."""
    if mode == "int8":
        q, scale = quantizers.abs_max_quantize(merged, axis=0, to_numpy=True)
        return q, scale.squeeze(0), None
    if is_grouped(block_size):
        return quantizers.abs_max_quantize_grouped_with_zero_point(merged, block_size,
                                                                   to_numpy=True)
    q, scale = quantizers.abs_max_quantize(merged, axis=0, value_range=(-8, 7), to_numpy=True)
    return q, scale.squeeze(0), None


def _merged_2d_values(layer, float_weight, delta, names, along_rows=True):
    """The saved values of a 2-D quantized LoRA weight: `float_weight` plus the LoRA `delta`,
    re-quantized along its rows (along its columns if not `along_rows`), an int4 one packed
    along its columns (`names`: the weight's, its scale's and zero point's)."""
    mode = layer.quantization_mode
    merged = (float_weight + delta.to(float_weight.device).reshape(float_weight.shape)).detach()
    q, scale, zero = _requantize_merged(mode, merged if along_rows else merged.T,
                                        getattr(layer, "_int4_block_size", None))
    if not along_rows:
        q, scale = q.T.contiguous(), (scale.T if scale.dim() == 2 else scale)
        zero = None if zero is None else zero.T
    if mode == "int4":
        q = quantizers.pack_int4(q, axis=-1)[0]
    values = {names[0]: q, names[1]: scale}
    if zero is not None:
        values[names[2]] = zero
    return values


_FLOAT8_VARIABLES = ("inputs_scale", "inputs_amax_history", "kernel_scale",
                     "kernel_amax_history", "outputs_grad_scale", "outputs_grad_amax_history")
_FLOAT8_SPEC = ("kernel", "bias") + _FLOAT8_VARIABLES


def _float8_build(layer):
    """Keras's float8 training state: a scale and an amax history for the inputs, the kernel
    and the output gradient. Their "gradient" is their next value (`overwrite_with_gradient`),
    so the optimizer writes it in."""
    from cornu.dtype_policies import QuantizedFloat8DTypePolicy
    length = getattr(layer.dtype_policy, "amax_history_length",
                     QuantizedFloat8DTypePolicy.default_amax_history_length)
    for name in _FLOAT8_VARIABLES:
        history = name.endswith("history")
        var = layer.add_weight(name=name, shape=(length,) if history else (),
                               initializer="zeros" if history else "ones", dtype="float32",
                               trainable=True, autocast=False, overwrite_with_gradient=True)
        setattr(layer, name, var)


class _Float8QDQ(torch.autograd.Function):
    """Quantize-dequantize to float8_e4m3fn; the gradient passes straight through and, in
    training, the scale and amax history receive their next values."""

    @staticmethod
    def forward(ctx, x, scale, history, compute, training):
        ctx.update = None
        if training:
            limit = torch.tensor(float(torch.finfo(torch.float8_e4m3fn).max))
            ctx.update = (quantizers.compute_float8_scale(torch.amax(history, dim=0), scale,
                                                          limit),
                          quantizers.compute_float8_amax_history(x, history))
        return quantizers.quantize_and_dequantize(x, scale, "float8_e4m3fn", compute)

    @staticmethod
    def backward(ctx, upstream):
        new_scale, new_history = ctx.update if ctx.update is not None else (None, None)
        return upstream, new_scale, new_history, None, None


class _Float8OutputGradient(torch.autograd.Function):
    """Identity forward; the output gradient is quantize-dequantized to float8_e5m2, and the
    gradient's scale and amax history receive their next values."""

    @staticmethod
    def forward(ctx, x, scale, history, compute):
        ctx.save_for_backward(scale, history)
        ctx.compute = compute
        return x.view_as(x)

    @staticmethod
    def backward(ctx, upstream):
        scale, history = ctx.saved_tensors
        limit = torch.tensor(float(torch.finfo(torch.float8_e5m2).max))
        new_scale = quantizers.compute_float8_scale(torch.amax(history, dim=0), scale, limit)
        qdq = quantizers.quantize_and_dequantize(upstream, scale, "float8_e5m2", ctx.compute)
        return qdq, new_scale, quantizers.compute_float8_amax_history(upstream, history), None


def _float8_call(layer, inputs, contract):
    """Keras's float8 forward: `contract` of the float8 quantize-dequantized inputs and
    kernel, the output gradient in float8_e5m2, then the bias (rounded through bfloat16
    under a float32 policy, as Keras does) and the activation."""
    from cornu.layers.layer import current_training
    compute = layer.compute_dtype
    training = bool(current_training())
    if inputs.is_floating_point():
        inputs = inputs.to(to_torch_dtype(compute))
    x = _Float8QDQ.apply(inputs, layer.inputs_scale, layer.inputs_amax_history, compute,
                         training)
    # Variables are read in the compute dtype, as Keras autocasts them.
    kernel = _Float8QDQ.apply(layer.kernel.to(to_torch_dtype(compute)), layer.kernel_scale,
                              layer.kernel_amax_history, compute, training)
    y = _Float8OutputGradient.apply(contract(x, kernel), layer.outputs_grad_scale,
                                    layer.outputs_grad_amax_history, compute)
    if layer.bias is not None:
        bias = layer.bias.to(to_torch_dtype(compute))
        if compute == "float32":
            bias = bias.to(torch.bfloat16).to(bias.dtype)
        y = y + bias
    return layer.activation(y)


def deserialize_quantization_config(config):
    """The `quantization_config` entry of a layer config as an object."""
    if config is None or isinstance(config, QuantizationConfig):
        return config
    from cornu.quantizers import deserialize
    return deserialize(config)


class _KernelQuantization(QuantizableMixin):
    """What quantized `Dense` and `EinsumDense` share: a kernel (and bias) saved with its
    scales in Keras's order, and float8 training."""

    _serialization_spec = {"int8": ("kernel", "bias", "kernel_scale"),
                           "int4": ("kernel", "bias", "kernel_scale", "kernel_zero", "g_idx"),
                           "float8": _FLOAT8_SPEC}

    def _float8_build(self, kernel_shape, config=None):
        _float8_build(self)


# ---------------------------------------------------------------------- Dense


class DenseQuantization(_KernelQuantization):
    """Quantized `Dense`: an int8 kernel `(input_dim, units)` with one scale per unit."""

    def _float8_call(self, inputs):
        return _float8_call(self, inputs, torch.matmul)

    def _quantized_values(self, mode, config, kernel):
        if mode == "int8":
            quantizer = QuantizationConfig.weight_quantizer_or_default(
                config, quantizers.AbsMaxQuantizer(axis=0))
            value, scale = quantizer(kernel, to_numpy=True)
            return {"kernel": value, "kernel_scale": scale.squeeze(0)}
        values = _int4_values(config, kernel, self._int4_weight_quantizer(config))
        values["kernel"] = quantizers.pack_int4(values["kernel"], axis=-1)[0]
        return values

    def _quantized_float_shape(self):
        return (self.kernel.shape[0], self.units)

    def _dequantized_kernel(self):
        compute = self._compute()
        kernel_scale = self.kernel_scale.to(compute)
        if self.quantization_mode == "int8":
            return self.kernel.to(compute) / kernel_scale
        unpacked = quantizers.unpack_int4(self.kernel, self.units, axis=-1)
        if self._int4_block_size is None:
            return unpacked.to(compute) / kernel_scale
        return quantizers.dequantize_with_sz_map(unpacked, kernel_scale, self.kernel_zero,
                                                 self.g_idx, group_axis=0).to(compute)

    def _merged_lora_values(self):
        return _merged_2d_values(self, self._dequantized_kernel(), self._lora_delta(),
                                 ("kernel", "kernel_scale", "kernel_zero"))

    @staticmethod
    def _int4_weight_quantizer(config):
        return QuantizationConfig.weight_quantizer_or_default(
            config, quantizers.AbsMaxQuantizer(axis=0, value_range=(-8, 7)))

    def _int4_build(self, kernel_shape, config=None):
        self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(config, None)
        _add_int4_variables(self, kernel_shape, block_size_for_layer(self, config))

    def _int4_call(self, inputs):
        compute = self._compute()
        unpacked = quantizers.unpack_int4(self.kernel, self.units, axis=-1)
        kernel_scale = self.kernel_scale.to(compute)
        if self._int4_block_size is None:
            def float_kernel():
                return unpacked.to(compute) / kernel_scale

            def forward(x):
                scale = kernel_scale
                if self.inputs_quantizer:
                    x, x_scale = self.inputs_quantizer(x, axis=-1)
                    scale = scale * x_scale
                return _matmul(x, unpacked).to(compute) / scale
        else:
            def float_kernel():
                return quantizers.dequantize_with_sz_map(
                    unpacked, kernel_scale, self.kernel_zero, self.g_idx,
                    group_axis=0).to(compute)

            def forward(x):
                return torch.matmul(x, float_kernel())

        x = _straight_through(inputs, forward,
                              lambda upstream: torch.matmul(upstream, float_kernel().T), compute)
        x = self._add_lora(x, inputs, torch.matmul)
        if self.bias is not None:
            x = x + self.bias.to(x.dtype)
        return self.activation(x)

    def _int8_build(self, kernel_shape, config=None):
        self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(
            config, quantizers.AbsMaxQuantizer())
        self.kernel = self.add_weight(name="kernel", shape=kernel_shape, initializer="zeros",
                                      dtype="int8", trainable=False)
        self.kernel_scale = self.add_weight(name="kernel_scale", shape=(self.units,),
                                            initializer="ones", trainable=False)

    def _int8_call(self, inputs):
        compute = self._compute()
        kernel = self.kernel
        kernel_scale = self.kernel_scale.to(compute)

        def forward(x):
            scale = kernel_scale
            if self.inputs_quantizer:
                x, x_scale = self.inputs_quantizer(x, axis=-1)
                scale = scale * x_scale
            return _matmul(x, kernel).to(compute) / scale

        def backward(upstream):
            return torch.matmul(upstream, (kernel.to(compute) / kernel_scale).T)

        x = _straight_through(inputs, forward, backward, compute)
        x = self._add_lora(x, inputs, torch.matmul)
        if self.bias is not None:
            x = x + self.bias.to(x.dtype)
        return self.activation(x)


# ---------------------------------------------------------------------- EinsumDense


def _full_specs(equation, input_rank):
    """The equation's input, kernel and output specs with "..." replaced by letters."""
    import re
    import string

    compact = equation.replace(" ", "").replace("...", "0")
    for pattern, side in ((r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", None),
                          (r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", "left"),
                          (r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", "right")):
        match = re.match(pattern, compact)
        if match:
            break
    else:
        raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the "
                         "form [X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")
    in_spec, w_spec, out_spec = match.groups()
    if side is not None:
        free = sorted(set(string.ascii_letters) - set(in_spec + w_spec + out_spec))
        extra = "".join(free[:input_rank - len(in_spec)])
        if side == "left":
            # Keras prepends the labels one at a time, so they end up reversed.
            in_spec, out_spec = extra[::-1] + in_spec, extra[::-1] + out_spec
        else:
            in_spec, out_spec = in_spec + extra, out_spec + extra
    return in_spec, w_spec, out_spec


class _EinsumQuantizationInfo:
    """How per-axis scales of the input and kernel line up with the einsum's output.

    For each operand: the axes the quantizer reduces, and the transpose / expand / squeeze
    that turn its keep-dims scale into one that broadcasts against the output (Keras's
    layout of `kernel_scale`).
    """

    def __init__(self, equation, input_rank):
        in_spec, w_spec, out_spec = _full_specs(equation, input_rank)
        position = None
        sides = []
        for spec in (in_spec, w_spec):
            reduced = [i for i, c in enumerate(spec) if c not in out_spec]
            expand = [i for i, c in enumerate(out_spec) if c not in spec]
            transpose = [spec.index(c) for c in out_spec if c in spec]
            squeeze = []
            for axis in reduced:
                if expand:
                    position = expand.pop(0)
                else:
                    squeeze.append(axis)
                if position is None:
                    raise ValueError(f"EinsumDense cannot quantize equation '{equation}': its "
                                     "reduced axes have no output axis to align a scale with.")
                # Keras reuses the last position when the expand axes run out.
                transpose.insert(position, axis)
            sides.append((reduced, transpose, expand, squeeze))
        (self.input_reduced, self.input_transpose, self.input_expand,
         self.input_squeeze) = sides[0]
        (self.kernel_reduced, self.kernel_transpose, self.kernel_expand,
         self.kernel_squeeze) = sides[1]
        self.gradient_equation = f"{out_spec},{w_spec}->{in_spec}"

    @staticmethod
    def _for_quant(scale, transpose, expand, squeeze):
        if transpose:
            scale = scale.permute(transpose)
        for axis in sorted(expand):
            scale = scale.unsqueeze(axis)
        if squeeze:
            scale = scale.squeeze(tuple(squeeze))
        return scale

    def input_scale(self, scale):
        return self._for_quant(scale, self.input_transpose, self.input_expand,
                               self.input_squeeze)

    def kernel_scale(self, scale):
        return self._for_quant(scale, self.kernel_transpose, self.kernel_expand,
                               self.kernel_squeeze)

    def kernel_scale_for_dequant(self, scale):
        """The stored kernel scale laid out like the kernel (reverses `kernel_scale`)."""
        for axis in sorted(self.kernel_squeeze):
            scale = scale.unsqueeze(axis)
        if self.kernel_expand:
            scale = scale.squeeze(tuple(self.kernel_expand))
        if self.kernel_transpose:
            inverse = sorted(range(len(self.kernel_transpose)),
                             key=self.kernel_transpose.__getitem__)
            scale = scale.permute(inverse)
        return scale

    def kernel_scale_shape(self, kernel_shape):
        keep = [1 if i in self.kernel_reduced else d for i, d in enumerate(kernel_shape)]
        return tuple(self.kernel_scale(torch.empty(keep, device="meta")).shape)


class EinsumDenseQuantization(_KernelQuantization):
    """Quantized `EinsumDense`: an int8 kernel with scales over its non-reduced axes."""

    def _float8_call(self, inputs):
        return _float8_call(self, inputs,
                            lambda x, kernel: torch.einsum(self.equation, x, kernel))

    def _int4_build(self, kernel_shape, config=None):
        info = self._quantization_info()
        self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(config, None)
        self.quantization_axis = tuple(info.input_reduced)
        self.original_kernel_shape = tuple(kernel_shape)
        _add_int4_variables(self, self._int4_flat_shape(kernel_shape),
                            block_size_for_layer(self, config))

    def _int4_flat_shape(self, kernel_shape):
        """Keras stores the int4 kernel as `(reduced size, other size)`, reshaped in place."""
        reduced = self._quantization_info().kernel_reduced
        rows = math.prod(d for i, d in enumerate(kernel_shape) if i in reduced)
        return rows, math.prod(kernel_shape) // rows

    def _int4_call(self, inputs):
        info = self._quantization_info()
        compute = self._compute()
        unpacked = quantizers.unpack_int4(self.kernel, self._int4_columns, axis=-1)
        kernel_scale = self.kernel_scale.to(compute)
        if self._int4_block_size is None:
            kernel = unpacked.to(compute) / kernel_scale
        else:
            kernel = quantizers.dequantize_with_sz_map(unpacked, kernel_scale, self.kernel_zero,
                                                       self.g_idx, group_axis=0).to(compute)
        kernel = kernel.reshape(self.original_kernel_shape)

        def forward(x):
            if self.inputs_quantizer and self._int4_block_size is None:
                x, x_scale = self.inputs_quantizer(x, axis=self.quantization_axis)
                y = torch.einsum(self.equation, x.to(compute), kernel)
                return y / info.input_scale(x_scale)
            return torch.einsum(self.equation, x, kernel)

        x = _straight_through(inputs, forward, lambda upstream: torch.einsum(
            info.gradient_equation, upstream, kernel), compute)
        x = self._add_lora(x, inputs, self._lora_contract)
        if self.bias is not None:
            x = x + self.bias.to(x.dtype)
        return self.activation(x)

    def _quantization_info(self):
        info = self.__dict__.get("_qinfo")
        if info is None:
            info = _EinsumQuantizationInfo(self.equation, self._input_rank)
            self.__dict__["_qinfo"] = info
        return info

    def _quantized_values(self, mode, config, kernel):
        info = self._quantization_info()
        if mode == "int8":
            quantizer = QuantizationConfig.weight_quantizer_or_default(
                config, quantizers.AbsMaxQuantizer(axis=info.kernel_reduced))
            value, scale = quantizer(kernel, to_numpy=True)
            return {"kernel": value, "kernel_scale": info.kernel_scale(scale)}
        # Keras's EinsumDense ignores a custom weight quantizer in int4 mode.
        flat = kernel.reshape(self._int4_flat_shape(kernel.shape))
        values = _int4_values(config, flat, quantizers.AbsMaxQuantizer(axis=0,
                                                                       value_range=(-8, 7)))
        values["kernel"] = quantizers.pack_int4(values["kernel"], axis=-1)[0]
        return values

    def _int8_build(self, kernel_shape, config=None):
        info = self._quantization_info()
        self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(
            config, quantizers.AbsMaxQuantizer())
        self.quantization_axis = tuple(info.input_reduced)
        self.kernel = self.add_weight(name="kernel", shape=tuple(kernel_shape),
                                      initializer="zeros", dtype="int8", trainable=False)
        self.kernel_scale = self.add_weight(name="kernel_scale",
                                            shape=info.kernel_scale_shape(kernel_shape),
                                            initializer="ones", trainable=False)

    def _int8_call(self, inputs):
        info = self._quantization_info()
        compute = self._compute()
        kernel = self.kernel
        kernel_scale = self.kernel_scale.to(compute)

        def float_kernel():
            return kernel.to(compute) / info.kernel_scale_for_dequant(kernel_scale)

        def forward(x):
            if self.inputs_quantizer:
                x, x_scale = self.inputs_quantizer(x, axis=self.quantization_axis)
                x_scale = info.input_scale(x_scale)
                y = _einsum(self.equation, x, kernel).to(compute)
                return y / (x_scale * kernel_scale)
            return torch.einsum(self.equation, x, float_kernel())

        def backward(upstream):
            return torch.einsum(info.gradient_equation, upstream, float_kernel())

        x = _straight_through(inputs, forward, backward, compute)
        x = self._add_lora(x, inputs, self._lora_contract)
        if self.bias is not None:
            x = x + self.bias.to(x.dtype)
        return self.activation(x)

    def _lora_contract(self, inputs, lora_a):
        return torch.einsum(self.equation, inputs, lora_a)

    def _quantized_float_shape(self):
        if self.quantization_mode == "int4":
            return tuple(self.original_kernel_shape)
        return tuple(self.kernel.shape)

    def _merged_lora_values(self):
        info = self._quantization_info()
        if self.quantization_mode == "int8":
            kernel = self.kernel / info.kernel_scale_for_dequant(self.kernel_scale)
            merged = (kernel + self._lora_delta().to(kernel.device)).detach()
            q, scale = quantizers.abs_max_quantize(merged, axis=info.kernel_reduced,
                                                   to_numpy=True)
            return {"kernel": q, "kernel_scale": info.kernel_scale(scale)}
        compute = self._compute()
        unpacked = quantizers.unpack_int4(self.kernel, self._int4_columns, axis=-1)
        kernel_scale = self.kernel_scale.to(compute)
        if self._int4_block_size is None:
            kernel = unpacked.to(compute) / kernel_scale
        else:
            kernel = quantizers.dequantize_with_sz_map(unpacked, kernel_scale, self.kernel_zero,
                                                       self.g_idx, group_axis=0).to(compute)
        # The int4 kernel is stored flat, `(reduced size, other size)`.
        return _merged_2d_values(self, kernel, self._lora_delta(),
                                 ("kernel", "kernel_scale", "kernel_zero"))


# ---------------------------------------------------------------------- Embedding


class EmbeddingQuantization(QuantizableMixin):
    """Quantized `Embedding`: an int8 table with one scale per row (per token)."""

    _float_weight = "embeddings"
    _serialization_spec = {"int8": ("embeddings", "embeddings_scale"),
                           "int4": ("embeddings", "embeddings_scale", "embeddings_zero",
                                    "g_idx")}

    def _quantization_mode_error(self, mode):
        return NotImplementedError("Invalid quantization mode. Expected one of ('int8', "
                                   f"'int4'). Received: quantization_mode={mode}")

    def _quantized_values(self, mode, config, table):
        if mode == "int8":
            quantizer = QuantizationConfig.weight_quantizer_or_default(
                config, quantizers.AbsMaxQuantizer(axis=-1))
            value, scale = quantizer(table, to_numpy=True)
            return {"embeddings": value, "embeddings_scale": scale.squeeze(-1)}
        block_size = config.block_size if isinstance(config, Int4QuantizationConfig) else None
        if is_grouped(block_size):
            # Groups run along each row: quantize the transposed table in groups of rows.
            q, scale, zero = quantizers.abs_max_quantize_grouped_with_zero_point(
                table.T, block_size, to_numpy=True)
            values = {"embeddings": q.T, "embeddings_scale": scale.T, "embeddings_zero": zero.T}
        else:
            quantizer = QuantizationConfig.weight_quantizer_or_default(
                config, quantizers.AbsMaxQuantizer(axis=-1, value_range=(-8, 7)))
            q, scale = quantizer(table, to_numpy=True)
            values = {"embeddings": q, "embeddings_scale": scale.squeeze(-1)}
        values["embeddings"] = quantizers.pack_int4(values["embeddings"].contiguous(),
                                                    axis=-1)[0]
        return values

    def _int4_build(self, embeddings_shape, config=None):
        input_dim, output_dim = embeddings_shape
        block_size = block_size_for_layer(self, config)
        grouped = is_grouped(block_size)
        self._int4_block_size = block_size if grouped else None
        self.embeddings = self.add_weight(name="embeddings",
                                          shape=(input_dim, (output_dim + 1) // 2),
                                          initializer="zeros", dtype="int8", trainable=False)
        scale_shape = (input_dim, -(-output_dim // block_size)) if grouped else (input_dim,)
        self.embeddings_scale = self.add_weight(name="embeddings_scale", shape=scale_shape,
                                                initializer="ones", trainable=False)
        if grouped:
            self.embeddings_zero = self.add_weight(name="embeddings_zero", shape=scale_shape,
                                                   initializer="zeros", dtype="int8",
                                                   trainable=False)
            self.g_idx = _group_index(self, output_dim, block_size)

    def _int4_call(self, inputs):
        compute = self._compute()
        if inputs.dtype not in (torch.int32, torch.int64):
            inputs = inputs.to(torch.int32)
        unpacked = quantizers.unpack_int4(self.embeddings, self.output_dim, axis=-1)
        rows = unpacked[inputs].to(compute)
        scale = self.embeddings_scale.to(compute)[inputs]
        if self._int4_block_size is None:
            outputs = rows / scale.unsqueeze(-1)
        else:
            outputs = quantizers.dequantize_with_sz_map(rows, scale, self.embeddings_zero[inputs],
                                                        self.g_idx, group_axis=-1)
        return self._add_lora(outputs, inputs, _take_rows)

    def _int8_build(self, embeddings_shape, config=None):
        self.embeddings = self.add_weight(name="embeddings", shape=embeddings_shape,
                                          initializer="zeros", dtype="int8", trainable=False)
        # One scale per row: the vocabulary is usually the larger dimension.
        self.embeddings_scale = self.add_weight(name="embeddings_scale", shape=(self.input_dim,),
                                                initializer="ones", trainable=False)

    def _int8_call(self, inputs):
        compute = self._compute()
        if inputs.dtype not in (torch.int32, torch.int64):
            inputs = inputs.to(torch.int32)
        rows = self.embeddings[inputs].to(compute)
        outputs = rows / self.embeddings_scale.to(compute)[inputs].unsqueeze(-1)
        return self._add_lora(outputs, inputs, _take_rows)

    def _quantized_float_shape(self):
        return (self.input_dim, self.output_dim)

    def _merged_lora_values(self):
        compute = self._compute()
        scale = self.embeddings_scale.to(compute)
        if self.quantization_mode == "int8":
            table = self.embeddings.to(compute) / scale.unsqueeze(-1)
        else:
            unpacked = quantizers.unpack_int4(self.embeddings, self.output_dim, axis=-1)
            if self._int4_block_size is None:
                table = unpacked.to(compute) / scale.unsqueeze(-1)
            else:
                table = quantizers.dequantize_with_sz_map(
                    unpacked.to(compute), scale, self.embeddings_zero, self.g_idx,
                    group_axis=-1)
        # Each row (a token's vector) has its scales.
        return _merged_2d_values(self, table, self._lora_delta(),
                                 ("embeddings", "embeddings_scale", "embeddings_zero"),
                                 along_rows=False)


def _take_rows(inputs, table):
    return table[inputs]


# ---------------------------------------------------------------------- models


def should_quantize_layer(layer, filters):
    """Whether `filters` (None, a regex, a list of regexes or a callable) selects `layer`."""
    import re
    if filters is None:
        return True
    if isinstance(filters, str):
        return bool(re.search(filters, layer.name))
    if isinstance(filters, (list, tuple)):
        return any(re.search(pattern, layer.name) for pattern in filters)
    if callable(filters):
        return filters(layer)
    return True


def quantize_model(model, mode=None, config=None, filters=None, **kwargs):
    """`Model.quantize`: quantizes every selected leaf layer; layers that cannot be quantized
    are skipped with a warning, as in Keras."""
    import warnings
    from collections.abc import Callable

    type_check = kwargs.pop("type_check", True)
    if kwargs:
        raise ValueError("Unrecognized keyword arguments passed to "
                         f"{type(model).__name__}: {kwargs}")
    if filters is not None and not isinstance(filters, (str, Callable, list, tuple)):
        raise ValueError("The `filters` argument must be a regex string, a list of regex "
                         f"strings, or a callable. Received: {type(filters)}")
    requested = config.mode if isinstance(config, QuantizationConfig) else mode
    if requested in QUANTIZATION_MODES and requested not in SUPPORTED_MODES:
        raise unsupported_mode_error(requested)
    modified = False
    for layer in model._flatten_layers():
        if not should_quantize_layer(layer, filters):
            continue
        if len(layer._flatten_layers()) == 1:
            try:
                layer.quantize(mode, type_check=type_check, config=config)
                modified = True
            except NotImplementedError as e:
                warnings.warn(str(e), stacklevel=3)
            except AttributeError:
                pass
    if modified and getattr(model, "_jit", None) is not None:
        from cornu.trainers.compiled_steps import CompiledSteps
        model._jit = CompiledSteps(model)  # traces of the float layers are stale
