"""`OpLayer`: a `cornu.ops` function applied to symbolic tensors, as a graph node."""

from cornu.layers.layer import Layer


class OpLayer(Layer):
    """Wraps a `cornu.ops` function applied to symbolic tensors.

    Args:
        op_name: name of the function in `cornu.ops`.
        kwargs: the op's non-tensor keyword arguments.
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
