"""Variables marked `overwrite_with_gradient` take their gradient as their value, as in
Keras, while the others get the optimizer's update."""

import numpy as np
import pytest
import torch

from tests.optimizers.optimizer_helpers import NAMES, cornu, data, keras

MARKED = {1, 4}  # "dense_bias" and "wide"


def _run(lib, kwargs, init, grads, through_step):
    opt = getattr(lib.optimizers, "AdamW")(**kwargs)
    variables = [lib.Variable(torch.tensor(v) if lib is cornu else v, name=n)
                 for v, n in zip(init, NAMES)]
    for i in MARKED:
        variables[i].overwrite_with_gradient = True
    for step_grads in grads:
        if through_step:
            for v, g in zip(variables, step_grads):
                v.grad = torch.tensor(g)
            opt.step(variables)
        else:
            opt.apply([torch.tensor(g) for g in step_grads], variables)
    return [np.array(keras.ops.convert_to_numpy(v)) for v in variables], [
        v.name for v in opt.variables]


@pytest.mark.parametrize("through_step", [True, False])
@pytest.mark.parametrize("kwargs", [
    {"learning_rate": 0.01, "weight_decay": 0.1},
    {"learning_rate": 0.01, "gradient_accumulation_steps": 3, "clipnorm": 0.5},
    {"learning_rate": 0.01, "use_ema": True, "ema_overwrite_frequency": 2},
])
def test_overwritten_and_updated_variables_match_keras(kwargs, through_step):
    init, grads = data(seed=3)
    expected, keras_slots = _run(keras, kwargs, init, grads, through_step=False)
    result, slots = _run(cornu, kwargs, init, grads, through_step)
    assert slots == keras_slots  # no moments or averages for the overwritten weights
    for i, (mine, theirs) in enumerate(zip(result, expected)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6, err_msg=NAMES[i])
    if "gradient_accumulation_steps" not in kwargs and "use_ema" not in kwargs:
        for i in MARKED:
            np.testing.assert_array_equal(result[i], grads[-1][i])


def test_add_weight_carries_the_flag():
    layer = cornu.layers.Layer()
    weight = layer.add_weight(shape=(2,), overwrite_with_gradient=True, aggregation="mean",
                              autocast=False)
    assert (weight.overwrite_with_gradient, weight.aggregation, weight.autocast) == (
        True, "mean", False)
