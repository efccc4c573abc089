"""`config.disable_interactive_logging()` sends progress, callback and summary output to logging."""

import logging

import numpy as np
import pytest

import cornu as keras

X = np.random.default_rng(0).standard_normal((32, 3)).astype("float32")
Y = X.sum(1, keepdims=True)


@pytest.fixture
def logging_off():
    keras.config.disable_interactive_logging()
    yield
    keras.config.enable_interactive_logging()


def _fit(tmp_path, **kwargs):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)], name="tiny")
    # A zero learning rate keeps the loss flat: EarlyStopping stops after the second epoch.
    model.compile(keras.optimizers.SGD(0.0), "mse")
    callbacks = [keras.callbacks.EarlyStopping("loss", min_delta=1e-3, patience=0,
                                               verbose=1),
                 keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), verbose=1)]
    model.fit(X, Y, epochs=3, batch_size=8, callbacks=callbacks, **kwargs)
    model.summary()
    return model


def test_output_goes_to_stdout_by_default(tmp_path, capsys, caplog):
    assert keras.config.is_interactive_logging_enabled()
    with caplog.at_level(logging.INFO, logger="cornu"):
        _fit(tmp_path, verbose=1)
    out = capsys.readouterr().out
    for text in ("Epoch 1/3", "4/4", "saving model to", "early stopping", 'Model: "tiny"'):
        assert text in out
    assert not [r for r in caplog.records if r.name == "cornu"]


@pytest.mark.parametrize("verbose", [1, 2])
def test_disabled_interactive_logging_logs_plain_lines(tmp_path, capsys, caplog, logging_off,
                                                       verbose):
    assert not keras.config.is_interactive_logging_enabled()
    with caplog.at_level(logging.INFO, logger="cornu"):
        _fit(tmp_path, verbose=verbose)
    assert capsys.readouterr().out == ""
    messages = [r.getMessage() for r in caplog.records if r.name == "cornu"]
    assert messages[0] == "Epoch 1/3"
    progress = [m for m in messages if m.startswith("4/4")]
    # One line per epoch run: no redraws, colours or \r.
    assert len(progress) == 2
    assert all("\x1b" not in m and "\r" not in m and "\b" not in m for m in messages)
    assert any("loss:" in m for m in progress)
    assert any("saving model to" in m for m in messages)
    assert any("early stopping" in m for m in messages)
    summary = [m for m in messages if m.startswith('Model: "tiny"')]
    assert len(summary) == 1 and "(Dense)" in summary[0] and "Trainable params: 4" in summary[0]
