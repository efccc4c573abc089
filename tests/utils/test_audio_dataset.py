"""`audio_dataset_from_directory` against Keras's indexing and split, and the samples the
test writes into small `.wav` files."""

import wave

import numpy as np
import pytest
import torch

import cornu as keras
from cornu.utils import audio_dataset_from_directory
from cornu.utils.audio_dataset_utils import load_wav
from keras.src.utils import dataset_utils as keras_dataset_utils

# Class -> (samples, channels) of each file.
SHAPES = {"dog": [(100, 1), (80, 1), (120, 1)], "cat": [(90, 1), (100, 1)],
          "owl": [(60, 1), (100, 1), (110, 1), (70, 1)]}


def _write(path, samples, rate=8000, width=2):
    """Integer samples `(n, channels)` as PCM of `width` bytes."""
    with wave.open(str(path), "wb") as f:
        f.setnchannels(samples.shape[1])
        f.setsampwidth(width)
        f.setframerate(rate)
        if width == 1:
            data = (samples + 128).astype(np.uint8).tobytes()
        elif width == 3:
            little = samples.astype("<i4").view(np.uint8).reshape(-1, 4)[:, :3]
            data = little.tobytes()
        else:
            data = samples.astype(f"<i{width}").tobytes()
        f.writeframes(data)


@pytest.fixture(scope="module")
def audio_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("audio")
    rng = np.random.default_rng(0)
    values = {}
    for cls, shapes in SHAPES.items():
        (root / cls).mkdir()
        for i, shape in enumerate(shapes):
            samples = rng.integers(-32768, 32768, shape)
            path = root / cls / f"clip_{i}.wav"
            _write(path, samples)
            values[str(path)] = samples.astype(np.float32) / 32768.0
        (root / cls / "notes.txt").write_text("not audio")
    return root, values


def _keras_index(root, shuffle, seed):
    return keras_dataset_utils.index_directory(str(root), "inferred", formats=(".wav",),
                                               shuffle=shuffle, seed=seed)


def test_batches_are_the_written_samples_padded_like_keras(audio_dir):
    root, values = audio_dir
    paths, labels, names = _keras_index(root, shuffle=False, seed=None)
    ds = audio_dataset_from_directory(root, batch_size=4, shuffle=False, verbose=False)
    assert ds.class_names == names == ["cat", "dog", "owl"]
    assert ds.file_paths == list(paths) and len(ds) == 3
    seen = 0
    for audio, batch_labels in ds:
        batch_paths = paths[seen:seen + len(audio)]
        longest = max(len(values[p]) for p in batch_paths)
        assert audio.dtype == torch.float32 and tuple(audio.shape) == (len(batch_paths),
                                                                      longest, 1)
        for row, path in zip(audio.numpy(), batch_paths):
            expected = np.zeros((longest, 1), np.float32)
            expected[:len(values[path])] = values[path]
            np.testing.assert_array_equal(row, expected)
        assert batch_labels.dtype == torch.int32
        np.testing.assert_array_equal(batch_labels.numpy(), labels[seen:seen + len(audio)])
        seen += len(audio)
    assert seen == 9


def test_split_and_shuffle_follow_keras(audio_dir, capsys):
    root, _ = audio_dir
    paths, labels, _ = _keras_index(root, shuffle=True, seed=5)
    train, val = audio_dataset_from_directory(root, seed=5, validation_split=0.3,
                                              subset="both", output_sequence_length=64)
    assert "Found 9 files belonging to 3 classes." in capsys.readouterr().out
    expected_train, _ = keras_dataset_utils.get_training_or_validation_split(
        paths, labels, 0.3, "training")
    expected_val, _ = keras_dataset_utils.get_training_or_validation_split(
        paths, labels, 0.3, "validation")
    assert train.file_paths == list(expected_train) and val.file_paths == list(expected_val)
    only_val = audio_dataset_from_directory(root, seed=5, validation_split=0.3,
                                            subset="validation", verbose=False)
    assert only_val.file_paths == val.file_paths


