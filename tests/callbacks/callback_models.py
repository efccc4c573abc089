"""Shared helpers for the callback tests: small models, data, and a fake model for
feeding the same logs to cornu's and Keras's callbacks."""

import numpy as np

import cornu
from cornu.utils.rng_utils import set_random_seed


def regression_data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4)).astype("float32")
    y = (x @ rng.standard_normal((4, 1)) + 0.1 * rng.standard_normal((n, 1))).astype("float32")
    return x, y


def noise_validation(n=32, seed=1):
    """Validation data with random targets: its loss rises once the model fits the train set."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, 4)).astype("float32"),
            rng.standard_normal((n, 1)).astype("float32"))


def small_model(optimizer=None, seed=0):
    set_random_seed(seed)
    model = cornu.Sequential([cornu.Input((4,)), cornu.layers.Dense(8, activation="relu"),
                              cornu.layers.Dense(1)])
    model.compile(optimizer or cornu.optimizers.Adam(0.05), "mse")
    return model


def weights_recorder(model, store):
    """A LambdaCallback appending the model's weights at the end of every epoch to `store`."""
    return cornu.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: store.append(model.get_weights()))


def assert_same_weights(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


class FakeModel:
    """Just enough of a model for a callback driven by hand: `get_weights` returns the
    epoch index, and saves are recorded instead of written."""

    def __init__(self, optimizer=None):
        self.stop_training = False
        self.optimizer = optimizer
        self.epoch = None
        self.restored = None
        self.saved = []

    def get_weights(self):
        return self.epoch

    def set_weights(self, weights):
        self.restored = weights

    def save(self, filepath, overwrite=True):
        self.saved.append(filepath)

    def save_weights(self, filepath, overwrite=True):
        self.saved.append(filepath)


def drive(callback, model, epoch_logs, batch_logs=None):
    """Runs `callback` through a fake `fit` over the given per-epoch logs.

    Returns the logs dicts as the callback left them (it may add entries).
    """
    callback.set_model(model)
    callback.on_train_begin({})
    seen = []
    for epoch, logs in enumerate(epoch_logs):
        model.epoch = epoch
        callback.on_epoch_begin(epoch, {})
        for batch, blogs in enumerate(batch_logs[epoch] if batch_logs else []):
            callback.on_train_batch_end(batch, dict(blogs))
        logs = dict(logs)
        callback.on_epoch_end(epoch, logs)
        seen.append(logs)
        if model.stop_training:
            break
    callback.on_train_end({})
    return seen
