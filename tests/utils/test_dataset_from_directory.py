"""`image_dataset_from_directory` / `text_dataset_from_directory` against Keras's indexing,
PIL's decoding and Keras's resize, and through `fit` / `predict`."""

import numpy as np
import pytest
import torch

import cornu as keras
from cornu.utils import image_dataset_from_directory, text_dataset_from_directory

PIL = pytest.importorskip("PIL.Image")

SIZES = {"cats": [(8, 8), (8, 8), (6, 10)], "dogs": [(8, 8), (5, 7), (8, 8), (12, 9)],
         "owls": [(8, 8), (8, 8)]}


@pytest.fixture(scope="module")
def image_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    for cls, sizes in SIZES.items():
        (root / cls).mkdir()
        for i, (h, w) in enumerate(sizes):
            mode = "RGBA" if i == 1 else "RGB"
            pixels = rng.integers(0, 256, (h, w, len(mode)), dtype=np.uint8)
            PIL.fromarray(pixels, mode).save(root / cls / f"img_{i}.png")
        (root / cls / "notes.txt").write_text("not an image")
    return root


@pytest.fixture(scope="module")
def text_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("texts")
    for cls, count in (("neg", 5), ("pos", 3)):
        (root / cls).mkdir()
        for i in range(count):
            (root / cls / f"{i}.txt").write_text(f"{cls} review number {i} " * (i + 1))
    return root


def _keras_index(directory, shuffle, seed):
    from keras.src.utils import dataset_utils
    return dataset_utils.index_directory(str(directory), "inferred",
                                         formats=(".bmp", ".gif", ".jpeg", ".jpg", ".png"),
                                         shuffle=shuffle, seed=seed)


@pytest.mark.parametrize("shuffle", [False, True])
def test_files_labels_and_split_follow_keras(image_dir, shuffle, capsys):
    pytest.importorskip("keras")
    from keras.src.utils import dataset_utils
    paths, labels, names = _keras_index(image_dir, shuffle, seed=7)
    train, val = image_dataset_from_directory(image_dir, image_size=(8, 8), shuffle=shuffle,
                                              seed=7, validation_split=0.25, subset="both")
    assert "Found 9 files belonging to 3 classes." in capsys.readouterr().out
    assert train.class_names == names == ["cats", "dogs", "owls"]
    expected_train, _ = dataset_utils.get_training_or_validation_split(
        paths, labels, 0.25, "training")
    expected_val, _ = dataset_utils.get_training_or_validation_split(
        paths, labels, 0.25, "validation")
    assert train.file_paths == list(expected_train)
    assert val.file_paths == list(expected_val)
    assert not set(train.file_paths) & set(val.file_paths)


def test_pixels_are_pil_decodes_and_resizes_match_keras(image_dir):
    keras_ref = pytest.importorskip("keras")
    from keras.src.utils import image_utils
    ds = image_dataset_from_directory(image_dir, image_size=(8, 8), shuffle=False, batch_size=4)
    images, labels = next(iter(ds))
    assert images.shape == (4, 8, 8, 3) and images.dtype == torch.float32
    assert labels.dtype == torch.int32 and labels.tolist() == [0, 0, 0, 1]
    for image, path in zip(images.numpy(), ds.file_paths):
        with PIL.open(path) as img:
            raw = np.asarray(img.convert("RGB"), dtype=np.float32)
        if raw.shape[:2] == (8, 8):
            np.testing.assert_array_equal(image, raw)
        else:
            expected = keras_ref.ops.convert_to_numpy(keras_ref.ops.image.resize(
                raw, (8, 8), interpolation="bilinear", antialias=False))
            np.testing.assert_allclose(image, expected, rtol=1e-5, atol=1e-3)
    cropped = image_dataset_from_directory(image_dir, image_size=(4, 6), shuffle=False,
                                           crop_to_aspect_ratio=True, batch_size=None,
                                           label_mode=None, verbose=False)
    for image, path in zip(cropped, cropped.file_paths):
        with PIL.open(path) as img:
            raw = np.asarray(img.convert("RGB"), dtype=np.float32)
        expected = keras_ref.ops.convert_to_numpy(image_utils.smart_resize(raw, (4, 6)))
        np.testing.assert_allclose(image.numpy(), expected, rtol=1e-5, atol=1e-3)