def test_sequence_length_modes_and_labels(audio_dir):
    root, values = audio_dir
    ds = audio_dataset_from_directory(root, batch_size=None, shuffle=False, verbose=False,
                                      output_sequence_length=95, label_mode="categorical")
    for (audio, label), path in zip(ds, ds.file_paths):
        expected = np.zeros((95, 1), np.float32)
        kept = values[path][:95]
        expected[:len(kept)] = kept
        np.testing.assert_array_equal(audio.numpy(), expected)
        assert tuple(label.shape) == (3,) and label.dtype == torch.float32
    ragged = audio_dataset_from_directory(root, labels=None, ragged=True, batch_size=5,
                                          shuffle=False, verbose=False)
    batch = next(iter(ragged))
    assert isinstance(batch, list) and len(batch) == 5
    for item, path in zip(batch, ragged.file_paths):
        np.testing.assert_array_equal(item.numpy(), values[path])
    binary = audio_dataset_from_directory(root, class_names=["owl", "dog"],
                                          label_mode="binary", shuffle=False, verbose=False)
    assert binary.class_names == ["owl", "dog"]
    _, labels = next(iter(binary))
    assert tuple(labels.shape) == (7, 1)
    np.testing.assert_array_equal(labels.numpy()[:, 0], [0, 0, 0, 0, 1, 1, 1])


@pytest.mark.parametrize("width", [1, 2, 3, 4])
def test_sample_widths_and_stereo(tmp_path, width):
    rng = np.random.default_rng(width)
    top = 1 << (8 * width - 1)
    samples = rng.integers(-top, top, (50, 2))
    path = tmp_path / "x.wav"
    _write(path, samples, width=width)
    np.testing.assert_allclose(load_wav(path).numpy(), samples / top, rtol=0, atol=1e-7)


def test_resampling_keeps_a_band_limited_signal(tmp_path):
    t_in = np.arange(400) / 8000.0
    tone = np.round(10000 * np.sin(2 * np.pi * 200 * t_in)).astype(np.int64)[:, None]
    _write(tmp_path / "tone.wav", tone, rate=8000)
    audio = load_wav(tmp_path / "tone.wav", sampling_rate=16000).numpy()
    t_out = np.arange(800) / 16000.0
    assert audio.shape == (800, 1)
    np.testing.assert_allclose(audio[:, 0], 10000 / 32768 * np.sin(2 * np.pi * 200 * t_out),
                               atol=1e-4)
    same = load_wav(tmp_path / "tone.wav", sampling_rate=8000).numpy()
    np.testing.assert_array_equal(same, tone / 32768.0)


def test_fit_on_the_dataset(audio_dir):
    root, _ = audio_dir
    keras.utils.set_random_seed(0)
    ds = audio_dataset_from_directory(root, batch_size=4, seed=1, output_sequence_length=128,
                                      verbose=False)
    model = keras.Sequential([keras.Input((128, 1)), keras.layers.Conv1D(4, 9, strides=4),
                              keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(3)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()
    assert model.predict(ds, verbose=0).shape == (9, 3)


def test_errors(audio_dir, tmp_path):
    root, _ = audio_dir
    with pytest.raises(ValueError, match="ragged"):
        audio_dataset_from_directory(root, ragged=True, output_sequence_length=10)
    with pytest.raises(ValueError, match="sampling_rate"):
        audio_dataset_from_directory(root, sampling_rate=16000.0)
    with pytest.raises(ValueError, match="sampling_rate"):
        audio_dataset_from_directory(root, sampling_rate=0)
    with pytest.raises(ValueError, match="label_mode"):
        audio_dataset_from_directory(root, label_mode="sparse")
    with pytest.raises(ValueError, match="binary"):
        audio_dataset_from_directory(root, label_mode="binary", verbose=False)
    with pytest.raises(ValueError, match="class_names"):
        audio_dataset_from_directory(root, class_names=["cat", "bird"], verbose=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="No audio files"):
        audio_dataset_from_directory(tmp_path / "empty", labels=None, verbose=False)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.wav").write_bytes(b"not a wav file at all")
    with pytest.raises(ValueError, match="x.wav"):
        next(iter(audio_dataset_from_directory(tmp_path / "bad", labels=None, verbose=False)))
