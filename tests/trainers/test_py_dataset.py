"""`cornu.utils.PyDataset` through `fit` / `evaluate` / `predict`, against arrays and Keras 3."""

import os
import threading
import warnings

import numpy as np
import pytest
import torch

import cornu
from cornu.trainers import data_adapter

os.environ.setdefault("KERAS_BACKEND", "torch")

N, BATCH = 40, 8  # five batches, the last one full


def _data(seed=0, n=N):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 4)).astype("float32"), rng.integers(0, 3, n)


def _dataset_class(base):
    """A PyDataset subclass of `base` (cornu's or Keras's) slicing arrays, logging calls."""

    class Slices(base):
        def __init__(self, x, y, batch_size=BATCH, sample_weight=None, log=None, as_torch=False,
                     **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.sample_weight = x, y, sample_weight
            self.batch_size, self.as_torch = batch_size, as_torch
            self.log = [] if log is None else log
            self.threads = set()

        def __len__(self):
            return -(-len(self.x) // self.batch_size)

        def __getitem__(self, index):
            self.log.append(index)
            self.threads.add(threading.get_ident())
            part = slice(index * self.batch_size, (index + 1) * self.batch_size)
            batch = [self.x[part]] if self.y is None else [self.x[part], self.y[part]]
            if self.sample_weight is not None:
                batch.append(self.sample_weight[part])
            if self.as_torch:
                batch = [torch.as_tensor(b) for b in batch]
            return batch[0] if self.y is None else tuple(batch)

        def on_epoch_begin(self):
            self.log.append("begin")

        def on_epoch_end(self):
            self.log.append("end")

    return Slices


Slices = _dataset_class(cornu.utils.PyDataset)


def _model(lib=cornu, seed=0):
    model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(6, activation="tanh"),
                            lib.layers.Dense(3)])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.5
                       for w in model.get_weights()])
    model.compile(lib.optimizers.SGD(0.1, momentum=0.9),
                  lib.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


def _assert_same_weights(a, b, **tol):
    for u, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(u, v, **(tol or {"rtol": 1e-6, "atol": 1e-7}))


def test_fit_matches_the_array_path_and_keras():
    keras = pytest.importorskip("keras")
    x, y = _data()
    ours, arrays, theirs = _model(), _model(), _model(keras)
    h1 = ours.fit(Slices(x, y), epochs=3, shuffle=False, verbose=0)
    h2 = arrays.fit(x, y, batch_size=BATCH, epochs=3, shuffle=False, verbose=0)
    keras_slices = _dataset_class(keras.utils.PyDataset)
    h3 = theirs.fit(keras_slices(x, y), epochs=3, shuffle=False, verbose=0)
    _assert_same_weights(ours, arrays)
    _assert_same_weights(ours, theirs, rtol=1e-5, atol=1e-6)
    assert sorted(h1.history) == sorted(h3.history)
    for key in h3.history:
        np.testing.assert_allclose(h1.history[key], h2.history[key], rtol=1e-6)
        np.testing.assert_allclose(h1.history[key], h3.history[key], rtol=1e-5)


def test_epoch_hooks_wrap_every_epoch_evaluate_and_predict():
    x, y = _data()
    log = []

    class Marks(cornu.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            log.append(f"epoch{epoch}")

    model = _model()
    model.fit(Slices(x, y, log=log), epochs=2, shuffle=False, verbose=0, callbacks=[Marks()])
    assert log == ["epoch0", "begin", 0, 1, 2, 3, 4, "end", "epoch1", "begin", 0, 1, 2, 3, 4,
                   "end"]
    log.clear()
    model.evaluate(Slices(x, y, log=log), verbose=0)
    model.predict(Slices(x, None, log=log), verbose=0)
    assert log == ["begin", 0, 1, 2, 3, 4, "end"] * 2


def test_shuffle_permutes_the_batch_order_of_every_epoch():
    x, y = _data()
    log = []
    cornu.utils.set_random_seed(3)
    _model().fit(Slices(x, y, log=log), epochs=4, verbose=0)  # shuffle=True by default
    epochs = " ".join(map(str, log)).split("end")[:-1]
    orders = [[int(i) for i in e.replace("begin", "").split()] for e in epochs]
    assert len(orders) == 4 and all(sorted(o) == list(range(5)) for o in orders)
    assert any(o != list(range(5)) for o in orders)


def test_steps_per_epoch_shorter_than_len_goes_on_where_the_last_epoch_stopped():
    # As in Keras: a pass over the batches spans epochs; one that runs out ends its epoch
    # early (with a warning), and the next epoch starts a new pass.
    x, y = _data()
    log = []
    model = _model()
    with pytest.warns(UserWarning, match="ran out of batches after 2 of the 3 steps"):
        history = model.fit(Slices(x, y, log=log), epochs=3, steps_per_epoch=3, shuffle=False,
                            verbose=0)
    assert log == ["begin", 0, 1, 2, "end", "begin", 3, 4, "end", "begin", 0, 1, 2, "end"]
    assert len(history.history["loss"]) == 3
    log.clear()
    model.evaluate(Slices(x, y, log=log), steps=2, verbose=0)
    assert log == ["begin", 0, 1, "end"]


def test_steps_per_epoch_matches_keras_batch_order():
    keras = pytest.importorskip("keras")
    x, y = _data()
    logs = {}
    for lib, base in ((cornu, cornu.utils.PyDataset), (keras, keras.utils.PyDataset)):
        log = logs[lib.__name__] = []

        class Marks(lib.callbacks.Callback):
            def on_train_begin(self, logs=None):
                log.clear()  # Keras reads a batch before training to build its state

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _model(lib).fit(_dataset_class(base)(x, y, log=log), epochs=4, steps_per_epoch=2,
                            shuffle=False, verbose=0, callbacks=[Marks()])
    assert logs["cornu"] == logs["keras"]


def test_evaluate_and_predict_match_the_array_path():
    x, y = _data(1)
    sw = np.random.default_rng(2).random(N).astype("float32")
    model = _model(seed=1)
    got = model.evaluate(Slices(x, y, sample_weight=sw), verbose=0, return_dict=True)
    want = model.evaluate(x, y, sample_weight=sw, batch_size=BATCH, verbose=0, return_dict=True)
    assert got == pytest.approx(want, rel=1e-6)
    np.testing.assert_allclose(model.predict(Slices(x, None), verbose=0),
                               model.predict(x, batch_size=BATCH, verbose=0), rtol=1e-6)
    # (x, y) batches are fine for predict; torch tensors as batches too.
    np.testing.assert_allclose(model.predict(Slices(x, y, as_torch=True), verbose=0),
                               model.predict(x, verbose=0), rtol=1e-6)


def test_validation_data_as_a_py_dataset():
    x, y = _data(0)
    xv, yv = _data(5, n=24)
    ours, arrays = _model(), _model()
    log = []
    h1 = ours.fit(Slices(x, y), validation_data=Slices(xv, yv, log=log), validation_steps=2,
                  epochs=2, shuffle=False, verbose=0)
    h2 = arrays.fit(x, y, validation_data=(xv, yv), validation_steps=2, batch_size=BATCH,
                    epochs=2, shuffle=False, verbose=0)
    assert log == ["begin", 0, 1, "end"] * 2  # every validation run starts from the start
    for key in ("val_loss", "val_accuracy"):
        np.testing.assert_allclose(h1.history[key], h2.history[key], rtol=1e-6)


def test_class_weight_with_a_py_dataset_matches_arrays():
    x, y = _data(2)
    sw = np.random.default_rng(4).random(N).astype("float32")
    cw = {0: 1.0, 1: 3.0, 2: 0.5}
    ours, arrays = _model(), _model()
    ours.fit(Slices(x, y, sample_weight=sw), class_weight=cw, epochs=2, shuffle=False, verbose=0)
    arrays.fit(x, y, sample_weight=sw, class_weight=cw, batch_size=BATCH, epochs=2,
               shuffle=False, verbose=0)
    _assert_same_weights(ours, arrays)


def test_workers_fetch_on_threads_with_the_same_results(monkeypatch):
    x, y = _data()
    serial, threaded = _model(), _model()
    serial.fit(Slices(x, y), epochs=2, shuffle=False, verbose=0)
    data = Slices(x, y, workers=2, max_queue_size=3)
    assert (data.workers, data.use_multiprocessing, data.max_queue_size) == (2, False, 3)
    threaded.fit(data, epochs=2, shuffle=False, verbose=0)
    _assert_same_weights(serial, threaded)
    assert threading.get_ident() not in data.threads
    np.testing.assert_allclose(threaded.predict(Slices(x, None, workers=3), verbose=0),
                               threaded.predict(x, verbose=0), rtol=1e-6)
    monkeypatch.setattr(data_adapter, "_warned_multiprocessing", False)
    with pytest.warns(UserWarning, match="threads"):  # processes run as threads
        threaded.evaluate(Slices(x, y, workers=2, use_multiprocessing=True), verbose=0)
    # A pass left unfinished (steps_per_epoch < len) does not leave threads behind.
    threaded.fit(Slices(x, y, workers=2), steps_per_epoch=2, verbose=0)
    assert not [t for t in threading.enumerate() if t.name.startswith("PyDataset")]


def test_keras2_style_sequence_without_super_init():
    x, y = _data()
    assert cornu.utils.Sequence is cornu.utils.PyDataset

    class Old(cornu.utils.Sequence):
        def __init__(self, x, y):  # no super().__init__(), as Keras 2 code often has
            self.x, self.y = x, y
            self.ends = 0

        def __len__(self):
            return len(self.x) // BATCH

        def __getitem__(self, i):
            return self.x[i * BATCH:(i + 1) * BATCH], self.y[i * BATCH:(i + 1) * BATCH]

        def on_epoch_end(self):
            self.ends += 1

    old = Old(x, y)
    assert (old.workers, old.use_multiprocessing, old.max_queue_size, old.num_batches) == (
        1, False, 10, 5)
    model, arrays = _model(), _model()
    with pytest.warns(UserWarning, match="super"):
        model.fit(old, epochs=2, shuffle=False, verbose=0)
    arrays.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    _assert_same_weights(model, arrays)
    assert old.ends == 2


def test_num_batches_property_and_endless_data_sets():
    x, y = _data()

    class Endless(cornu.utils.PyDataset):
        @property
        def num_batches(self):
            return None

        def __getitem__(self, i):
            i %= N // BATCH
            return x[i * BATCH:(i + 1) * BATCH], y[i * BATCH:(i + 1) * BATCH]

    model, arrays = _model(), _model()
    model.fit(Endless(), steps_per_epoch=5, epochs=2, verbose=0)
    arrays.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    _assert_same_weights(model, arrays)
    with pytest.raises(ValueError, match="steps_per_epoch"):
        model.fit(Endless(), verbose=0)

    class NoLength(cornu.utils.PyDataset):
        def __getitem__(self, i):
            return x

    with pytest.raises(NotImplementedError, match="num_batches"):
        NoLength().num_batches


def test_progress_bar_counts_the_steps(capsys):
    x, y = _data()
    _model().fit(Slices(x, y), epochs=1, verbose=1)
    assert "5/5" in capsys.readouterr().out
    _model().fit(Slices(x, y), epochs=1, steps_per_epoch=3, verbose=1)
    out = capsys.readouterr().out
    assert "3/3" in out and "/5" not in out


def test_generator_without_length_trains():
    x, y = _data()
    batches = ((x[i:i + BATCH], y[i:i + BATCH]) for i in range(0, N, BATCH))
    model, arrays = _model(), _model()
    model.fit(batches, epochs=1, verbose=1)
    arrays.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    _assert_same_weights(model, arrays)


def test_errors_name_the_argument_and_the_bad_batch():
    x, y = _data()
    model = _model()
    with pytest.raises(ValueError, match=r"Expected `y=None` when `x` is a PyDataset.*"
                                         r"Received: y of type ndarray"):
        model.fit(Slices(x, y), y, verbose=0)
    with pytest.raises(ValueError, match="Expected `sample_weight=None`"):
        model.evaluate(Slices(x, y), sample_weight=np.ones(N), verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(Slices(x, y), validation_split=0.2, verbose=0)

    class Bad(cornu.utils.PyDataset):
        def __init__(self, batch):
            super().__init__()
            self.batch = batch

        def __len__(self):
            return 2

        def __getitem__(self, index):
            return self.batch

    for batch, received in (((x, y, y, y), "a tuple of 4 elements"), (None, "None of type"),
                            ("text", "'text' of type str"), ((), "a tuple of 0 elements")):
        with pytest.raises(ValueError, match=r"`Bad.__getitem__\(\d\)` must return `x`, .*"
                                             f"Received: {received}"):
            model.fit(Bad(batch), verbose=0)
    with pytest.raises(ValueError, match="Received: None"):
        model.predict(Bad(None), verbose=0)
    threaded = Bad(None)
    threaded.workers = 2
    with pytest.raises(ValueError, match="Received: None"):  # raised on a worker thread
        model.fit(threaded, verbose=0)
    with pytest.raises(TypeError):
        Slices(x, y, threads=2)
