"""A layer's `input_spec` is checked on every call, with Keras's rules and clear errors."""

import numpy as np
import pytest
import torch

import cornu

keras = pytest.importorskip("keras")


def _layer(module, spec):
    class Checked(module.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.input_spec = spec(module)

        def call(self, x):
            return x

    return Checked(name="checked")


CASES = [
    (lambda m: m.InputSpec(ndim=2), (2, 3, 4), "expected ndim=2, found ndim=3"),
    (lambda m: m.InputSpec(min_ndim=3), (2, 3), "expected min_ndim=3, found ndim=2"),
    (lambda m: m.InputSpec(max_ndim=2), (2, 3, 4), "expected max_ndim=2, found ndim=3"),
    (lambda m: m.InputSpec(axes={-1: 3}), (2, 4), "expected axis -1 of input shape to have "
                                                  "value 3"),
    (lambda m: m.InputSpec(shape=(None, 5)), (2, 4), "expected shape=(None, 5)"),
    (lambda m: m.InputSpec(ndim=2, axes={1: 4}), (5, 4), None),
    (lambda m: m.InputSpec(shape=(None, 4)), (7, 4), None),
    (lambda m: m.InputSpec(min_ndim=2, axes={-1: 4}), (3, 2, 4), None),
]


@pytest.mark.parametrize("spec, shape, message", CASES)
def test_accepts_and_rejects_what_keras_does(spec, shape, message):
    x = np.zeros(shape, "float32")
    for module in (keras, cornu):
        layer = _layer(module, spec)
        if message is None:
            np.testing.assert_array_equal(np.asarray(layer(x)), x)
        else:
            with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
                layer(x)


def test_errors_name_the_layer_and_the_input_and_come_at_graph_building():
    layer = _layer(cornu, lambda m: m.InputSpec(ndim=2, axes={-1: 3}))
    with pytest.raises(ValueError, match=r"Input 0 of layer 'checked'.*axis -1.*\(None, 4\)"):
        layer(cornu.Input((4,)))
    out = layer(cornu.Input((3,)))
    assert tuple(out.shape) == (None, 3)


def test_one_spec_per_input_and_optional_inputs():
    class Pair(cornu.layers.Layer):
        def __init__(self):
            super().__init__(name="pair")
            self.input_spec = [cornu.InputSpec(ndim=2), cornu.InputSpec(ndim=3, optional=True)]

        def call(self, inputs):
            return inputs[0]

    layer = Pair()
    layer([torch.zeros(2, 3), torch.zeros(2, 3, 4)])
    layer([torch.zeros(2, 3), None])
    with pytest.raises(ValueError, match="Input 1 of layer 'pair'.*expected ndim=3, found ndim=2"):
        layer([torch.zeros(2, 3), torch.zeros(2, 3)])
    with pytest.raises(ValueError, match="'pair' expects 2 input"):
        layer(torch.zeros(2, 3))


def test_dtype_and_checks_on_a_built_layer():
    layer = _layer(cornu, lambda m: m.InputSpec(dtype="int32"))
    layer(torch.zeros(2, dtype=torch.int32))
    assert layer.built
    # A built layer with a spec stays off the unchecked fast path.
    with pytest.raises(ValueError, match="expected dtype=int32, found dtype=float32"):
        layer(torch.zeros(2))


def test_config_round_trip_and_repr_match_keras():
    ours = cornu.InputSpec(ndim=2, axes={-1: 3})
    theirs = keras.InputSpec(ndim=2, axes={-1: 3})
    assert ours.get_config() == theirs.get_config()
    assert repr(ours) == repr(theirs)
    assert cornu.InputSpec.from_config(ours.get_config()).axes == {-1: 3}
