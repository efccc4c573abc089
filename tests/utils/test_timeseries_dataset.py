"""`timeseries_dataset_from_array` against Keras's (its Grain flavour, which needs no
TensorFlow and cuts the same windows in the same order as its tf.data one), and through
`fit` / `evaluate` / `predict`."""

import os

import numpy as np
import pytest
import torch

import cornu
from cornu.utils import timeseries_dataset_from_array

DATA = (np.arange(120).reshape(40, 3) * [1, -1, 0.5]).astype("float32")
TARGETS = np.arange(1000, 1040)

CASES = [
    {"sequence_length": 5},
    {"sequence_length": 4, "sequence_stride": 3, "batch_size": 4},
    {"sequence_length": 3, "sampling_rate": 4, "batch_size": 5},
    {"sequence_length": 6, "sequence_stride": 2, "sampling_rate": 3, "batch_size": 3},
    {"sequence_length": 2, "start_index": 7, "batch_size": 8},
    {"sequence_length": 3, "end_index": 21, "sequence_stride": 4, "batch_size": 2},
    {"sequence_length": 4, "sampling_rate": 2, "start_index": 5, "end_index": 33,
     "sequence_stride": 5, "batch_size": 3},
    {"sequence_length": 40},  # one window: the whole series
    {"sequence_length": 41},  # no window
    {"sequence_length": 3, "sequence_stride": 7, "batch_size": None},
]


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


@pytest.fixture(scope="module")
def keras_grain(keras):
    pytest.importorskip("grain")
    return keras


def _batches(dataset):
    """Each batch as a tuple of NumPy arrays."""
    out = []
    for batch in dataset:
        parts = batch if isinstance(batch, tuple) else (batch,)
        out.append(tuple(np.asarray(part) for part in parts))
    return out


def _assert_same_batches(result, expected):
    assert len(result) == len(expected)
    for got, want in zip(result, expected):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape == w.shape
            np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("kwargs", CASES)
@pytest.mark.parametrize("with_targets", [True, False])
def test_batches_match_keras(keras_grain, kwargs, with_targets):
    targets = TARGETS if with_targets else None
    expected = _batches(keras_grain.utils.timeseries_dataset_from_array(
        DATA, targets, format="grain", **kwargs))
    dataset = timeseries_dataset_from_array(DATA, targets, **kwargs)
    result = _batches(dataset)
    _assert_same_batches(result, expected)
    assert len(dataset) == len(result)
    for batch in dataset:
        windows = batch[0] if with_targets else batch
        assert isinstance(windows, torch.Tensor) and windows.dtype == torch.float32
        if with_targets:
            assert batch[1].dtype == torch.int64


def test_one_dimensional_series_short_targets_and_tensor_input_match_keras(keras_grain):
    # float32: Keras's Grain batches cast float64 to float32 (its tf.data ones keep the dtype,
    # as cornu's do).
    series = np.sin(np.arange(50) / 3).astype("float32")
    for data, targets in ((series, series[10:]), (series, np.arange(6)),
                          (torch.from_numpy(series), torch.arange(50))):
        kwargs = {"sequence_length": 10, "sequence_stride": 2, "batch_size": 4}
        numpy_targets = targets.numpy() if isinstance(targets, torch.Tensor) else targets
        numpy_data = data.numpy() if isinstance(data, torch.Tensor) else data
        expected = _batches(keras_grain.utils.timeseries_dataset_from_array(
            numpy_data, numpy_targets, format="grain", **kwargs))
        _assert_same_batches(_batches(timeseries_dataset_from_array(data, targets, **kwargs)),
                             expected)


def test_windows_are_the_documented_steps():
    # Keras's docstring example: steps 0..98, length 10, sampling rate 2, stride 3.
    steps = np.arange(99)
    dataset = timeseries_dataset_from_array(steps, None, sequence_length=10, sampling_rate=2,
                                            sequence_stride=3, batch_size=None)
    windows = [w.numpy() for w in dataset]
    np.testing.assert_array_equal(windows[0], np.arange(0, 20, 2))
    np.testing.assert_array_equal(windows[1], np.arange(3, 23, 2))
    np.testing.assert_array_equal(windows[-1], np.arange(78, 98, 2))
    assert len(windows) == len(dataset) == 27
    # ... and the "predict the next step" recipe pairs each window with the step after it.
    x, y = next(iter(timeseries_dataset_from_array(steps[:-10], steps[10:], 10)))
    np.testing.assert_array_equal(x[:, -1] + 1, y)


