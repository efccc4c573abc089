"""LoRA (low-rank adaptation) of `Dense`, `EinsumDense`, `Embedding` and the convolutions.

`enable_lora(rank)` freezes the layer's weight `W` (`kernel`, or `embeddings`) and adds the
trainable float32 factors `lora_<W>_a` (shape `W.shape[:-1] + (rank,)`) and `lora_<W>_b`
(`(rank, W.shape[-1])`); the layer then computes with
`W + (lora_alpha / lora_rank) * lora_<W>_a @ lora_<W>_b`, as Keras does.

A float layer keeps `kernel` as a plain parameter attribute, so its call path costs nothing
more. Enabling LoRA moves the instance to a subclass of its class (made once per class, with
the same name and module) whose `kernel` is a property giving the merged weight, the way
`torch.nn.utils.parametrize` swaps a module's class. That subclass also saves the merged
weight in the layer's usual slots (the file reads as an un-LoRA'd layer, Keras's convention).

On an int8 / int4 layer (Keras's QLoRA) the weight attribute stays the quantized variable: the
quantized call adds `(lora_alpha / lora_rank) * (x @ lora_<W>_a) @ lora_<W>_b`, and saving
merges the product into the dequantized weight and quantizes it again
(`cornu/quantizers/quantized_layers.py`). float8 layers take no LoRA.
"""

import numpy as np
import torch

from cornu import initializers

_LORA_CLASSES = {}


class LoRAMixin:
    """`enable_lora` and the LoRA settings of a layer whose weight `_lora_weight` can be
    adapted. The layer calls `_init_lora` in `__init__` and `_build_lora` at the end of
    `build`, and adds `_lora_config()` to its config."""

    _lora_weight = "kernel"

    def _init_lora(self, lora_rank, lora_alpha):
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False

    def _build_lora(self):
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    def _lora_config(self):
        if not self.lora_rank:
            return {}
        return {"lora_rank": self.lora_rank, "lora_alpha": self.lora_alpha}

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform",
                    b_initializer="zeros"):
        """Freezes the layer's weight and adds trainable low-rank factors to it.

        Args:
            rank: the rank of the factors.
            lora_alpha: the factors' product is scaled by `lora_alpha / rank`; `rank` when
                None (a scale of 1).
            a_initializer: initializer of the first factor ("he_uniform").
            b_initializer: initializer of the second factor ("zeros", so that the layer's
                output does not change when LoRA is enabled).
        """
        from cornu.layers.layer import Layer

        name = self._lora_weight
        if getattr(self, f"{name}_constraint", None):
            what, arg = (("embedding", "embeddings") if name == "embeddings"
                         else ("kernel", "kernel"))
            raise ValueError(f"Lora is incompatible with {what} constraints. In order to "
                             f"enable lora on this layer, remove the `{arg}_constraint` "
                             "argument.")
        if not self.built:
            raise ValueError("Cannot enable lora on a layer that isn't yet built.")
        if self.lora_enabled:
            raise ValueError("lora is already enabled. This can only be done once per layer.")
        if not isinstance(rank, int) or isinstance(rank, bool) or rank <= 0:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}): `rank` must be a "
                             f"positive integer. Received: rank={rank!r}")
        if self.quantization_mode not in (None, "int8", "int4"):
            raise NotImplementedError(
                f"Layer '{self.name}' ({type(self).__name__}): LoRA on a quantized layer "
                f"of mode '{self.quantization_mode}' is not supported (only int8 and int4 "
                "layers take LoRA).")
        base = self._parameters[name]
        # The unpacked, float weight's shape (an int4 weight is stored packed).
        shape = (tuple(base.shape) if self.quantization_mode is None
                 else self._quantized_float_shape())
        regularizer = getattr(self, f"{name}_regularizer", None)
        self.add_weight(name=f"lora_{name}_a", shape=shape[:-1] + (rank,),
                        initializer=initializers.get(a_initializer), dtype="float32",
                        regularizer=regularizer)
        self.add_weight(name=f"lora_{name}_b", shape=(rank, shape[-1]),
                        initializer=initializers.get(b_initializer), dtype="float32",
                        regularizer=regularizer)
        base.trainable = False
        self.__class__ = lora_class(type(self))
        self.lora_enabled = True
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank
        Layer._trainable_version += 1


