"""`layers.MaxNumBoundingBoxes` against Keras's on the same inputs."""

import numpy as np
import pytest
import torch

from cornu import layers

keras = pytest.importorskip("keras")


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _data(n_boxes, batched=True):
    rng = np.random.default_rng(n_boxes)
    data = {"images": rng.uniform(0, 1, (3, 6, 5, 3)).astype("float32"),
            "bounding_boxes": {"boxes": rng.uniform(0, 5, (3, n_boxes, 4)).astype("float32"),
                               "labels": rng.integers(0, 9, (3, n_boxes)).astype("int32")},
            "segmentation_masks": rng.integers(0, 3, (3, 6, 5, 1)).astype("float32")}
    if not batched:
        data = {"images": data["images"][0], "segmentation_masks": data["segmentation_masks"][0],
                "bounding_boxes": {k: v[0] for k, v in data["bounding_boxes"].items()}}
    return data


def _copy(d):
    return {k: (_copy(v) if isinstance(v, dict) else np.array(v)) for k, v in d.items()}


@pytest.mark.parametrize("n_boxes", [1, 4, 7])
@pytest.mark.parametrize("fill_value", [-1, 0, 5])
def test_pads_and_cuts_as_keras(n_boxes, fill_value):
    data = _data(n_boxes)
    ours = layers.MaxNumBoundingBoxes(4, fill_value=fill_value, bounding_box_format="xyxy")(
        _copy(data))
    theirs = keras.layers.MaxNumBoundingBoxes(4, fill_value=fill_value,
                                              bounding_box_format="xyxy")(_copy(data))
    for key in ("boxes", "labels"):
        o, t = ours["bounding_boxes"][key], theirs["bounding_boxes"][key]
        assert tuple(o.shape) == tuple(t.shape) == (3, 4) + ((4,) if key == "boxes" else ())
        assert o.dtype == t.dtype
        np.testing.assert_array_equal(_np(o), _np(t))
    np.testing.assert_array_equal(_np(ours["images"]), data["images"])
    np.testing.assert_array_equal(_np(ours["segmentation_masks"]), data["segmentation_masks"])


def test_unbatched_and_images_only():
    data = _data(2, batched=False)
    layer = layers.MaxNumBoundingBoxes(3, bounding_box_format="xyxy")
    out = layer(_copy(data))
    theirs = keras.layers.MaxNumBoundingBoxes(3, bounding_box_format="xyxy")(_copy(data))
    np.testing.assert_array_equal(_np(out["bounding_boxes"]["boxes"]),
                                  _np(theirs["bounding_boxes"]["boxes"]))
    np.testing.assert_array_equal(_np(out["bounding_boxes"]["labels"]), [
        *data["bounding_boxes"]["labels"], -1])
    np.testing.assert_array_equal(_np(layer(data["images"])), data["images"])


def test_config_and_output_shape():
    layer = layers.MaxNumBoundingBoxes(6, fill_value=-2, bounding_box_format="xyxy")
    config = layer.get_config()
    assert config["max_number"] == 6 and config["fill_value"] == -2
    clone = layers.MaxNumBoundingBoxes.from_config(config)
    assert (clone.max_number, clone.fill_value, clone.bounding_box_format) == (6, -2, "xyxy")
    # Keras accepts the config (its own drops fill_value)
    assert keras.layers.MaxNumBoundingBoxes.from_config(config).fill_value == -2
    shape = {"images": (2, 8, 8, 3),
             "bounding_boxes": {"boxes": (2, 3, 4), "labels": (2, 3)}}
    ours = layer.compute_output_shape(shape)
    theirs = keras.layers.MaxNumBoundingBoxes(6).compute_output_shape(
        {"images": (2, 8, 8, 3), "bounding_boxes": {"boxes": (2, 3, 4), "labels": (2, 3)}})
    assert tuple(ours["bounding_boxes"]["boxes"]) == tuple(theirs["bounding_boxes"]["boxes"])
    assert tuple(ours["bounding_boxes"]["labels"]) == tuple(
        theirs["bounding_boxes"]["labels"])
    assert shape["bounding_boxes"]["boxes"] == (2, 3, 4)  # the input is left alone
    with pytest.raises(KeyError, match="unsupported keys"):
        layer.compute_output_shape({"bounding_boxes": {"boxes": (1, 2, 4), "labels": (1, 2),
                                                       "scores": (1, 2)}})


def test_serialization_both_ways():
    import cornu
    theirs = keras.layers.MaxNumBoundingBoxes(5, bounding_box_format="center_xywh")
    ours = cornu.saving.deserialize_keras_object(keras.saving.serialize_keras_object(theirs))
    assert isinstance(ours, layers.MaxNumBoundingBoxes)
    assert (ours.max_number, ours.bounding_box_format) == (5, "center_xywh")
    back = keras.saving.deserialize_keras_object(cornu.saving.serialize_keras_object(ours))
    assert isinstance(back, keras.layers.MaxNumBoundingBoxes) and back.max_number == 5
