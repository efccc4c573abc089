"""Dtype policies: the dtype a layer computes in and the dtype its variables are stored in."""

from cornu.backend.config import floatx
from cornu.utils.dtypes import dtype_name, to_torch_dtype

_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}
_global_policy = None


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
    module_objects = {"DTypePolicy": DTypePolicy, "FloatDTypePolicy": DTypePolicy,
                      "Policy": DTypePolicy}
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
        config = identifier.get("config", identifier)
        return DTypePolicy(config.get("name"))
    if isinstance(identifier, str):
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