class _LoRAEnabled:
    """What a LoRA-enabled layer adds to its class: the merged weight as a property, Keras's
    weight order and saved layout, and refusals of what it cannot do."""

    def __new__(cls, *args, **kwargs):
        # `type(layer)(...)` and `type(layer).from_config(...)` (e.g. `clone_model`) make a
        # layer of the class itself, which enables LoRA on build if its config asks.
        return cls._lora_base_class(*args, **kwargs)

    def _lora_merged(self):
        params = self._parameters
        name = self._lora_weight
        if name not in params:  # between removing the float weight and quantizing it
            raise AttributeError(f"Layer '{self.name}' has no {name} now.")
        if getattr(self, "_is_quantized", False):
            # A quantized layer adds the factors' term in its call; its weight attribute
            # stays the quantized variable.
            return params[name]
        delta = torch.matmul(params[f"lora_{name}_a"], params[f"lora_{name}_b"])
        merged = params[name] + (self.lora_alpha / self.lora_rank) * delta
        return merged.to(self._compute_torch_dtype)

    def _lora_factors(self):
        name = self._lora_weight
        return self._parameters[f"lora_{name}_a"], self._parameters[f"lora_{name}_b"]

    @property
    def weights(self):
        # Keras keeps the frozen weight where it was created, among the trainable ones (a
        # quantized weight is created frozen).
        base = (None if getattr(self, "_is_quantized", False)
                else self._parameters[self._lora_weight])
        own = self._own_variables
        ordered = ([v for v in own if v._trainable or v is base]
                   + [v for v in own if not v._trainable and v is not base])
        rest = [w for w in super().weights if not any(w is v for v in own)]
        return ordered + rest

    variables = weights

    def _lora_saved_variables(self):
        """The variables in the layer's usual saving order, without the factors."""
        factors = self._lora_factors()
        return [v for v in self._own_variables if not any(v is f for f in factors)]

    def save_own_variables(self, store):
        """Saves the merged weight in the place of the frozen one, then the other variables
        (the factors are not saved), as Keras does."""
        base = self._parameters[self._lora_weight]
        for i, variable in enumerate(self._lora_saved_variables()):
            store[str(i)] = self._lora_merged().detach() if variable is base else variable

    def load_own_variables(self, store):
        """Loads the (merged) weight and the other variables, and zeroes the factors."""
        variables = self._lora_saved_variables()
        if len(store) != len(variables):
            raise ValueError(f"Layer '{self.name}' expected {len(variables)} variables, but "
                             f"received {len(store)} variables during loading.")
        values = []
        for i, v in enumerate(variables):
            shape = tuple(v.shape)
            value = (store.read(str(i), shape) if hasattr(store, "read")
                     else np.asarray(store[str(i)]))
            if tuple(value.shape) != shape:
                raise ValueError(f"Layer '{self.name}' variable {i} has shape {shape}, but "
                                 f"the stored value has shape {tuple(value.shape)}.")
            values.append(value)
        with torch.no_grad():
            for variable, value in zip(variables, values):
                variable.copy_(torch.as_tensor(value).to(dtype=variable.dtype,
                                                         device=variable.device))
            for factor in self._lora_factors():
                factor.zero_()

    def __reduce_ex__(self, protocol):
        # Pickle through the layer's own class: the LoRA class is made at run time.
        reduced = list(torch.nn.Module.__reduce_ex__(self, protocol))
        reduced[0], reduced[1] = _new_lora_layer, (self._lora_base_class,)
        return tuple(reduced)


def _new_lora_layer(base_class):
    cls = lora_class(base_class)
    return base_class.__new__(cls)


def lora_class(cls):
    """The LoRA-enabled subclass of layer class `cls` (made once, same name and module)."""
    if cls in _LORA_CLASSES.values():
        return cls
    sub = _LORA_CLASSES.get(cls)
    if sub is None:
        from cornu.saving import object_registration

        name = cls._lora_weight
        namespace = {
            "__module__": cls.__module__, "__qualname__": cls.__qualname__,
            "__doc__": cls.__doc__, "_lora_base_class": cls,
            name: property(_LoRAEnabled._lora_merged,
                           doc=f"The effective {name}: the frozen one plus the scaled "
                               "product of the LoRA factors."),
            f"_{name}": property(lambda self: self._parameters[name],
                                 doc=f"The frozen {name} (without the LoRA update)."),
        }
        # Serialize under the class's own Keras names.
        for attr in ("_keras_class_name", "_keras_module"):
            if attr in cls.__dict__:
                namespace[attr] = cls.__dict__[attr]
        sub = type(cls.__name__, (_LoRAEnabled, cls), namespace)
        registered = object_registration._GLOBAL_CUSTOM_NAMES.get(cls)
        if registered is not None:
            object_registration._GLOBAL_CUSTOM_NAMES[sub] = registered
        _LORA_CLASSES[cls] = sub
    return sub
