"""SwapEMAWeights against Keras 3 (torch backend): the same model, data and optimizer with
`use_ema`, trained with the callback, gives the same losses, validation losses, weights seen
by later callbacks, and final weights."""

import os

import numpy as np
import pytest

import cornu
from tests.callbacks.callback_models import noise_validation, regression_data, small_model

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")


def _optimizers(lib):
    return lib.optimizers.SGD(learning_rate=0.05, momentum=0.5, use_ema=True, ema_momentum=0.8)


def _pair():
    model = small_model(_optimizers(cornu))
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                               keras.layers.Dense(1)])
    theirs.set_weights(model.get_weights())
    theirs.compile(_optimizers(keras), "mse")
    return model, theirs


def _recorder(lib, model, store):
    """Records the weights other callbacks see: after epochs, at epoch starts, in tests."""
    def record(hook):
        return lambda *args: store.append((hook, [np.array(w) for w in model.get_weights()]))

    return lib.callbacks.LambdaCallback(
        on_epoch_begin=record("epoch_begin"), on_epoch_end=record("epoch_end"),
        on_test_begin=record("test_begin"), on_test_end=record("test_end"))


def _assert_close(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("swap_on_epoch", [False, True])
def test_fit_and_evaluate_match_keras(swap_on_epoch):
    x, y = regression_data()
    validation = noise_validation()
    results = []
    for lib, model in zip((cornu, keras), _pair()):
        seen = []
        callbacks = [lib.callbacks.SwapEMAWeights(swap_on_epoch=swap_on_epoch),
                     _recorder(lib, model, seen)]
        history = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0,
                            validation_data=validation, callbacks=callbacks)
        evaluated = model.evaluate(*validation, verbose=0, callbacks=callbacks[:1])
        results.append((history.history, seen, model.get_weights(), evaluated))
    (ours, our_seen, our_weights, our_eval), (theirs, their_seen, their_weights, their_eval) = \
        results
    assert ours.keys() == theirs.keys()
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5, atol=1e-6)
    assert [hook for hook, _ in our_seen] == [hook for hook, _ in their_seen]
    for (_, mine), (_, expected) in zip(our_seen, their_seen):
        _assert_close(mine, expected)
    _assert_close(our_weights, their_weights)
    np.testing.assert_allclose(our_eval, their_eval, rtol=1e-5)


def test_validation_uses_the_averages_and_training_resumes_from_its_own_weights():
    x, y = regression_data()
    model = small_model(_optimizers(cornu))
    seen = []
    model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0,
              validation_data=noise_validation(),
              callbacks=[cornu.callbacks.SwapEMAWeights(), _recorder(cornu, model, seen)])
    hooks = [hook for hook, _ in seen]
    assert hooks == ["epoch_begin", "test_begin", "test_end", "epoch_end"] * 2
    trained, averaged = seen[3][1], seen[1][1]
    assert not np.allclose(trained[0], averaged[0])
    _assert_close(seen[2][1], trained)  # swapped back before the epoch ends


def test_predict_swaps_back():
    x, y = regression_data()
    model = small_model(_optimizers(cornu))
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    averages = [a.detach().numpy().copy() for a in model.optimizer._averages]
    before = model.get_weights()
    swap = cornu.callbacks.SwapEMAWeights()
    with_averages = model.predict(x, verbose=0, callbacks=[swap])
    _assert_close(model.get_weights(), before)
    model.set_weights(averages)
    np.testing.assert_allclose(with_averages, model.predict(x, verbose=0), rtol=1e-6)


def test_fit_ends_with_the_averaged_weights_as_in_keras():
    x, y = regression_data()
    finals = []
    for model in _pair():
        model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        finals.append(model.get_weights())
    _assert_close(*finals)


def test_requires_use_ema():
    model = small_model(cornu.optimizers.SGD())
    x, y = regression_data()
    with pytest.raises(ValueError, match="use_ema"):
        model.evaluate(x, y, verbose=0, callbacks=[cornu.callbacks.SwapEMAWeights()])
