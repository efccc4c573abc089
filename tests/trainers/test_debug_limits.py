"""`config.set_max_epochs` / `set_max_steps_per_epoch` cap runs as in Keras."""

import os
import subprocess
import sys

import numpy as np
import pytest

import cornu

keras = pytest.importorskip("keras")
X = np.random.default_rng(0).standard_normal((40, 3)).astype("float32")
Y = X.sum(1, keepdims=True)


class BatchCounter:
    def __init__(self, module):
        class Counter(module.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.train, self.test, self.predict = 0, 0, 0

            def on_train_batch_end(self, batch, logs=None):
                self.train += 1

            def on_test_batch_end(self, batch, logs=None):
                self.test += 1

            def on_predict_batch_end(self, batch, logs=None):
                self.predict += 1

        self.callback = Counter()


def _run(module):
    module.config.set_max_epochs(2)
    module.config.set_max_steps_per_epoch(3)
    try:
        model = module.Sequential([module.Input((3,)), module.layers.Dense(1)])
        model.compile("sgd", "mse")
        counter = BatchCounter(module).callback
        with pytest.warns(UserWarning, match="Limiting"):
            history = model.fit(X, Y, batch_size=4, epochs=5, validation_data=(X, Y),
                                callbacks=[counter], verbose=0)
        with pytest.warns(UserWarning, match="Limiting steps_per_epoch to 3"):
            model.evaluate(X, Y, batch_size=4, callbacks=[counter], verbose=0)
        with pytest.warns(UserWarning, match="Limiting steps_per_epoch to 3"):
            predictions = model.predict(X, batch_size=4, callbacks=[counter], verbose=0)
        return (len(history.history["loss"]), counter.train, counter.test, counter.predict,
                predictions.shape)
    finally:
        module.config.set_max_epochs(None)
        module.config.set_max_steps_per_epoch(None)


def test_caps_epochs_and_steps_like_keras():
    ours = _run(cornu)
    assert ours == _run(keras)
    assert ours[:3] == (2, 6, 6 + 3)
    assert cornu.config.max_epochs() is None and cornu.config.max_steps_per_epoch() is None


def test_caps_come_from_the_environment():
    code = ("import cornu; print(cornu.config.max_epochs(), cornu.config.max_steps_per_epoch())")
    env = dict(os.environ, KERAS_MAX_EPOCHS="3", CORNU_MAX_STEPS_PER_EPOCH="7")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["3", "7"]
