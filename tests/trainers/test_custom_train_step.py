"""Keras's "Customizing what happens in `fit()`" recipe for PyTorch, run on cornu and on Keras.

A `Model` subclass built from `inputs` / `outputs` (a Functional subclass) overrides
`train_step` / `test_step`; gradients are read from `v.value.grad` after `loss.backward()`;
`self.metrics` holds the loss tracker and the compiled metrics (one object whose `result()`
is a dict), or the model's own trackers.
"""

import numpy as np
import pytest
import torch

import cornu


def _recipe(keras):
    class CustomModel(keras.Model):
        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]
            with torch.no_grad():
                self.optimizer.apply(gradients, trainable_weights)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    class TrackedModel(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
            self.loss_fn = keras.losses.MeanSquaredError()

        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.loss_fn(y, y_pred)
            loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]
            with torch.no_grad():
                self.optimizer.apply(gradients, trainable_weights)
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            self.loss_tracker.update_state(self.loss_fn(y, y_pred))
            self.mae_metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    return CustomModel, TrackedModel


def _build(keras, cls):
    inputs = keras.Input(shape=(8,))
    hidden = keras.layers.Dense(4, activation="relu")(inputs)
    return cls(inputs, keras.layers.Dense(1)(hidden))


def _data():
    rng = np.random.default_rng(0)
    return rng.random((96, 8), dtype=np.float32), rng.random((96, 1), dtype=np.float32)


def test_functional_subclass_is_functional_and_keeps_its_methods():
    CustomModel, _ = _recipe(cornu)
    model = _build(cornu, CustomModel)
    assert isinstance(model, cornu.Model) and type(model).__name__ == "CustomModel"
    assert model.name.startswith("custom_model")
    _, TrackedModel = _recipe(cornu)
    assert [_build(cornu, TrackedModel).name[:13] for _ in range(2)] == ["tracked_model"] * 2
    assert len(model.layers) == 3 and model.output.shape == (None, 1)
    assert model.predict(_data()[0][:5], verbose=0).shape == (5, 1)

    class Plain(cornu.Model):
        pass

    with pytest.raises(ValueError, match="positional"):
        Plain(3)


@pytest.mark.parametrize("which", [0, 1])
def test_custom_train_step_matches_keras(which):
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("the recipe is Keras's PyTorch one: needs KERAS_BACKEND=torch")
    x, y = _data()
    histories, evaluations = [], []
    for module in (keras, cornu):
        module.utils.set_random_seed(1)
        model = _build(module, _recipe(module)[which])
        if module is cornu:
            model.set_weights(reference_weights)
        else:
            reference_weights = model.get_weights()
        if which == 0:
            model.compile(optimizer=module.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
        else:
            model.compile(optimizer=module.optimizers.SGD(0.1))
        history = model.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0)
        histories.append(history.history)
        if which == 1:
            evaluations.append(model.evaluate(x, y, verbose=0))
    ours, theirs = histories[1], histories[0]
    assert sorted(ours) == sorted(theirs) == ["loss", "mae"]
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5, atol=1e-6)
    if evaluations:
        np.testing.assert_allclose(evaluations[1], evaluations[0], rtol=1e-5, atol=1e-6)


def test_loss_tracker_takes_keras_update_state():
    from cornu.trainers.logs import MeanTracker
    tracker = MeanTracker("loss")
    tracker.update_state(torch.tensor(2.0))
    tracker.update_state(torch.tensor([4.0, 6.0]))
    assert float(tracker.result()) == pytest.approx(4.0)
    tracker.reset_state()
    tracker.update_state(torch.tensor(1.0), sample_weight=3)
    tracker.update_state(torch.tensor([5.0, 9.0]), sample_weight=torch.tensor([1.0, 0.0]))
    assert float(tracker.result()) == pytest.approx((3 * 1.0 + 5.0) / 4)
