"""`OpLayer`: a `cornu.ops` function applied to symbolic tensors, as a graph node.

In saved configs an `OpLayer` is written as Keras writes the operation (`keras.src.ops.numpy`
/ `Add`, with its keyword arguments as the config), so either library loads the other's files.
"""

import re

from cornu.layers.layer import Layer

# Keras's ops outside `keras.src.ops.numpy`, by module.
_KERAS_OP_MODULES = {
    "nn": {"binary_crossentropy", "categorical_crossentropy", "elu", "gelu", "hard_sigmoid",
           "leaky_relu", "log_sigmoid", "log_softmax", "moments", "normalize", "one_hot", "relu",
           "relu6", "selu", "sigmoid", "silu", "softmax", "softplus", "softsign",
           "sparse_categorical_crossentropy"},
    "core": {"cast", "convert_to_tensor", "slice", "stop_gradient", "unstack"},
    "math": {"erf", "logsumexp", "rsqrt", "top_k"},
    "linalg": {"norm"},
}


def keras_op_class(op_name):
    """Keras's class name for an op: `get_item` -> `GetItem`."""
    return "".join(part.capitalize() for part in op_name.split("_"))


def keras_op_module(op_name):
    """Keras's module of an op's class."""
    for module, names in _KERAS_OP_MODULES.items():
        if op_name in names:
            return f"keras.src.ops.{module}"
    return "keras.src.ops.numpy"


class OpLayer(Layer):
    """Wraps a `cornu.ops` function applied to symbolic tensors.

    Args:
        op_name: name of the function in `cornu.ops`.
        op_kwargs: the op's non-tensor keyword arguments.
    """

    def __init__(self, op_name, op_kwargs=None, **kwargs):
        super().__init__(**kwargs)
        self.op_name = op_name
        self.op_kwargs = dict(op_kwargs or {})
        self.built = True
        self._refresh_fast_path()

    def call(self, *args):
        from cornu import ops
        return getattr(ops, self.op_name).__wrapped__(*args, **self.op_kwargs)

    def get_config(self):
        config = super().get_config()
        config.update({"op_name": self.op_name, "op_kwargs": self.op_kwargs})
        return config

    def keras_serialization(self):
        """The operation as Keras serializes it (module, class name, keyword arguments)."""
        class_name = keras_op_class(self.op_name)
        return {"module": keras_op_module(self.op_name), "class_name": class_name,
                "config": {"name": self.name, **self.op_kwargs},
                "registered_name": class_name}

    @classmethod
    def from_keras_operation(cls, class_name, config):
        """Rebuilds the op Keras saved as `class_name` with `config` (its keyword arguments)."""
        from cornu import ops
        op_name = re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()
        fn = getattr(ops, op_name, None)
        if fn is None or not hasattr(fn, "__wrapped__"):
            raise ValueError(f"Unknown operation '{class_name}': cornu.ops has no "
                             f"'{op_name}' that can run in a Functional model.")
        if not isinstance(config, dict):
            raise ValueError(f"Cannot deserialize operation '{class_name}': its config must be "
                             f"a dict. Received: {config!r}")
        kwargs = {k: v for k, v in config.items() if k != "name"}
        return cls(op_name, kwargs, name=config.get("name"))
