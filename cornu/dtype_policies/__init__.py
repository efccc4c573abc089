"""Dtype policies: the dtype a layer computes in and the dtype its variables are stored in."""

from cornu.backend.config import floatx
from cornu.utils.dtypes import dtype_name, to_torch_dtype

_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}
_global_policy = None
QUANTIZATION_MODES = ("int8", "float8", "int4", "gptq", "awq")


class DTypePolicy:
    """A named dtype policy such as "float32" or "mixed_bfloat16".

    Args:
        name: a dtype name, or "mixed_float16" / "mixed_bfloat16" (compute in half precision,
            keep variables in float32).
    """

    def __init__(self, name=None):
        name = name or floatx()
        if name in _MIXED:
            self._compute, self._variable = _MIXED[name], "float32"
        else:
            try:
                self._compute = self._variable = dtype_name(name)
            except (ValueError, KeyError):
                raise ValueError(
                    f"Cannot interpret dtype policy {name!r}. Expected a dtype name such as "
                    "'float32', or 'mixed_float16' / 'mixed_bfloat16'.") from None
        self.name = name

    @property
    def compute_dtype(self):
        return self._compute

    @property
    def variable_dtype(self):
        return self._variable

    @property
    def quantization_mode(self):
        """The quantization mode ("int8", ...), None for a float policy."""
        return None

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f'<DTypePolicy "{self.name}">'

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


Policy = DTypePolicy
# Keras 3 names its float policies FloatDTypePolicy in older files and APIs: the same thing.
FloatDTypePolicy = DTypePolicy


class QuantizedDTypePolicy(DTypePolicy):
    """The policy of a quantized layer, named "<mode>_from_<source>" (e.g.
    "int8_from_float32"): weights quantized by `mode`, computing in `source_name`'s dtype.

    Args:
        mode: the quantization mode ("int8", "int4", "float8").
        source_name: the float policy the layer had (the global policy by default).
    """

    _keras_module = "keras.dtype_policies"

    def __init__(self, mode, source_name=None):
        if source_name is None:
            source_name = global_policy().name
        source = DTypePolicy(source_name)
        self._compute, self._variable = source.compute_dtype, source.variable_dtype
        if mode not in QUANTIZATION_MODES:
            raise ValueError(f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. "
                             f"Received: mode={mode}")
        if mode == "int8" and self._compute == "float16":
            raise ValueError(f"Quantization mode='{mode}' doesn't work well with "
                             "compute_dtype='float16'.")
        self.name = f"{mode}_from_{source_name}"
        self._source_name = source_name
        self._quantization_mode = mode

    @property
    def quantization_mode(self):
        return self._quantization_mode

    def __eq__(self, other):
        return (type(other) is type(self) and other.name == self.name
                and other._quantization_mode == self._quantization_mode)

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f'<{type(self).__name__} "{self.name}">'

    def get_config(self):
        return {"mode": self._quantization_mode, "source_name": self._source_name}


class QuantizedFloat8DTypePolicy(QuantizedDTypePolicy):
    """The policy of a float8-trained layer ("float8_from_<source>").

    Args:
        mode: "float8".
        source_name: the float policy the layer had.
        amax_history_length: the length of the amax history the scales are computed from.
    """

    _keras_module = "keras.dtype_policies"

    default_amax_history_length = 1024

    def __init__(self, mode, source_name=None, amax_history_length=1024):
        super().__init__(mode=mode, source_name=source_name)
        if not isinstance(amax_history_length, int):
            raise TypeError("`amax_history_length` must be an integer. "
                            f"Received: amax_history_length={amax_history_length}")
        self._amax_history_length = amax_history_length

    @property
    def amax_history_length(self):
        return self._amax_history_length

    def __eq__(self, other):
        return (super().__eq__(other)
                and self._amax_history_length == other._amax_history_length)

    __hash__ = QuantizedDTypePolicy.__hash__

    def get_config(self):
        config = super().get_config()
        config["amax_history_length"] = self._amax_history_length
        return config


