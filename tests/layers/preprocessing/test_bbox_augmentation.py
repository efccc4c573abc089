"""Image layers on dicts of images, bounding boxes, labels and segmentation masks, against
Keras's layers on the same inputs (and, where the random draws differ, the same draws)."""

import numpy as np
import pytest
import torch

import cornu
from cornu import layers

keras = pytest.importorskip("keras")
kb = keras.utils.bounding_boxes

H, W = 12, 16


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _data(fmt="xyxy", n=2, seed=0, h=H, w=W, masks=False):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, min(h, w) - 4, (n, 4, 2))
    wh = rng.uniform(1, 8, (n, 4, 2))
    boxes = np.concatenate([xy, xy + wh], -1).astype("float32")
    boxes = _np(kb.convert_format(boxes, "xyxy", fmt, height=h, width=w))
    data = {"images": rng.uniform(0, 255, (n, h, w, 3)).astype("float32"),
            "bounding_boxes": {"boxes": boxes,
                               "labels": np.arange(n * 4).reshape(n, 4).astype("int32")}}
    if masks:
        data["segmentation_masks"] = rng.integers(0, 5, (n, h, w, 1)).astype("float32")
    return data


def _copy(d):
    return {k: (_copy(v) if isinstance(v, dict) else np.array(v)) for k, v in d.items()}


def _unbatch(d):
    return {k: (_unbatch(v) if isinstance(v, dict) else np.array(v)[0]) for k, v in d.items()}


def _assert_same(ours, theirs, atol=0.0, keys=("images", "segmentation_masks")):
    for key in keys:
        if key in theirs:
            np.testing.assert_allclose(_np(ours[key]), _np(theirs[key]), atol=atol, rtol=0)
    ob, tb = ours["bounding_boxes"], theirs["bounding_boxes"]
    assert ob["boxes"].dtype == torch.float32
    np.testing.assert_allclose(_np(ob["boxes"]), _np(tb["boxes"]), atol=atol, rtol=0)
    np.testing.assert_array_equal(_np(ob["labels"]), _np(tb["labels"]))