def test_label_modes_color_modes_and_layouts(image_dir):
    ds = image_dataset_from_directory(image_dir, image_size=(5, 5), label_mode="categorical",
                                      color_mode="grayscale", shuffle=False, batch_size=9,
                                      data_format="channels_first", verbose=False)
    images, labels = next(iter(ds))
    assert images.shape == (9, 1, 5, 5)
    assert labels.dtype == torch.float32
    np.testing.assert_array_equal(labels.numpy().argmax(-1), [0, 0, 0, 1, 1, 1, 1, 2, 2])
    binary = image_dataset_from_directory(image_dir, image_size=(5, 5), label_mode="binary",
                                          class_names=["dogs", "cats"], color_mode="rgba",
                                          shuffle=False, verbose=False)
    images, labels = next(iter(binary))
    assert images.shape == (7, 5, 5, 4) and labels.shape == (7, 1)
    # The given class order is kept: dogs' files first, with label 0; cats' get label 1.
    assert labels[:, 0].tolist() == [0.0] * 4 + [1.0] * 3
    assert "dogs" in binary.file_paths[0] and "cats" in binary.file_paths[-1]
    with pytest.raises(ValueError, match="exactly 2 classes"):
        image_dataset_from_directory(image_dir, label_mode="binary", verbose=False)


def test_bad_arguments_raise_clear_errors(image_dir, tmp_path):
    with pytest.raises(ValueError, match="seed"):
        image_dataset_from_directory(image_dir, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="color_mode"):
        image_dataset_from_directory(image_dir, color_mode="cmyk")
    with pytest.raises(ValueError, match="class_names"):
        image_dataset_from_directory(image_dir, class_names=["cats", "horses"])
    with pytest.raises(ValueError, match="existing folder"):
        image_dataset_from_directory(tmp_path / "missing")
    with pytest.raises(ValueError, match="No images"):
        image_dataset_from_directory(tmp_path, labels=None, label_mode=None, verbose=False)
    # Keras's `format`: its default "tf" gives cornu's dataset; "grain" is refused.
    assert len(image_dataset_from_directory(image_dir, format="tf", verbose=False)) > 0
    for make in (image_dataset_from_directory, text_dataset_from_directory):
        with pytest.raises(ValueError, match="only format='tf'.*format='grain'"):
            make(image_dir, format="grain")