class Int4DTypePolicy(QuantizedDTypePolicy):
    """The policy of an int4 layer, "int4/<block_size>_from_<source>"; block size -1 means
    one scale per output channel.

    Args:
        mode: "int4/<block_size>", e.g. "int4/128".
        source_name: the float policy the layer had.
    """

    _keras_module = "keras.dtype_policies"

    def __init__(self, mode, source_name=None):
        parts = mode.split("/")
        if len(parts) != 2 or parts[0] != "int4":
            raise ValueError("Invalid mode for Int4DTypePolicy. Expected format "
                             f"'int4/<block_size>', but got '{mode}'.")
        try:
            block_size = int(parts[1])
        except ValueError:
            raise ValueError("Invalid mode for Int4DTypePolicy. <block_size> must be an "
                             f"integer. Expected format 'int4/<block_size>', but got "
                             f"'{mode}'.") from None
        if block_size < -1 or block_size == 0:
            raise ValueError("Invalid block_size in mode. Supported values are -1 (per-channel) "
                             f"or a positive integer (sub-channel), but got {block_size} from "
                             f"'{mode}'.")
        super().__init__(mode="int4", source_name=source_name)
        self.name = f"{mode}_from_{self._source_name}"
        self.block_size = block_size

    def __eq__(self, other):
        return super().__eq__(other) and self.block_size == other.block_size

    __hash__ = QuantizedDTypePolicy.__hash__

    def get_config(self):
        config = super().get_config()
        config["mode"] = f"int4/{self.block_size}"
        return config


def _quantized_policy(name):
    """A quantized policy from its name, e.g. "int8_from_float32" or "int4/128_from_float32"."""
    parts = name.split("_from_")
    if len(parts) != 2:
        raise ValueError("Cannot convert `policy` into a valid pair (`mode`, `source_name`) to "
                         f"instantiate `QuantizedDTypePolicy`. Received: policy={name}")
    mode, source_name = parts
    if mode.startswith("int4") and "/" in mode:
        return Int4DTypePolicy(mode, source_name)
    if mode.startswith("float8"):
        return QuantizedFloat8DTypePolicy(mode, source_name)
    return QuantizedDTypePolicy(mode, source_name)


_ALL_OBJECTS = {"DTypePolicy": DTypePolicy, "FloatDTypePolicy": DTypePolicy,
                "Policy": DTypePolicy, "QuantizedDTypePolicy": QuantizedDTypePolicy,
                "QuantizedFloat8DTypePolicy": QuantizedFloat8DTypePolicy,
                "Int4DTypePolicy": Int4DTypePolicy}


def serialize(dtype_policy):
    """Serializes `DTypePolicy` instance.

    Args:
        dtype_policy: A Keras `DTypePolicy` instance.

    Returns:
        `DTypePolicy` configuration dictionary.
    """
    from cornu.saving.serialization_lib import serialize_keras_object
    return serialize_keras_object(dtype_policy)


def deserialize(config, custom_objects=None):
    """Deserializes a serialized `DTypePolicy` instance.

    Args:
        config: `DTypePolicy` configuration.
        custom_objects: Optional dictionary mapping names (strings) to custom
            objects (classes and functions) to be considered during
            deserialization.

    Returns:
        A Keras `DTypePolicy` instance.
    """
    from cornu.saving.serialization_lib import deserialize_keras_object
    module_objects = _ALL_OBJECTS
    if isinstance(config, str) and config not in module_objects and config not in (
            custom_objects or {}):
        return config  # a policy name such as "float16" stays a name, as in Keras
    return deserialize_keras_object(config, custom_objects=custom_objects,
                                    module_objects=module_objects)


def get(identifier):
    """A DTypePolicy from None (the global policy), a name, a config dict, a torch/numpy dtype or a policy."""
    if identifier is None:
        return global_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        if "class_name" in identifier:
            return deserialize(identifier)
        return DTypePolicy(identifier.get("config", identifier).get("name"))
    if isinstance(identifier, str):
        if identifier.startswith(QUANTIZATION_MODES):
            return _quantized_policy(identifier)
        return DTypePolicy(identifier)
    return DTypePolicy(dtype_name(to_torch_dtype(identifier)))


def global_policy():
    """The policy new layers use when they are given no dtype."""
    return _global_policy or DTypePolicy(floatx())


def set_dtype_policy(policy):
    """Sets the global policy (a name or a DTypePolicy; None resets to `floatx()`)."""
    global _global_policy
    _global_policy = None if policy is None else get(policy)


def dtype_policy():
    return global_policy()
