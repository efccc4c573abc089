"""Quantization configs: which quantizers `quantize()` uses for weights and activations."""

from cornu.dtype_policies import QUANTIZATION_MODES

# The modes cornu's layers implement; Keras's others are refused with a clear error.
SUPPORTED_MODES = ("int8", "int4", "float8")
UNSUPPORTED_MODES = ("gptq", "awq")


def _serialize(obj):
    from cornu.saving.serialization_lib import serialize_keras_object
    return serialize_keras_object(obj)


def _deserialize(config):
    from cornu.quantizers import ALL_OBJECTS_DICT
    from cornu.saving.serialization_lib import deserialize_keras_object
    return deserialize_keras_object(config, module_objects=ALL_OBJECTS_DICT)


class QuantizationConfig:
    """Base class of quantization configs; subclasses define `mode`.

    Args:
        weight_quantizer: the quantizer of weights (None: the layer's default).
        activation_quantizer: the quantizer of inputs (None: weight-only quantization).
    """

    _keras_module = "keras.quantizers"

    def __init__(self, weight_quantizer=None, activation_quantizer=None):
        self.weight_quantizer = weight_quantizer
        self.activation_quantizer = activation_quantizer

    @property
    def mode(self):
        raise NotImplementedError("Subclasses must implement this property. Do not instantiate "
                                  "QuantizationConfig directly.")

    def get_config(self):
        return {"weight_quantizer": _serialize(self.weight_quantizer),
                "activation_quantizer": _serialize(self.activation_quantizer)}

    @classmethod
    def from_config(cls, config):
        return cls(weight_quantizer=_deserialize(config.get("weight_quantizer")),
                   activation_quantizer=_deserialize(config.get("activation_quantizer")))

    @staticmethod
    def weight_quantizer_or_default(config, default):
        if config is not None and config.weight_quantizer is not None:
            return config.weight_quantizer
        return default

    @staticmethod
    def activation_quantizer_or_default(config, default):
        if config is not None:
            return config.activation_quantizer
        return default


class Int8QuantizationConfig(QuantizationConfig):
    """Int8 quantization config.

    Args:
        weight_quantizer: the quantizer of weights (its `output_dtype` must be "int8").
        activation_quantizer: the quantizer of inputs; "default" is `AbsMaxQuantizer()` over
            the last axis, None quantizes weights only.
    """

    _keras_module = "keras.quantizers"

    def __init__(self, weight_quantizer=None, activation_quantizer="default"):
        from cornu.quantizers.quantizers import AbsMaxQuantizer
        if isinstance(activation_quantizer, str) and activation_quantizer == "default":
            activation_quantizer = AbsMaxQuantizer()
        super().__init__(weight_quantizer, activation_quantizer)
        if self.weight_quantizer is not None and self.weight_quantizer.output_dtype != "int8":
            raise ValueError(
                "Int8QuantizationConfig requires a weight_quantizer with output_dtype='int8'. "
                f"Received: output_dtype={self.weight_quantizer.output_dtype}")

    @property
    def mode(self):
        return "int8"


