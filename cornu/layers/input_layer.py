"""`InputLayer` and `Input()`: the entry points of a Functional graph."""

import numpy as np

from cornu.backend.config import floatx
from cornu.backend.keras_tensor import KerasTensor
from cornu.layers.layer import Layer
from cornu.layers.node import Node
from cornu.utils import naming
from cornu.utils.dtypes import data_torch_dtype, dtype_name, is_string


class InputLayer(Layer):
    """Holds the symbolic input of a model.

    Args:
        shape: shape of one sample (without the batch dim).
        batch_size: optional fixed batch size.
        dtype: dtype of the input, "float32" by default.
        batch_shape: full shape including the batch dim (instead of `shape`/`batch_size`).
        name: the layer's name.
        input_tensor: an existing KerasTensor to wrap.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, ragged=None, **kwargs):
        if "batch_input_shape" in kwargs:  # Keras 2 configs
            batch_shape = kwargs.pop("batch_input_shape")
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        for arg, value in (("sparse", sparse), ("ragged", ragged)):
            if value:  # TensorFlow's sparse / ragged tensors; torch has no equivalent here
                raise ValueError(f"`{arg}=True` is not supported with the torch backend")
        kwargs.pop("trainable", None)
        text = dtype is not None and is_string(dtype)  # Keras's string inputs (text layers)
        super().__init__(name=name or naming.auto_name("InputLayer"),
                         dtype=None if text else dtype, **kwargs)
        if shape is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `shape` and `batch_shape` to InputLayer "
                             f"'{self.name}'. Received: shape={shape}, batch_shape={batch_shape}")
        if input_tensor is not None:
            if not isinstance(input_tensor, KerasTensor):
                raise ValueError(f"`input_tensor` must be a KerasTensor. Received: {input_tensor!r}")
            batch_shape = input_tensor.shape
        elif batch_shape is None:
            if shape is None:
                raise ValueError(f"InputLayer '{self.name}' needs a `shape` or a `batch_shape`.")
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size,) + shape
        if any(d is not None and (not isinstance(d, (int, np.integer)) or isinstance(d, bool)
                                  or d < 0) for d in batch_shape):
            raise ValueError(f"InputLayer '{self.name}': every dimension of the input shape must "
                             "be a non-negative integer or None. Received: batch_shape="
                             f"{tuple(batch_shape)}")
        self._batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self._input_dtype = "string" if text else dtype_name(dtype or floatx())
        self._data_torch_dtype = data_torch_dtype(self._input_dtype)  # what data becomes
        self.sparse = self.ragged = False
        self.optional = optional
        self.built = True
        if input_tensor is None:
            input_tensor = KerasTensor(self._batch_shape, self._input_dtype, name=self.name)
        self._input_tensor = input_tensor
        Node(self, (), {}, input_tensor)

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def dtype(self):
        return self._input_dtype

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {"batch_shape": list(self._batch_shape), "dtype": self._input_dtype,
                "sparse": self.sparse, "ragged": self.ragged, "name": self.name,
                "optional": self.optional}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False, ragged=None):
    """Returns a symbolic tensor to start a Functional model with.

    Args:
        shape: shape of one sample, without the batch dim, e.g. `(784,)`; None dims are unknown.
        batch_size: optional fixed batch size.
        dtype: dtype of the data, "float32" by default.
        sparse: TensorFlow's sparse inputs: only False (or None) is supported.
        batch_shape: full shape including the batch dim.
        name: name of the input (and of its InputLayer).
        tensor: an existing KerasTensor to wrap.
        optional: whether the input may be None.
        ragged: TensorFlow's ragged inputs: only False (or None) is supported.
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name, input_tensor=tensor, optional=optional,
                       ragged=ragged)
    return layer.output