FORMATS = ["xyxy", "yxyx", "center_xywh", "rel_xyxy"]
DETERMINISTIC = [
    ("Resizing", dict(height=8, width=10)),
    ("Resizing", dict(height=8, width=10, crop_to_aspect_ratio=True)),
    ("Resizing", dict(height=20, width=10, crop_to_aspect_ratio=True)),
    ("Resizing", dict(height=8, width=10, pad_to_aspect_ratio=True)),
    ("Resizing", dict(height=30, width=12, pad_to_aspect_ratio=True)),
    ("CenterCrop", dict(height=8, width=10)),
    ("CenterCrop", dict(height=14, width=10)),
    ("RandomZoom", dict(height_factor=(0.2, 0.2))),
    ("RandomZoom", dict(height_factor=(-0.3, -0.3), width_factor=(0.1, 0.1))),
    ("RandomTranslation", dict(height_factor=(0.2, 0.2), width_factor=(-0.1, -0.1))),
    ("RandomTranslation", dict(height_factor=(-0.5, -0.5), width_factor=(0.3, 0.3))),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name,kwargs", DETERMINISTIC)
@pytest.mark.parametrize("batched", [True, False])
def test_deterministic_layers_match_keras(fmt, name, kwargs, batched):
    data = _data(fmt, masks=True)
    if not batched:
        data = _unbatch(data)
    ours = getattr(layers, name)(bounding_box_format=fmt, **kwargs)(_copy(data))
    theirs = getattr(keras.layers, name)(bounding_box_format=fmt, **kwargs)(_copy(data))
    _assert_same(ours, theirs)
    if not batched:
        assert tuple(ours["bounding_boxes"]["boxes"].shape) == (4, 4)


@pytest.mark.parametrize("factor", [(0.1, 0.1), (-0.25, -0.25), (0.4, 0.4)])
def test_rotation_matches_keras_on_xyxy(factor):
    data = _data("xyxy", masks=True)
    ours = layers.RandomRotation(factor, bounding_box_format="xyxy")(_copy(data))
    theirs = keras.layers.RandomRotation(factor, bounding_box_format="xyxy")(_copy(data))
    _assert_same(ours, theirs, keys=("images",))
    # masks go through the same rotation with nearest interpolation (Keras 3.15's own dict
    # call rotates them with a scrambled matrix: its torch affine_transform swaps entries of
    # the transformation's "rotation_matrix" in place while transforming the images)
    nearest = keras.layers.RandomRotation(factor, interpolation="nearest")(
        data["segmentation_masks"])
    np.testing.assert_array_equal(_np(ours["segmentation_masks"]), _np(nearest))


@pytest.mark.parametrize("fmt", ["yxyx", "center_xywh", "rel_xywh"])
def test_rotation_converts_other_formats(fmt):
    # Keras 3.15 rotates boxes of any format as if they were xyxy; cornu converts first,
    # so its result is Keras's xyxy result in the layer's format.
    data = _data(fmt)
    ours = layers.RandomRotation((0.1, 0.1), bounding_box_format=fmt)(_copy(data))
    xyxy = _copy(data)
    xyxy["bounding_boxes"]["boxes"] = _np(kb.convert_format(
        xyxy["bounding_boxes"]["boxes"], fmt, "xyxy", height=H, width=W))
    theirs = keras.layers.RandomRotation((0.1, 0.1), bounding_box_format="xyxy")(xyxy)
    expected = kb.convert_format(theirs["bounding_boxes"]["boxes"], "xyxy", fmt, height=H,
                                 width=W)
    np.testing.assert_allclose(_np(ours["bounding_boxes"]["boxes"]), _np(expected), atol=1e-6)
    np.testing.assert_array_equal(_np(ours["bounding_boxes"]["labels"]),
                                  _np(theirs["bounding_boxes"]["labels"]))


def _densified(data):
    b = data["bounding_boxes"]
    return {"boxes": torch.tensor(b["boxes"]), "labels": torch.tensor(b["labels"])}


RANDOM = [
    ("RandomZoom", dict(height_factor=0.4, width_factor=(-0.3, 0.2))),
    ("RandomZoom", dict(height_factor=(-0.4, 0.4))),
    ("RandomTranslation", dict(height_factor=0.3, width_factor=(-0.5, 0.2))),
    ("RandomFlip", dict(mode="horizontal")),
    ("RandomFlip", dict(mode="vertical")),
    ("RandomFlip", dict(mode="horizontal_and_vertical")),
]


# Rotation only in xyxy: Keras 3.15 rotates other formats as if xyxy (see above).
@pytest.mark.parametrize("name,kwargs,fmt", [
    (name, kwargs, fmt) for name, kwargs in RANDOM for fmt in ("xyxy", "center_xywh", "rel_yxyx")
] + [("RandomRotation", dict(factor=0.3), "xyxy")])
def test_random_draws_give_keras_boxes(name, kwargs, fmt):
    data = _data(fmt, n=6, seed=3)
    ours = getattr(layers, name)(bounding_box_format=fmt, seed=11, **kwargs)
    theirs = getattr(keras.layers, name)(bounding_box_format=fmt, **kwargs)
    images = torch.tensor(data["images"])
    t = ours.get_random_transformation(images, training=True)
    out = ours.transform_bounding_boxes(_densified(data), t)
    expected = theirs.transform_bounding_boxes(_densified(data), t)
    np.testing.assert_array_equal(_np(out["boxes"]), _np(expected["boxes"]))
    np.testing.assert_array_equal(_np(out["labels"]), _np(expected["labels"]))
    # images under the same transformation match Keras's too
    np.testing.assert_allclose(_np(ours.transform_images(images, t)),
                               _np(theirs.transform_images(images, t)), atol=1e-3, rtol=0)
    # a full call with a layer of the same seed draws the same transformation
    twin = getattr(layers, name)(bounding_box_format=fmt, seed=11, **kwargs)
    full = twin(_copy(data))
    np.testing.assert_array_equal(_np(full["bounding_boxes"]["boxes"]), _np(out["boxes"]))
    np.testing.assert_array_equal(_np(full["images"]), _np(ours.transform_images(images, t)))


def _blob_image(box, h=H, w=W):
    """A one-channel image that is 1 inside the integer xyxy `box`, 0 elsewhere."""
    img = np.zeros((h, w, 1), "float32")
    x1, y1, x2, y2 = box
    img[y1:y2, x1:x2] = 1.0
    return img


def _blob_box(img):
    ys, xs = np.nonzero(_np(img)[..., 0] > 0.5)
    return [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]


@pytest.mark.parametrize("layer,atol", [
    (lambda: layers.RandomFlip("horizontal", seed=1, bounding_box_format="xyxy"), 0),
    (lambda: layers.RandomFlip("horizontal_and_vertical", seed=2, bounding_box_format="xyxy"),
     0),
    (lambda: layers.RandomTranslation((0.25, 0.25), (-0.25, -0.25), fill_mode="constant",
                                      interpolation="nearest", bounding_box_format="xyxy"), 0),
    # Keras rotates box corners about ((W - 1) / 2, (H - 1) / 2), the centre of the pixel
    # grid in pixel-index coordinates, while box coordinates put pixel edges at integers:
    # boxes land up to a pixel from the rotated pixels, in Keras as here.
    (lambda: layers.RandomRotation((0.25, 0.25), fill_mode="constant",
                                   interpolation="nearest", bounding_box_format="xyxy"), 1),
    (lambda: layers.RandomCrop(8, 10, seed=4, bounding_box_format="xyxy"), 0),
    (lambda: layers.CenterCrop(8, 10, bounding_box_format="xyxy"), 0),
    # halving the size leaves box edges on half pixels
    (lambda: layers.Resizing(6, 8, interpolation="nearest", bounding_box_format="xyxy"), 0.5),
])
def test_boxes_follow_the_pixels(layer, atol):
    box = [3, 2, 9, 7]
    data = {"images": np.stack([_blob_image(box)] * 4),
            "bounding_boxes": {"boxes": np.array([[box]] * 4, "float32"),
                               "labels": np.ones((4, 1), "int32")}}
    out = layer()(data)
    for img, b in zip(out["images"], out["bounding_boxes"]["boxes"]):
        np.testing.assert_allclose(_np(b[0]), _blob_box(img), atol=atol, rtol=0)


def test_random_crop_boxes():
    data = _data("xyxy", n=3, seed=5, h=20, w=24)
    layer = layers.RandomCrop(10, 12, seed=7, bounding_box_format="xyxy")
    images = torch.tensor(data["images"])
    t = layer.get_random_transformation(images, training=True)
    top, left = t["h_start"], t["w_start"]
    out = layer.transform_bounding_boxes(_densified(data), t)
    cropped = kb.crop(data["bounding_boxes"]["boxes"], top, left, 10, 12)
    expected = kb.clip_to_image_size({"boxes": cropped, "labels": data["bounding_boxes"][
        "labels"]}, height=10, width=12)
    np.testing.assert_array_equal(_np(out["boxes"]), _np(expected["boxes"]))
    np.testing.assert_array_equal(_np(out["labels"]), _np(expected["labels"]))
    np.testing.assert_array_equal(_np(layer.transform_images(images, t)),
                                  data["images"][:, top:top + 10, left:left + 12])
    full = layers.RandomCrop(10, 12, seed=7, bounding_box_format="xyxy")(_copy(data))
    np.testing.assert_array_equal(_np(full["bounding_boxes"]["boxes"]), _np(out["boxes"]))


@pytest.mark.parametrize("size", [(10, 8), (30, 12), (6, 6)])
def test_random_crop_inference_boxes(size):
    # At inference (and for small images) cornu's RandomCrop crops the largest centred
    # window of the target's aspect ratio and resizes it (Keras's documented behaviour);
    # the boxes are cut to that window and scaled with it.
    data = _data("xyxy", n=2, seed=6)
    ours = layers.RandomCrop(*size, bounding_box_format="xyxy")(_copy(data), training=False)
    crop_h = max(min(H, int(W * size[0] / size[1])), 1)
    crop_w = max(min(W, int(H * size[1] / size[0])), 1)
    top, left = int((H - crop_h) / 2), int((W - crop_w) / 2)
    window = data["images"][:, top:top + crop_h, left:left + crop_w]
    np.testing.assert_allclose(
        _np(ours["images"]), _np(keras.layers.Resizing(*size)(window)), atol=1e-4, rtol=0)
    boxes = kb.crop(data["bounding_boxes"]["boxes"], top, left, crop_h, crop_w)
    boxes = kb.convert_format(boxes, "rel_xyxy", "xyxy", height=size[0] * 1.0 / crop_h,
                              width=size[1] * 1.0 / crop_w)
    expected = kb.clip_to_image_size({"boxes": boxes, "labels": data["bounding_boxes"][
        "labels"]}, height=size[0], width=size[1])
    np.testing.assert_allclose(_np(ours["bounding_boxes"]["boxes"]), _np(expected["boxes"]),
                               atol=1e-5, rtol=0)
    np.testing.assert_array_equal(_np(ours["bounding_boxes"]["labels"]),
                                  _np(expected["labels"]))


@pytest.mark.parametrize("name,kwargs", [
    ("RandomRotation", dict(factor=0.3)), ("RandomZoom", dict(height_factor=0.3)),
    ("RandomTranslation", dict(height_factor=0.3, width_factor=0.3)),
    ("RandomFlip", dict()),
])
def test_inference_leaves_boxes_alone_as_keras(name, kwargs):
    data = _data("center_xywh", masks=True)
    ours = getattr(layers, name)(bounding_box_format="center_xywh", **kwargs)(
        _copy(data), training=False)
    theirs = getattr(keras.layers, name)(bounding_box_format="center_xywh", **kwargs)(
        _copy(data), training=False)
    _assert_same(ours, theirs)
    np.testing.assert_array_equal(_np(ours["bounding_boxes"]["boxes"]),
                                  data["bounding_boxes"]["boxes"])


COLOR = [
    ("RandomBrightness", dict(factor=0.3)), ("RandomContrast", dict(factor=0.4)),
    ("RandomHue", dict(factor=0.3)), ("RandomSaturation", dict(factor=0.3)),
    ("RandomGrayscale", dict(factor=1.0)), ("RandomInvert", dict()),
    ("Solarization", dict(addition_factor=0.2)), ("RandomPosterization", dict(factor=4)),
    ("RandomSharpness", dict(factor=0.3)), ("RandomColorDegeneration", dict(factor=0.3)),
    ("RandomColorJitter", dict(brightness_factor=0.2)), ("AutoContrast", dict()),
    ("Equalization", dict()), ("RandomGaussianBlur", dict(factor=0.5)),
    ("RandomErasing", dict()),
]


@pytest.mark.parametrize("name,kwargs", COLOR)
def test_color_layers_pass_boxes_labels_and_masks(name, kwargs):
    data = _data("yxyx", masks=True)
    data["labels"] = np.array([1, 0])
    seed = {} if name in ("AutoContrast", "Equalization") else {"seed": 3}
    ours = getattr(layers, name)(bounding_box_format="yxyx", **seed, **kwargs)(_copy(data))
    plain = getattr(layers, name)(**seed, **kwargs)(data["images"])
    np.testing.assert_array_equal(_np(ours["images"]), _np(plain))
    if name == "RandomGrayscale":
        # Keras 3.15's RandomGrayscale fails on dict inputs (it reads `data.shape`); it
        # documents boxes and masks as passed through, which is what is checked here.
        theirs = {key: data[key] for key in ("segmentation_masks", "labels")}
        theirs["bounding_boxes"] = _densified(data)
    else:
        theirs = getattr(keras.layers, name)(bounding_box_format="yxyx", **kwargs)(
            _copy(data))
    for key in ("segmentation_masks", "labels"):
        np.testing.assert_array_equal(_np(ours[key]), _np(theirs[key]))
    _assert_same(ours, theirs, keys=())
    np.testing.assert_array_equal(_np(ours["bounding_boxes"]["boxes"]),
                                  data["bounding_boxes"]["boxes"])


def test_boxes_given_as_ragged_lists_are_padded():
    layer = layers.RandomTranslation((0.0, 0.0), (0.25, 0.25), bounding_box_format="xyxy")
    data = {"images": np.zeros((2, 8, 8, 3), "float32"),
            "bounding_boxes": {"boxes": [[[0, 0, 2, 2], [1, 1, 3, 3]], [[4, 4, 8, 8]]],
                               "labels": [[1, 2], [3]]}}
    out = layer(data)["bounding_boxes"]
    np.testing.assert_array_equal(_np(out["boxes"]), [[[2, 0, 4, 2], [3, 1, 5, 3]],
                                                      [[6, 4, 8, 8], [2, 0, 2, 0]]])
    # the padded (zero) box is shifted, then has no area once clipped: label -1
    np.testing.assert_array_equal(_np(out["labels"]), [[1, 2], [3, -1]])


def test_errors():
    data = _data()
    with pytest.raises(ValueError, match="bounding_box_format"):
        layers.RandomFlip()(_copy(data))
    # layers without box support refuse them
    with pytest.raises(ValueError, match="not supported"):
        layers.RandomElasticTransform(bounding_box_format="xyxy")(_copy(data))
    with pytest.raises(ValueError, match="bounding boxes"):
        layers.CutMix(bounding_box_format="xyxy")(_copy(data))  # Keras's raises too
    with pytest.raises(ValueError, match="'boxes' and 'labels'"):
        layers.RandomFlip(bounding_box_format="xyxy")(
            {"images": data["images"], "bounding_boxes": {"boxes": np.zeros((2, 1, 4))}})
    with pytest.raises(ValueError, match="'images'"):
        layers.RandomFlip(bounding_box_format="xyxy")({"bounding_boxes": {}})


def test_bounding_box_format_in_config():
    layer = layers.RandomZoom(0.2, bounding_box_format="center_yxhw")
    config = layer.get_config()
    assert config["bounding_box_format"] == "center_yxhw"
    assert layers.RandomZoom.from_config(config).bounding_box_format == "center_yxhw"
    resizing = layers.Resizing(4, 5, bounding_box_format="rel_xyxy")
    assert layers.Resizing.from_config(resizing.get_config()).bounding_box_format == "rel_xyxy"
    # Keras reads the same config
    assert keras.layers.Resizing.from_config(resizing.get_config()).bounding_box_format == \
        "rel_xyxy"


def test_plain_images_unchanged_by_the_refactor():
    # Plain tensor calls still work on all converted layers and give their old outputs.
    images = torch.rand(2, H, W, 3)
    for layer in (layers.Resizing(6, 7), layers.CenterCrop(5, 5), layers.RandomFlip(seed=1),
                  layers.RandomCrop(5, 6, seed=1), layers.RandomRotation(0.2, seed=1)):
        out = layer(images)
        assert out.dtype == torch.float32 and out.shape[0] == 2
    assert isinstance(cornu.layers.Resizing(2, 2), cornu.layers.Layer)


@pytest.mark.parametrize("name,kwargs", [
    ("Resizing", dict(height=8, width=10, pad_to_aspect_ratio=True)),
    ("CenterCrop", dict(height=8, width=10)),
    ("RandomZoom", dict(height_factor=(0.2, 0.2), width_factor=(-0.2, -0.2))),
    ("RandomTranslation", dict(height_factor=(0.2, 0.2), width_factor=(-0.1, -0.1))),
    ("RandomRotation", dict(factor=(0.1, 0.1))),
])
def test_channels_first_matches_keras(name, kwargs):
    data = _data("xyxy", masks=True)
    data["images"] = data["images"].transpose(0, 3, 1, 2).copy()
    data["segmentation_masks"] = data["segmentation_masks"].transpose(0, 3, 1, 2).copy()
    ours = getattr(layers, name)(bounding_box_format="xyxy", data_format="channels_first",
                                 **kwargs)(_copy(data))
    theirs = getattr(keras.layers, name)(bounding_box_format="xyxy",
                                         data_format="channels_first", **kwargs)(_copy(data))
    keys = ("images",) if name == "RandomRotation" else ("images", "segmentation_masks")
    _assert_same(ours, theirs, keys=keys)


def test_flip_with_seeded_transformation_and_unbatched_input():
    data = _data("center_yxhw", n=1)
    single = _unbatch(data)
    layer = layers.RandomFlip(bounding_box_format="center_yxhw")
    t1 = layer.get_random_transformation(torch.tensor(single["images"]), seed=5)
    t2 = layer.get_random_transformation(torch.tensor(single["images"]), seed=5)
    assert tuple(t1["flips"].shape) == (1, 1, 1)
    assert torch.equal(t1["flips"], t2["flips"])
    for flipped in (torch.tensor([[[True]]]), torch.tensor([[[False]]])):
        t = {"flips": flipped, "input_shape": single["images"].shape}
        theirs = keras.layers.RandomFlip(bounding_box_format="center_yxhw")
        boxes = {k: torch.tensor(v)[None] for k, v in single["bounding_boxes"].items()}
        np.testing.assert_array_equal(
            _np(layer.transform_bounding_boxes(dict(boxes), t)["boxes"]),
            _np(theirs.transform_bounding_boxes(dict(boxes), t)["boxes"]))
    out = layers.RandomFlip(bounding_box_format="center_yxhw", seed=9)(single)
    assert tuple(out["bounding_boxes"]["boxes"].shape) == (4, 4)
    assert tuple(out["bounding_boxes"]["labels"].shape) == (4,)


def test_pipeline_of_bbox_layers_matches_keras():
    data = _data("xywh")

    def pipeline(lib):
        return lib.layers.Pipeline([
            lib.layers.Resizing(10, 10, bounding_box_format="xywh"),
            lib.layers.RandomTranslation((0.2, 0.2), (0.1, 0.1), bounding_box_format="xywh"),
            lib.layers.RandomZoom((-0.2, -0.2), bounding_box_format="xywh"),
            lib.layers.MaxNumBoundingBoxes(6, bounding_box_format="xywh"),
        ])

    _assert_same(pipeline(cornu)(_copy(data)), pipeline(keras)(_copy(data)), atol=1e-4)


def test_uint8_images_in_dicts():
    data = _data("xyxy")
    data["images"] = data["images"].astype("uint8")
    ours = layers.RandomTranslation((0.25, 0.25), (0.0, 0.0), bounding_box_format="xyxy")(
        _copy(data))
    theirs = keras.layers.RandomTranslation((0.25, 0.25), (0.0, 0.0),
                                            bounding_box_format="xyxy")(_copy(data))
    assert ours["images"].dtype == torch.float32
    _assert_same(ours, theirs)


def _transformation_parity(ours, theirs, data):
    images = torch.tensor(data["images"])
    t = ours.get_random_transformation(images, training=True)
    out = ours.transform_bounding_boxes(_densified(data), t)
    expected = theirs.transform_bounding_boxes(_densified(data), t)
    np.testing.assert_allclose(_np(out["boxes"]), _np(expected["boxes"]), atol=1e-5, rtol=0)
    np.testing.assert_array_equal(_np(out["labels"]), _np(expected["labels"]))
    np.testing.assert_allclose(_np(ours.transform_images(images, t)),
                               _np(theirs.transform_images(images, t)), atol=1e-3, rtol=0)
    return t, out


@pytest.mark.parametrize("kwargs", [dict(x_factor=0.3), dict(y_factor=(0.1, 0.4))])
@pytest.mark.parametrize("fmt", ["xyxy", "center_xywh", "rel_xyxy"])
def test_shear_one_axis_square_images_match_keras(kwargs, fmt):
    data = _data(fmt, n=5, seed=8, h=16, w=16)
    _transformation_parity(layers.RandomShear(bounding_box_format=fmt, seed=2, **kwargs),
                           keras.layers.RandomShear(bounding_box_format=fmt, **kwargs), data)


def test_perspective_matches_keras():
    data = _data("xyxy", n=6, seed=9)
    ours = layers.RandomPerspective(factor=(0.5, 0.5), scale=0.5, bounding_box_format="xyxy",
                                    seed=0)
    theirs = keras.layers.RandomPerspective(factor=(0.5, 0.5), scale=0.5,
                                            bounding_box_format="xyxy")
    t, out = _transformation_parity(ours, theirs, data)
    assert 0 < int(t["apply_perspective"].sum()) < 6  # some warped, some not
    kept = _np(~t["apply_perspective"])  # unwarped boxes are only clipped
    clipped = kb.clip_to_image_size(dict(data["bounding_boxes"]), height=H, width=W)["boxes"]
    np.testing.assert_array_equal(_np(out["boxes"])[kept], _np(clipped)[kept])
    # Keras 3.15 returns the boxes in "xyxy" whatever the layer's format; cornu converts
    # them back.
    rel = _copy(data)
    rel["bounding_boxes"]["boxes"] = _np(kb.convert_format(data["bounding_boxes"]["boxes"],
                                                          "xyxy", "rel_yxyx", height=H,
                                                          width=W))
    ours_rel = layers.RandomPerspective(factor=0.8, scale=0.5, bounding_box_format="rel_yxyx")
    boxes = ours_rel.transform_bounding_boxes(_densified(rel), t)["boxes"]
    np.testing.assert_allclose(
        _np(boxes), _np(kb.convert_format(out["boxes"], "xyxy", "rel_yxyx", height=H, width=W)),
        atol=1e-5)


@pytest.mark.parametrize("layer", [
    lambda: layers.RandomShear(x_factor=(0.2, 0.2), y_factor=(0.1, 0.1), seed=1,
                               interpolation="nearest", fill_mode="constant",
                               bounding_box_format="xyxy"),
    lambda: layers.RandomShear(y_factor=(0.3, 0.3), seed=2, interpolation="nearest",
                               fill_mode="constant", bounding_box_format="xyxy"),
    lambda: layers.RandomPerspective(factor=1.0, scale=0.3, seed=3, interpolation="nearest",
                                     bounding_box_format="xyxy"),
])
def test_shear_and_perspective_boxes_follow_the_pixels(layer):
    # non-square images, both shear axes: where Keras 3.15's shear boxes drift
    box = [4, 3, 9, 7]
    data = {"images": np.stack([_blob_image(box)] * 4),
            "bounding_boxes": {"boxes": np.array([[box]] * 4, "float32"),
                               "labels": np.ones((4, 1), "int32")}}
    out = layer()(data)
    for img, b in zip(out["images"], out["bounding_boxes"]["boxes"]):
        np.testing.assert_allclose(_np(b[0]), _blob_box(img), atol=1.01, rtol=0)


# seeds whose picks chain geometric operations: rotation, shear, contrast, translation;
# translation, rotation twice
@pytest.mark.parametrize("seed", [56, 10])
def test_rand_augment_moves_boxes_through_its_picked_operations(seed):
    data = _data("xyxy", n=3, seed=12, masks=True)
    twin = layers.RandAugment(num_ops=4, seed=seed)
    layer = layers.RandAugment(num_ops=4, seed=seed, bounding_box_format="xyxy")
    t = layer.get_random_transformation(torch.tensor(data["images"]))
    geometric = [n for n in t["layers"] if n in ("random_rotation", "random_translation",
                                                  "random_shear")]
    assert len(geometric) >= 3
    out = layers.RandAugment(num_ops=4, seed=seed, bounding_box_format="xyxy")(_copy(data))
    # the images are those of a plain call with the same seed
    np.testing.assert_array_equal(_np(out["images"]), _np(twin(data["images"])))
    boxes = _densified(data)
    references = {"random_translation": keras.layers.RandomTranslation(0.1, 0.1,
                                                                       bounding_box_format="xyxy"),
                  "random_rotation": keras.layers.RandomRotation(0.1,
                                                                 bounding_box_format="xyxy"),
                  "random_shear": layer.random_shear}  # tested against Keras above
    for name, step in zip(t["layers"], t["transforms"]):
        if name in references:
            boxes = references[name].transform_bounding_boxes(boxes, step)
    np.testing.assert_allclose(_np(out["bounding_boxes"]["boxes"]), _np(boxes["boxes"]),
                               atol=1e-5)
    np.testing.assert_array_equal(_np(out["bounding_boxes"]["labels"]), _np(boxes["labels"]))
    assert tuple(out["segmentation_masks"].shape) == data["segmentation_masks"].shape
    inference = layer(_copy(data), training=False)
    np.testing.assert_array_equal(_np(inference["bounding_boxes"]["boxes"]),
                                  data["bounding_boxes"]["boxes"])


def test_mix_up_appends_partner_boxes_and_mixes_masks():
    data = _data("xyxy", n=4, seed=13, masks=True)
    data["labels"] = np.eye(4, dtype="float32")
    layer = layers.MixUp(alpha=0.4, seed=5, bounding_box_format="xyxy")
    t = layers.MixUp(alpha=0.4, seed=5).get_random_transformation(torch.tensor(data["images"]))
    order, w = _np(t["permutation_order"]), _np(t["mix_weight"])
    out = layer(_copy(data))
    boxes, labels = data["bounding_boxes"]["boxes"], data["bounding_boxes"]["labels"]
    np.testing.assert_array_equal(_np(out["bounding_boxes"]["boxes"]),
                                  np.concatenate([boxes, boxes[order]], axis=1))
    np.testing.assert_array_equal(_np(out["bounding_boxes"]["labels"]),
                                  np.concatenate([labels, labels[order]], axis=1))
    # Keras 3.15 appends the boxes the same way (but its labels along the batch axis, and it
    # flattens the masks before mixing them)
    theirs = keras.layers.MixUp(bounding_box_format="xyxy").transform_bounding_boxes(
        _densified(data), t)
    np.testing.assert_array_equal(_np(out["bounding_boxes"]["boxes"]), _np(theirs["boxes"]))
    masks = data["segmentation_masks"]
    wm = w.reshape(-1, 1, 1, 1)
    np.testing.assert_allclose(_np(out["segmentation_masks"]),
                               wm * masks + (1 - wm) * masks[order], rtol=1e-6)
    np.testing.assert_allclose(_np(out["labels"]),
                               w[:, None] * data["labels"] + (1 - w[:, None]) *
                               data["labels"][order], rtol=1e-6)
    images = data["images"]
    np.testing.assert_allclose(_np(out["images"]), wm * images + (1 - wm) * images[order],
                               rtol=1e-5)