def test_fit_and_predict_accept_the_datasets(image_dir):
    keras.utils.set_random_seed(0)
    train = image_dataset_from_directory(image_dir, image_size=(8, 8), batch_size=4, seed=1,
                                         verbose=False)
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Rescaling(1 / 255)
                              if hasattr(keras.layers, "Rescaling") else keras.layers.Identity(),
                              keras.layers.Conv2D(4, 3, activation="relu"),
                              keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(3)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(train, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and len(train) == 3
    unlabeled = image_dataset_from_directory(image_dir, labels=None, label_mode=None,
                                             image_size=(8, 8), shuffle=False, verbose=False)
    assert model.predict(unlabeled, verbose=0).shape == (9, 3)


def test_text_dataset(text_dir, capsys):
    ds = text_dataset_from_directory(text_dir, batch_size=3, shuffle=False, max_length=20)
    assert "Found 8 files belonging to 2 classes." in capsys.readouterr().out
    batches = list(ds)
    assert len(batches) == len(ds) == 3
    texts, labels = batches[0]
    assert texts.tolist() == [(f"neg review number {i} " * (i + 1))[:20] for i in range(3)]
    assert labels.tolist() == [0, 0, 0] and batches[-1][1].tolist() == [1, 1]
    train, val = text_dataset_from_directory(text_dir, seed=3, validation_split=0.25,
                                             subset="both", label_mode="categorical",
                                             verbose=False)
    assert len(train.file_paths) == 6 and len(val.file_paths) == 2
    assert next(iter(val))[1].shape == (2, 2)
    pytest.importorskip("keras")
    from keras.src.utils import dataset_utils
    paths, _, _ = dataset_utils.index_directory(str(text_dir), "inferred", formats=(".txt",),
                                                shuffle=True, seed=3)
    assert train.file_paths + val.file_paths == list(paths)


def test_keras_argument_forms(image_dir):
    # labels=None gives images only whatever the label_mode, as in Keras.
    unlabeled = image_dataset_from_directory(image_dir, labels=None, image_size=4,
                                             shuffle=False, verbose=False)
    batch = next(iter(unlabeled))
    assert isinstance(batch, torch.Tensor) and batch.shape == (9, 4, 4, 3)
    assert unlabeled.class_names is None
    # Explicit labels follow the sorted file order; class names are the sorted labels.
    explicit = [2, 0, 2, 1, 1, 0, 1, 2, 2]
    ds = image_dataset_from_directory(image_dir, labels=explicit, label_mode="categorical",
                                      image_size=(4, 4), shuffle=False, verbose=False)
    assert ds.class_names == ["0", "1", "2"]
    images, labels = next(iter(ds))
    assert labels.shape == (9, 3)
    np.testing.assert_array_equal(labels.numpy().argmax(-1), explicit)
    with pytest.raises(ValueError, match="must be 0 to 1"):
        image_dataset_from_directory(image_dir, labels=[5, 1] * 4 + [1],
                                     label_mode="categorical", verbose=False)
    with pytest.raises(ValueError, match="labels"):
        image_dataset_from_directory(image_dir, labels="folders", verbose=False)
    with pytest.raises(ValueError, match="class_names"):
        image_dataset_from_directory(image_dir, labels=explicit, class_names=["a"],
                                     verbose=False)
    with pytest.raises(ValueError, match="leaves no file for validation"):
        image_dataset_from_directory(image_dir, validation_split=0.1, subset="training",
                                     seed=1, verbose=False)
    upper = image_dataset_from_directory(image_dir, interpolation="NEAREST", image_size=(3, 3),
                                         shuffle=False, verbose=False)
    assert next(iter(upper))[0].shape == (9, 3, 3, 3)


def test_validation_of_both_is_not_reshuffled_and_training_is(image_dir):
    train, val = image_dataset_from_directory(image_dir, image_size=(4, 4), batch_size=1,
                                              seed=5, validation_split=0.5, subset="both",
                                              verbose=False)
    val_order = [[labels.item() for _, labels in val] for _ in range(3)]
    assert val_order[0] == val_order[1] == val_order[2]
    firsts = {tuple(images.sum().item() for images, _ in train) for _ in range(6)}
    assert len(firsts) > 1


def test_map_transforms_batches_lazily(image_dir):
    ds = image_dataset_from_directory(image_dir, image_size=(4, 4), batch_size=5,
                                      shuffle=False, verbose=False)
    scaled = ds.map(lambda x, y: (x / 255.0, y + 1))
    (raw, labels), (mapped, mapped_labels) = next(iter(ds)), next(iter(scaled))
    torch.testing.assert_close(mapped, raw / 255.0)
    assert mapped_labels.tolist() == [label + 1 for label in labels.tolist()]
    assert len(scaled) == len(ds) == 2 and scaled.class_names == ds.class_names
    images_only = image_dataset_from_directory(image_dir, labels=None, image_size=(4, 4),
                                               shuffle=False, verbose=False)
    assert next(iter(images_only.map(lambda x: x[:, :2]))).shape == (9, 2, 4, 3)
    with pytest.raises(TypeError, match="callable"):
        ds.map("rescale")


def test_text_dataset_without_labels(text_dir):
    ds = text_dataset_from_directory(text_dir, labels=None, batch_size=None, shuffle=False,
                                     verbose=False)
    items = list(ds)
    assert len(items) == 8 and items[0] == "neg review number 0 "
    with pytest.raises(ValueError, match="No text files"):
        text_dataset_from_directory(text_dir / "neg", verbose=False)


def test_an_unreadable_image_raises_naming_the_file(tmp_path):
    (tmp_path / "a").mkdir()
    PIL.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "a" / "good.png")
    (tmp_path / "a" / "broken.png").write_bytes(b"not a png")
    ds = image_dataset_from_directory(tmp_path, image_size=(4, 4), shuffle=False, verbose=False)
    with pytest.raises(Exception, match="broken.png"):
        list(ds)


def test_pad_to_aspect_ratio_matches_keras(image_dir):
    keras_ref = pytest.importorskip("keras")
    padded = image_dataset_from_directory(image_dir, image_size=(6, 4), shuffle=False,
                                          pad_to_aspect_ratio=True, batch_size=None,
                                          label_mode=None, verbose=False)
    for image, path in zip(padded, padded.file_paths):
        with PIL.open(path) as img:
            raw = np.asarray(img.convert("RGB"), dtype=np.float32)
        expected = keras_ref.ops.convert_to_numpy(keras_ref.ops.image.resize(
            raw, (6, 4), interpolation="bilinear", pad_to_aspect_ratio=True, antialias=False))
        np.testing.assert_allclose(image.numpy(), expected, rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest", "bicubic"])
def test_interpolations_match_keras_resize(image_dir, interpolation):
    keras_ref = pytest.importorskip("keras")
    for size in [(5, 7), (11, 10)]:
        ds = image_dataset_from_directory(image_dir, image_size=size, shuffle=False,
                                          interpolation=interpolation, batch_size=None,
                                          label_mode=None, verbose=False)
        for image, path in zip(ds, ds.file_paths):
            with PIL.open(path) as img:
                raw = np.asarray(img.convert("RGB"), dtype=np.float32)
            expected = keras_ref.ops.convert_to_numpy(keras_ref.ops.image.resize(
                raw, size, interpolation=interpolation, antialias=False))
            np.testing.assert_allclose(image.numpy(), expected, rtol=1e-5, atol=1e-3)