def test_shuffle_serves_the_same_windows_in_a_seeded_order():
    kwargs = {"sequence_length": 4, "sequence_stride": 2, "sampling_rate": 2,
              "batch_size": 5, "start_index": 3}
    ordered = np.concatenate([x for x, _ in _batches(
        timeseries_dataset_from_array(DATA, TARGETS, **kwargs))])
    dataset = timeseries_dataset_from_array(DATA, TARGETS, shuffle=True, seed=11, **kwargs)
    epochs = [_batches(dataset) for _ in range(2)]
    for batches in epochs:
        x = np.concatenate([b[0] for b in batches])
        y = np.concatenate([b[1] for b in batches])
        assert sorted(map(tuple, x.reshape(len(x), -1))) == sorted(
            map(tuple, ordered.reshape(len(ordered), -1)))
        # Each window keeps its own target: the one at its first step.
        np.testing.assert_array_equal(y, TARGETS[(x[:, 0, 0] / 3).astype(int)])
        assert [len(b[0]) for b in batches] == [5, 5, 5, 1]
    first_orders = [np.concatenate([b[1] for b in batches]) for batches in epochs]
    assert not np.array_equal(first_orders[0], first_orders[1])  # reshuffled each epoch
    assert not np.array_equal(first_orders[0], np.sort(first_orders[0]))
    again = timeseries_dataset_from_array(DATA, TARGETS, shuffle=True, seed=11, **kwargs)
    _assert_same_batches(_batches(again), epochs[0])


BAD_ARGUMENTS = [
    ({"start_index": -1}, "start_index=-1"),
    ({"start_index": 40}, "start_index=40"),
    ({"start_index": 10, "end_index": 10}, "end_index=10"),
    ({"end_index": 40}, "end_index=40"),
    ({"end_index": -3}, "end_index=-3"),
    ({"sampling_rate": 0}, "sampling_rate=0"),
    ({"sampling_rate": 40}, "sampling_rate=40"),
    ({"sequence_stride": -2}, "sequence_stride=-2"),
    ({"sequence_stride": 45}, "sequence_stride=45"),
    ({"format": "numpy"}, "format='numpy'"),
]


@pytest.mark.parametrize("kwargs, received", BAD_ARGUMENTS)
def test_bad_arguments_raise_as_in_keras(keras, kwargs, received):
    with pytest.raises(ValueError):
        keras.utils.timeseries_dataset_from_array(DATA, TARGETS, 3, **kwargs)
    name = received.split("=")[0]
    with pytest.raises(ValueError, match=rf"`{name}`.*Received:.*{received}"):
        timeseries_dataset_from_array(DATA, TARGETS, 3, **kwargs)


def test_bad_lengths_and_batch_sizes_name_the_argument():
    for kwargs, received in (({"sequence_length": 0}, "sequence_length=0"),
                             ({"sequence_length": 2.5}, "sequence_length=2.5"),
                             ({"sequence_length": 3, "batch_size": 0}, "batch_size=0")):
        with pytest.raises(ValueError, match=rf"Received: {received}"):
            timeseries_dataset_from_array(DATA, None, **kwargs)
    with pytest.raises(ValueError, match="`data`"):
        timeseries_dataset_from_array(5.0, None, 3)


def test_take_and_map_work_like_tf_data():
    dataset = timeseries_dataset_from_array(DATA, TARGETS, 4, batch_size=8)
    assert len(list(dataset.take(2))) == 2
    scaled = dataset.map(lambda x, y: (x / 10, y - 1000))
    for (x, y), (sx, sy) in zip(dataset, scaled):
        torch.testing.assert_close(sx, x / 10)
        torch.testing.assert_close(sy, y - 1000)


def test_fit_evaluate_and_predict_on_windows():
    cornu.utils.set_random_seed(0)
    series = np.sin(np.arange(300, dtype="float32") / 5)[:, None]
    length = 8
    train = timeseries_dataset_from_array(series[:-length], series[length:], length,
                                          batch_size=32, shuffle=True, seed=1)
    # The next step of a sine is a linear function of the steps before it.
    model = cornu.Sequential([cornu.Input((length, 1)), cornu.layers.Flatten(),
                              cornu.layers.Dense(1)])
    model.compile(cornu.optimizers.Adam(0.05), "mse")
    history = model.fit(train, epochs=15, verbose=0)
    losses = history.history["loss"]
    assert len(losses) == 15 and losses[-1] < losses[0] / 20
    assert model.evaluate(train, verbose=0) == pytest.approx(losses[-1], rel=0.5)
    windows = timeseries_dataset_from_array(series[:-length], None, length, batch_size=50)
    predictions = model.predict(windows, verbose=0)
    assert predictions.shape == (len(series) - 2 * length + 1, 1)
    np.testing.assert_allclose(predictions, series[length:len(series) - length + 1], atol=0.1)
