"""`cornu.utils.bounding_boxes` against `keras.utils.bounding_boxes` on the same inputs."""

import numpy as np
import pytest
import torch

from cornu.utils import bounding_boxes as cb

keras = pytest.importorskip("keras")
kb = keras.utils.bounding_boxes

FORMATS = ["xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy", "rel_yxyx",
           "rel_xywh", "rel_center_xywh"]


def _boxes(shape, low=0.0, high=50.0, seed=0, dtype="float32"):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(dtype)


def _xyxy(shape, seed=0):
    """Valid xyxy boxes (x1 < x2, y1 < y2) in a 60 x 80 image."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 40, shape[:-1] + (2,))
    wh = rng.uniform(1, 30, shape[:-1] + (2,))
    return np.concatenate([xy, xy + wh], axis=-1).astype("float32")


def _same(ours, theirs):
    theirs = torch.as_tensor(np.asarray(theirs.cpu() if torch.is_tensor(theirs) else theirs))
    assert isinstance(ours, torch.Tensor)
    assert ours.dtype == theirs.dtype, (ours.dtype, theirs.dtype)
    assert ours.shape == theirs.shape
    torch.testing.assert_close(ours, theirs, rtol=0, atol=0, equal_nan=True)


@pytest.mark.parametrize("source", FORMATS)
@pytest.mark.parametrize("target", FORMATS)
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4)])
def test_convert_format_matches_keras(source, target, shape):
    boxes = _boxes(shape, high=1.0 if source.startswith("rel") else 50.0)
    ours = cb.convert_format(boxes, source, target, height=60, width=80)
    _same(ours, kb.convert_format(boxes, source, target, height=60, width=80))
    # torch input gives the same as NumPy input
    _same(cb.convert_format(torch.from_numpy(boxes), source, target, height=60, width=80),
          ours)


@pytest.mark.parametrize("dtype", ["float64", "float16", "int32"])
def test_convert_format_dtypes_match_keras(dtype):
    boxes = _boxes((4, 4)).astype("int64")
    for source, target in [("xyxy", "center_xywh"), ("xywh", "yxyx"), ("xyxy", "rel_xyxy")]:
        if dtype == "int32" and target.startswith("rel"):
            continue
        _same(cb.convert_format(boxes, source, target, height=60, width=80, dtype=dtype),
              kb.convert_format(boxes, source, target, height=60, width=80, dtype=dtype))


def test_convert_format_lists_dicts_and_case():
    boxes = [[10, 20, 30, 40], [50, 60, 70, 80]]
    # Keras needs a tensor; a list is read as Keras's convert_to_tensor reads it
    _same(cb.convert_format(boxes, "XYXY", "xywh"),
          kb.convert_format(keras.ops.convert_to_tensor(boxes), "XYXY", "xywh"))
    ours = {"boxes": np.array(boxes, "float32"), "labels": np.array([1, 2])}
    theirs = {"boxes": np.array(boxes, "float32"), "labels": np.array([1, 2])}
    out = cb.convert_format(ours, "xyxy", "rel_xyxy", height=200, width=300)
    assert out is ours  # converted in place, as Keras does
    _same(out["boxes"], kb.convert_format(theirs, "xyxy", "rel_xyxy", height=200,
                                          width=300)["boxes"])


def test_convert_format_errors():
    with pytest.raises(ValueError, match="last dimension of 4"):
        cb.convert_format(np.zeros((2, 3)), "xyxy", "xywh")
    with pytest.raises(ValueError, match="invalid source or target"):
        cb.convert_format(np.zeros((2, 4)), "xyxy", "corners")
    with pytest.raises(ValueError, match="`height` and `width`"):
        cb.convert_format(np.zeros((2, 4)), "xyxy", "rel_xyxy")


@pytest.mark.parametrize("fmt", ["xyxy", "rel_xyxy"])
@pytest.mark.parametrize("shape", [(6, 4), (2, 6, 4)])
def test_clip_to_image_size_matches_keras(fmt, shape):
    high = 1.4 if fmt == "rel_xyxy" else 100.0
    boxes = _boxes(shape, low=-0.4 * high, high=high, seed=3)
    boxes[..., 0, :] = [-20, -20, -5, -5] if fmt == "xyxy" else [-0.5, -0.5, -0.1, -0.1]
    labels = np.arange(np.prod(shape[:-1])).reshape(shape[:-1]).astype("int32")
    ours = cb.clip_to_image_size({"boxes": boxes, "labels": labels}, height=60, width=70,
                                 bounding_box_format=fmt)
    theirs = kb.clip_to_image_size({"boxes": boxes, "labels": labels}, height=60, width=70,
                                   bounding_box_format=fmt)
    _same(ours["boxes"], theirs["boxes"])
    _same(ours["labels"], theirs["labels"])
    assert (ours["labels"].reshape(-1, shape[-2])[:, 0] == -1).all()


def test_clip_to_image_size_without_labels_and_errors():
    boxes = _boxes((3, 4), low=-10, high=90, dtype="float64")
    ours = cb.clip_to_image_size({"boxes": boxes}, height=50, width=60)
    _same(ours["boxes"], kb.clip_to_image_size({"boxes": boxes}, height=50,
                                               width=60)["boxes"])
    assert "labels" not in ours
    with pytest.raises(NotImplementedError):
        cb.clip_to_image_size({"boxes": boxes}, 50, 60, bounding_box_format="xywh")
    with pytest.raises(ValueError, match="`height` and `width`"):
        cb.clip_to_image_size({"boxes": boxes})


@pytest.mark.parametrize("center", [(None, None), (0.25, 0.75)])
def test_affine_transform_matches_keras(center):
    boxes = _xyxy((3, 5, 4))
    rng = np.random.default_rng(7)
    params = dict(angle=rng.uniform(-40, 40, 3), translate_x=rng.uniform(-0.2, 0.2, 3),
                  translate_y=rng.uniform(-0.2, 0.2, 3), scale=rng.uniform(0.7, 1.3, 3),
                  shear_x=rng.uniform(-10, 10, 3), shear_y=rng.uniform(-10, 10, 3))
    params = {k: v.astype("float32") for k, v in params.items()}
    ours = cb.affine_transform(boxes, **{k: torch.from_numpy(v) for k, v in params.items()},
                               height=60, width=80, center_x=center[0], center_y=center[1])
    theirs = kb.affine_transform(boxes, **{k: torch.from_numpy(v) for k, v in params.items()},
                                 height=60, width=80, center_x=center[0], center_y=center[1])
    assert ours.shape == (3, 5, 4)
    _same(ours, theirs)
    # the identity map leaves boxes where they are
    ident = cb.affine_transform(boxes, torch.zeros(3), torch.zeros(3), torch.zeros(3),
                                torch.ones(3), torch.zeros(3), torch.zeros(3), 60, 80)
    torch.testing.assert_close(ident, torch.from_numpy(boxes), atol=1e-4, rtol=0)
    with pytest.raises(NotImplementedError):
        cb.affine_transform(boxes, *([torch.zeros(3)] * 6), 60, 80, bounding_box_format="xywh")


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
@pytest.mark.parametrize("shape", [(5, 4), (2, 5, 4)])
def test_crop_and_pad_match_keras(dtype, shape):
    boxes = _xyxy(shape).astype(dtype)
    _same(cb.crop(boxes, top=10, left=20, height=40, width=30),
          kb.crop(boxes, top=10, left=20, height=40, width=30))
    _same(cb.pad(boxes, top=7, left=3), kb.pad(boxes, top=7, left=3))
    _same(cb.pad(torch.from_numpy(boxes), 2, 9, 100, 100),
          kb.pad(torch.from_numpy(boxes), 2, 9, 100, 100))
    with pytest.raises(NotImplementedError):
        cb.crop(boxes, 1, 1, 1, 1, bounding_box_format="yxyx")
    with pytest.raises(NotImplementedError):
        cb.pad(boxes, 1, 1, bounding_box_format="yxyx")


@pytest.mark.parametrize("fmt", ["xyxy", "yxyx", "xywh", "center_xywh", "rel_xyxy"])
@pytest.mark.parametrize("batched", [(False, False), (True, True), (True, False),
                                     (False, True)])
def test_compute_iou_matches_keras(fmt, batched):
    def make(n, batch, seed):
        b = _xyxy((2, n, 4) if batch else (n, 4), seed=seed)
        b[..., 0, :] = [5, 6, 25, 30]  # the same box in both sets
        if fmt == "rel_xyxy":
            b = b / np.array([80, 60, 80, 60], "float32")
            return b.astype("float32")
        return np.asarray(kb.convert_format(b, "xyxy", fmt).cpu())

    b1, b2 = make(4, batched[0], 1), make(6, batched[1], 2)
    image_shape = (60, 80, 3) if fmt.startswith("rel") else None
    ours = cb.compute_iou(b1, b2, fmt, image_shape=image_shape)
    _same(ours, kb.compute_iou(b1, b2, fmt, image_shape=image_shape))
    torch.testing.assert_close(ours[..., 0, 0], torch.ones_like(ours[..., 0, 0]), atol=1e-5,
                               rtol=0)


@pytest.mark.parametrize("batched", [False, True])
def test_compute_iou_masking_matches_keras(batched):
    shape1, shape2 = ((2, 4, 4), (2, 5, 4)) if batched else ((4, 4), (5, 4))
    b1, b2 = _xyxy(shape1, seed=4), _xyxy(shape2, seed=5)
    b1[..., 1, :] = -1
    b2[..., 3, :] = -1
    ours = cb.compute_iou(b1, b2, "xyxy", use_masking=True, mask_val=-7)
    _same(ours, kb.compute_iou(b1, b2, "xyxy", use_masking=True, mask_val=-7))
    assert (ours[..., 1, :] == -7).all() and (ours[..., :, 3] == -7).all()


def test_compute_iou_errors():
    with pytest.raises(ValueError, match="boxes1"):
        cb.compute_iou(np.zeros((1, 1, 1, 4)), np.zeros((2, 4)), "xyxy")
    with pytest.raises(ValueError, match="image_shape"):
        cb.compute_iou(np.zeros((1, 4)), np.zeros((2, 4)), "rel_xyxy")


@pytest.mark.parametrize("fmt", ["xyxy", "yxyx", "center_xywh"])
@pytest.mark.parametrize("shape", [(6, 4), (2, 6, 4)])
def test_compute_ciou_matches_keras(fmt, shape):
    b1 = np.asarray(kb.convert_format(_xyxy(shape, seed=8), "xyxy", fmt).cpu())
    b2 = np.asarray(kb.convert_format(_xyxy(shape, seed=9), "xyxy", fmt).cpu())
    b2[..., 0, :] = b1[..., 0, :]
    ours = cb.compute_ciou(b1, b2, fmt)
    assert ours.shape == shape[:-1]
    _same(ours, kb.compute_ciou(b1, b2, fmt))
    with pytest.raises(ValueError, match="relative"):
        cb.compute_ciou(b1, b2, "rel_xyxy")


@pytest.mark.parametrize("encoding", ["center_yxhw", "center_xywh"])
@pytest.mark.parametrize("variance", [None, [0.1, 0.1, 0.2, 0.2]])
@pytest.mark.parametrize("batched", [False, True])
def test_encode_and_decode_match_keras(encoding, variance, batched):
    anchors = _xyxy((6, 4), seed=10)
    boxes = _xyxy((2, 6, 4) if batched else (6, 4), seed=11)
    boxes_xywh = np.asarray(kb.convert_format(boxes, "xyxy", "xywh").cpu())
    ours = cb.encode_box_to_deltas(anchors, boxes_xywh, "xyxy", "xywh", encoding, variance)
    theirs = kb.encode_box_to_deltas(anchors, boxes_xywh, "xyxy", "xywh", encoding, variance)
    _same(ours, theirs)
    decoded = cb.decode_deltas_to_boxes(anchors, ours, "xyxy", "xyxy", encoding, variance)
    _same(decoded, kb.decode_deltas_to_boxes(anchors, theirs, "xyxy", "xyxy", encoding,
                                             variance))
    torch.testing.assert_close(decoded, torch.from_numpy(boxes), atol=1e-3, rtol=1e-5)


def test_encode_decode_relative_formats_and_levels():
    anchors = _xyxy((5, 4), seed=12)
    rel = (_xyxy((5, 4), seed=13) / np.array([80, 60, 80, 60])).astype("float32")
    kwargs = dict(anchor_format="xyxy", image_shape=(60, 80, 3))
    _same(cb.encode_box_to_deltas(anchors, rel, box_format="rel_xyxy", **kwargs),
          kb.encode_box_to_deltas(anchors, rel, box_format="rel_xyxy", **kwargs))
    deltas = {"P3": torch.from_numpy(_boxes((5, 4), -0.5, 0.5, seed=1)),
              "P4": torch.from_numpy(_boxes((2, 5, 4), -0.5, 0.5))}
    levels = {"P3": anchors, "P4": anchors}
    ours = cb.decode_deltas_to_boxes(levels, deltas, box_format="rel_center_xywh", **kwargs)
    theirs = kb.decode_deltas_to_boxes(levels, deltas, box_format="rel_center_xywh", **kwargs)
    assert set(ours) == {"P3", "P4"}
    for level in ours:
        _same(ours[level], theirs[level])


def test_encode_decode_errors():
    a = np.zeros((2, 4), "float32")
    with pytest.raises(ValueError, match="length 4"):
        cb.encode_box_to_deltas(a, a, "xyxy", "xyxy", variance=[1, 1])
    with pytest.raises(ValueError, match="encoding_format"):
        cb.encode_box_to_deltas(a, a, "xyxy", "xyxy", encoding_format="xyxy")
    with pytest.raises(ValueError, match="length 4"):
        cb.decode_deltas_to_boxes(a, a, "xyxy", "xyxy", variance=[1, 1, 1])
    with pytest.raises(ValueError, match="encoded_format"):
        cb.decode_deltas_to_boxes(a, a, "xyxy", "xyxy", encoded_format="yxyx")


def test_namespace_matches_keras():
    import cornu
    public = {n for n in dir(kb) if not n.startswith("_")}
    assert public <= set(dir(cornu.utils.bounding_boxes))


@pytest.mark.parametrize("name", ["convert_format", "clip_to_image_size", "affine_transform",
                                  "crop", "pad", "encode_box_to_deltas",
                                  "decode_deltas_to_boxes", "compute_iou", "compute_ciou"])
def test_signatures_match_keras(name):
    import inspect

    def params(fn):
        return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()]

    assert params(getattr(cb, name)) == params(getattr(kb, name))


def test_clip_to_image_size_one_hot_labels():
    # Keras 3.15 fails on labels with a class axis; cornu sets a dropped box's row to -1.
    boxes = np.array([[[1, 1, 5, 5], [-9, -9, -1, -1]], [[0, 0, 3, 3], [20, 2, 30, 8]]],
                     "float32")
    labels = np.eye(3, dtype="float32")[[[0, 1], [2, 0]]]
    out = cb.clip_to_image_size({"boxes": boxes, "labels": labels}, height=12, width=16)
    flat = kb.clip_to_image_size({"boxes": boxes, "labels": np.argmax(labels, -1)},
                                 height=12, width=16)
    _same(out["boxes"], flat["boxes"])
    dropped = np.asarray(flat["labels"]) == -1
    expected = np.where(dropped[..., None], -1.0, labels).astype("float32")
    np.testing.assert_array_equal(out["labels"].numpy(), expected)
    assert dropped.sum() == 2
