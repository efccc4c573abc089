"""`TimeDistributed`: applies a layer to every time step of a sequence."""

from cornu.layers.core.wrapper import Wrapper
from cornu.layers.nested_layers import build_sublayer
from cornu.utils import tree


class TimeDistributed(Wrapper):
    """Applies `layer` to each slice `inputs[:, t]` of a `(batch, time, ...)` input.

    The time axis is folded into the batch, so the wrapped layer runs once on
    `(batch * time, ...)`: the same weights at every step, in one call. A mask
    `(batch, time)` is folded the same way for layers that take one.

    Args:
        layer: the `Layer` to apply at every step.
    """

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _child_shape(self, input_shape):
        input_shape = tuple(input_shape) if isinstance(input_shape, (list, tuple)) else None
        if input_shape is None or len(input_shape) < 3:
            raise ValueError(f"Layer '{self.name}' (TimeDistributed) expects inputs of shape "
                             f"(batch, time, ...) with at least 3 dimensions. Received: "
                             f"input_shape={input_shape}")
        return (input_shape[0],) + input_shape[2:]

    def build(self, input_shape):
        build_sublayer(self.layer, self._child_shape(input_shape), self)
        self.built = True

    def compute_output_shape(self, input_shape):
        time = tuple(input_shape)[1]
        child = self.layer.compute_output_shape(self._child_shape(input_shape))

        def with_time(shape):
            return (shape[0], time) + tuple(shape[1:])

        if all(d is None or isinstance(d, int) for d in child):
            return with_time(child)
        return [with_time(s) for s in child]

    def call(self, inputs, training=None, mask=None):
        batch, time = inputs.shape[0], inputs.shape[1]
        kwargs = {}
        signature = self.layer._signature
        if signature.has_training and training is not None:
            kwargs["training"] = training
        if mask is not None:
            if mask.ndim < 2 or tuple(mask.shape[:2]) != (batch, time):
                raise ValueError(
                    f"Layer '{self.name}' (TimeDistributed) expects a mask whose first two "
                    f"dimensions are (batch, time) = {(batch, time)}. Received: mask shape "
                    f"{tuple(mask.shape)}")
            if signature.has_mask:
                kwargs["mask"] = mask.reshape((batch * time,) + tuple(mask.shape[2:]))
        outputs = self.layer(inputs.reshape((batch * time,) + tuple(inputs.shape[2:])), **kwargs)
        return tree.map_structure(
            lambda o: o.reshape((batch, time) + tuple(o.shape[1:])), outputs)