class Int4QuantizationConfig(QuantizationConfig):
    """Int4 quantization config.

    Args:
        weight_quantizer: the quantizer of weights (value_range (-8, 7), output_dtype "int8").
        activation_quantizer: the quantizer of inputs; "default" means None (weights only).
        block_size: a positive group size along the input dimension (sub-channel
            quantization with a zero point per group), or None / -1 for one scale per
            output channel.
    """

    _keras_module = "keras.quantizers"

    def __init__(self, weight_quantizer=None, activation_quantizer="default", block_size=128):
        if isinstance(activation_quantizer, str) and activation_quantizer == "default":
            activation_quantizer = None
        super().__init__(weight_quantizer, activation_quantizer)
        if block_size is not None and block_size != -1 and block_size <= 0:
            raise ValueError("block_size must be None, -1, or a positive integer. "
                             f"Received: block_size={block_size}")
        self.block_size = block_size
        if (block_size is not None and block_size > 0
                and (self.weight_quantizer is not None or self.activation_quantizer is not None)):
            raise ValueError(
                "Int4 sub-channel quantization (block_size > 0) does not support custom "
                "quantizers. Either set block_size to None or -1 for per-channel "
                "quantization, or remove the custom quantizer arguments. Received: "
                f"block_size={block_size}")
        if self.weight_quantizer is not None:
            if tuple(self.weight_quantizer.value_range) != (-8, 7):
                raise ValueError(
                    "Int4QuantizationConfig requires a weight_quantizer with value_range=(-8, "
                    f"7). Received: value_range={self.weight_quantizer.value_range}")
            if self.weight_quantizer.output_dtype != "int8":
                raise ValueError(
                    "Int4QuantizationConfig requires a weight_quantizer with output_dtype="
                    f"'int8'. Received: output_dtype={self.weight_quantizer.output_dtype}")

    @property
    def mode(self):
        return "int4"

    def get_config(self):
        config = super().get_config()
        config["block_size"] = self.block_size
        return config

    @classmethod
    def from_config(cls, config):
        # Files written before `block_size` existed used per-channel quantization.
        return cls(weight_quantizer=_deserialize(config.get("weight_quantizer")),
                   activation_quantizer=_deserialize(config.get("activation_quantizer")),
                   block_size=config.get("block_size", None))


class Float8QuantizationConfig(QuantizationConfig):
    """Float8 training config; it takes no quantizers (only marks the "float8" mode)."""

    _keras_module = "keras.quantizers"

    def __init__(self):
        super().__init__(None, None)

    @property
    def mode(self):
        return "float8"

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls()


def validate_and_resolve_config(mode, config):
    """The config `quantize(mode, config)` runs with: a default one for `mode` when `config`
    is None (a mode string passed as `config` is a mode), after checking the two agree."""
    if isinstance(config, str):
        mode, config = config, None
    _validate_mode(mode)
    if config is None:
        if mode == "int8":
            config = Int8QuantizationConfig()
        elif mode == "int4":
            config = Int4QuantizationConfig()
        elif mode == "float8":
            config = Float8QuantizationConfig()
        elif mode in UNSUPPORTED_MODES:
            raise unsupported_mode_error(mode)
        else:
            raise ValueError("You must provide either `mode` or `config` to `quantize`.")
    elif not isinstance(config, QuantizationConfig):
        raise ValueError("Argument `config` must be an instance of `QuantizationConfig`. "
                         f"Received: config={config} (of type {type(config)})")
    if mode is not None and config.mode != mode:
        raise ValueError(f"Contradictory arguments: mode='{mode}' but config.mode='{config.mode}'")
    _validate_mode(config.mode)
    if config.mode in UNSUPPORTED_MODES:
        raise unsupported_mode_error(config.mode)
    return config


def unsupported_mode_error(mode):
    return NotImplementedError(
        f"Quantization mode '{mode}' is not supported by cornu yet. Supported modes: "
        f"{SUPPORTED_MODES}.")


def _validate_mode(mode):
    if mode is not None and mode not in QUANTIZATION_MODES:
        raise ValueError(f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. "
                         f"Received: mode={mode}")


def block_size_for_layer(layer, config):
    """The int4 block size a layer quantizes (or builds) with: from an
    `Int4QuantizationConfig`, else from its `Int4DTypePolicy`; None means per-channel."""
    from cornu.dtype_policies import Int4DTypePolicy
    if isinstance(config, Int4QuantizationConfig):
        return config.block_size
    policy = layer.dtype_policy
    if isinstance(policy, Int4DTypePolicy):
        return None if policy.block_size == -1 else policy.block_size
    return None


def is_grouped(block_size):
    return block_size is not None and block_size != -1
