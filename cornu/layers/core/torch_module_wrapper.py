"""`TorchModuleWrapper`: any `torch.nn.Module` used as a layer."""

import base64
import io

import numpy as np
import torch

from cornu.backend import symbolic
from cornu.backend.config import device as default_device
from cornu.layers.layer import Layer
from cornu.saving.safe_mode import in_safe_mode


def _has_lazy_params(module):
    return any(isinstance(m, torch.nn.modules.lazy.LazyModuleMixin)
               and m.has_uninitialized_params() for m in module.modules())


class TorchModuleWrapper(Layer):
    """Makes a `torch.nn.Module` a layer of Functional and Sequential models.

    The module's parameters are the layer's weights (trained by `fit`, counted by
    `summary()`); `training=False` puts the module in eval mode, otherwise train mode (as
    Keras). Lazy modules (`nn.LazyLinear`, ...) are materialized when the layer is built.

    Args:
        module: the `torch.nn.Module` to wrap.
        output_shape: optional output shape (batch dim included), skipping shape inference.
    """

    def __init__(self, module, name=None, output_shape=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if not isinstance(module, torch.nn.Module):
            raise ValueError(f"TorchModuleWrapper '{self.name}': `module` must be a "
                             f"torch.nn.Module. Received: module={type(module).__name__}")
        self.module = module.to(default_device())
        self._output_shape = None if output_shape is None else _to_tuples(output_shape)
        self._grad_flags = None
        self.built = not _has_lazy_params(self.module)
        if self.built:
            self._name_parameters()

    def _name_parameters(self):
        """Gives each module parameter a Keras-style `path` ("layer_name/0.weight")."""
        for key, param in self.module.named_parameters():
            param.path = f"{self.name}/{key}"

    def build(self, input_shape):
        if _has_lazy_params(self.module):
            shape = tuple(1 if d is None else d for d in input_shape)
            param = next(iter(self.module.parameters()), None)
            device = param.device if param is not None else default_device()
            with torch.no_grad():
                self.module(torch.zeros(shape, device=device))
        self._name_parameters()
        self.built = True

    def call(self, inputs, *args, training=None, **kwargs):
        self.module.train(training is not False)
        return self.module(inputs, *args, **kwargs)

    def _sync_requires_grad(self):
        super()._sync_requires_grad()
        params = list(self.module.parameters())
        if not self._trainable:
            if self._grad_flags is None:
                self._grad_flags = [p.requires_grad for p in params]
            for p in params:
                p.requires_grad_(False)
        elif self._grad_flags is not None:
            for p, flag in zip(params, self._grad_flags):
                p.requires_grad_(flag)
            self._grad_flags = None

    def compute_output_shape(self, input_shape):
        if self._output_shape is not None:
            return self._output_shape
        return super().compute_output_shape(input_shape)

    def compute_output_spec(self, *args, **kwargs):
        if self._output_shape is None:  # a shape-only run keeps the module's output dtypes
            return symbolic.infer_output_spec(self._call_for_inference, args, kwargs)
        return super().compute_output_spec(*args, **kwargs)

    def save_own_variables(self, store):
        """Writes the module's `state_dict` (parameters and buffers), as Keras does."""
        for key, value in self.module.state_dict().items():
            store[key] = value.detach().cpu().numpy()

    def load_own_variables(self, store):
        state = {}
        for key in store.keys():
            name = key.decode() if isinstance(key, bytes) else key
            state[name] = torch.as_tensor(np.asarray(store[key]))
        self.module.load_state_dict(state)

    def get_config(self):
        config = super().get_config()
        buffer = io.BytesIO()
        torch.save(self.module, buffer)
        config["module"] = base64.b64encode(buffer.getvalue()).decode("ascii")
        config["output_shape"] = (None if self._output_shape is None
                                  else _to_lists(self._output_shape))
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("module"), str):
            if in_safe_mode():
                raise ValueError(
                    "Refusing to load a `TorchModuleWrapper` whose module is stored as a pickle: "
                    "`torch.load` of it could run arbitrary code. If you trust the source, load "
                    "with `safe_mode=False` (or inside `safe_mode_scope(False)`).")
            data = io.BytesIO(base64.b64decode(config["module"].encode("ascii")))
            config["module"] = torch.load(data, weights_only=False)
        return super().from_config(config)


def _to_tuples(shape):
    if isinstance(shape, (list, tuple)) and all(d is None or isinstance(d, int) for d in shape):
        return tuple(shape)
    return [_to_tuples(s) for s in shape]


def _to_lists(shape):
    return [_to_lists(s) for s in shape] if isinstance(shape, (list, tuple)) else shape
