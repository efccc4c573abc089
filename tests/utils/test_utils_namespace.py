"""`cornu.utils` offers Keras's `keras.utils` names; the small helpers behave as Keras's."""

import numpy as np
import pytest

import cornu

keras = pytest.importorskip("keras")

# keras.utils names cornu does not provide, and why.
NOT_PROVIDED = {"legacy"}  # tf.keras-only helpers (Keras raises on every call)


def test_every_keras_utils_name_is_there():
    missing = {n for n in dir(keras.utils) if not n.startswith("_")} - set(dir(cornu.utils))
    assert missing == NOT_PROVIDED, missing ^ NOT_PROVIDED


@pytest.mark.parametrize("args", [(1,), (1, 2), (1, None, 3), (1, 2, 3), ((1, 2),),
                                  ([1, 2], 5), ({"a": 1}, 2)])
def test_pack_and_unpack_match_keras(args):
    packed = cornu.utils.pack_x_y_sample_weight(*args)
    assert packed == keras.utils.pack_x_y_sample_weight(*args)
    assert cornu.utils.unpack_x_y_sample_weight(packed) == \
        keras.utils.unpack_x_y_sample_weight(packed)


def test_get_source_inputs_follows_the_graph():
    a, b, c = cornu.Input((3,)), cornu.Input((2,)), cornu.Input((4,))
    left = cornu.layers.Dense(2)(a)
    inner = cornu.Model([a, b], cornu.layers.Concatenate()([left, b]))
    out = cornu.layers.Concatenate()([inner([a, b]), c, cornu.layers.Dense(1)(b)])
    sources = cornu.utils.get_source_inputs(out)
    assert len(sources) == 3 and all(s is t for s, t in zip(sources, [a, b, c]))
    assert cornu.utils.get_source_inputs(a)[0] is a
    assert cornu.utils.is_keras_tensor(out) and not cornu.utils.is_keras_tensor(np.ones(2))
