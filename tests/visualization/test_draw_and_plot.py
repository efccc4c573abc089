"""`cornu.visualization` against `keras.visualization` on the same inputs."""

import io
import subprocess
import sys

import numpy as np
import pytest
import torch

import cornu
from cornu import visualization

keras = pytest.importorskip("keras")
matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

draw_module = sys.modules["cornu.visualization.draw_bounding_boxes"]


def _keras_cv2():
    """OpenCV, which Keras's draw_bounding_boxes needs to produce a reference at all."""
    return pytest.importorskip("cv2")


@pytest.fixture
def no_opencv(monkeypatch):
    monkeypatch.setattr(draw_module, "_opencv", lambda: None)


def _images(n=2, h=40, w=50, seed=0, dtype="float32", high=255.0):
    return np.random.default_rng(seed).uniform(0, high, (n, h, w, 3)).astype(dtype)


def _boxes(n=2, k=5, seed=1):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, (n, k))
    labels[:, -1] = -1  # never drawn
    return {"boxes": rng.uniform(-5, 40, (n, k, 4)).astype("float32"), "labels": labels,
            "confidences": rng.uniform(0, 1, (n, k))}


# ------------------------------------------------------------- draw_bounding_boxes

@pytest.mark.parametrize("fmt", ["xyxy", "xywh", "center_yxhw", "rel_xyxy"])
@pytest.mark.parametrize("thickness", [1, 2, 3, 6])
@pytest.mark.parametrize("mapping", [None, {0: "cat", 2: "dog"}])
def test_draw_bounding_boxes_matches_keras(fmt, thickness, mapping):
    _keras_cv2()
    images, boxes = _images(), _boxes()
    if fmt.startswith("rel"):
        boxes["boxes"] = boxes["boxes"] / 50.0
    kwargs = dict(class_mapping=mapping, line_thickness=thickness, color=(250, 20, 5))
    ours = visualization.draw_bounding_boxes(images, dict(boxes), fmt, **kwargs)
    theirs = keras.visualization.draw_bounding_boxes(images.copy(), dict(boxes), fmt, **kwargs)
    assert ours.dtype == np.uint8 and ours.shape == images.shape
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("images", [_images(high=1.0), _images(dtype="uint8"),
                                    _images(high=400.0)])
def test_draw_bounding_boxes_value_ranges_match_keras(images):
    _keras_cv2()
    boxes = _boxes()
    ours = visualization.draw_bounding_boxes(torch.tensor(images), dict(boxes), "xyxy",
                                             font_scale=0.5, text_thickness=2)
    theirs = keras.visualization.draw_bounding_boxes(images.copy(), dict(boxes), "xyxy",
                                                     font_scale=0.5, text_thickness=2)
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("thickness", [1, 2, 3, 4, 5, 8])
def test_fallback_rectangles_are_opencvs(no_opencv, thickness):
    cv2 = _keras_cv2()
    rng = np.random.default_rng(thickness)
    for _ in range(20):
        corners = rng.integers(-6, 46, 4)
        ours = np.zeros((40, 42, 3), "uint8")
        draw_module.draw_rectangle(ours, tuple(corners[:2]), tuple(corners[2:]), (9, 8, 7),
                                   thickness)
        theirs = np.zeros((40, 42, 3), "uint8")
        cv2.rectangle(theirs, tuple(int(c) for c in corners[:2]),
                      tuple(int(c) for c in corners[2:]), (9, 8, 7), thickness)
        np.testing.assert_array_equal(ours, theirs)


def test_fallback_boxes_match_keras_pixels(no_opencv):
    _keras_cv2()
    images, boxes = _images(), _boxes()
    ours = visualization.draw_bounding_boxes(images, dict(boxes), "xywh")
    theirs = keras.visualization.draw_bounding_boxes(images.copy(), dict(boxes), "xywh")
    np.testing.assert_array_equal(ours, theirs)


def test_fallback_rectangle_pixels():
    # Independent of OpenCV: the outline for thickness 1, a 3-pixel band with the outer
    # corner pixels left out for thickness 2, the whole box for a negative thickness.
    thin = draw_module.rectangle_mask(12, 14, (2, 3), (9, 8), 1)
    expected = np.zeros((12, 14), bool)
    expected[3, 2:10] = expected[8, 2:10] = expected[3:9, 2] = expected[3:9, 9] = True
    np.testing.assert_array_equal(thin, expected)
    thick = draw_module.rectangle_mask(12, 14, (2, 3), (9, 8), 2)
    band = np.zeros((12, 14), bool)
    band[2:10, 1:11] = True
    band[5:7, 4:8] = False  # the inside, farther than 1 from the outline
    for y, x in [(2, 1), (2, 10), (9, 1), (9, 10)]:
        band[y, x] = False  # beyond the rounded corners
    np.testing.assert_array_equal(thick, band)
    filled = draw_module.rectangle_mask(12, 14, (9, 8), (2, 3), -1)
    np.testing.assert_array_equal(filled, np.pad(np.ones((6, 8), bool), ((3, 3), (2, 4))))


def test_fallback_draws_labels_with_pil(no_opencv):
    pytest.importorskip("PIL")
    images = np.zeros((1, 60, 80, 3), "uint8")
    boxes = {"boxes": np.array([[[20, 40, 60, 55]]], "float32"), "labels": np.array([[1]])}
    plain = visualization.draw_bounding_boxes(images, dict(boxes), "xyxy", color=(0, 255, 0))
    named = visualization.draw_bounding_boxes(images, dict(boxes), "xyxy", color=(0, 255, 0),
                                              class_mapping={1: "car"})
    text = (named != plain).any(-1)[0]
    ys, xs = np.nonzero(text)
    assert text.sum() > 20
    # The text sits on the baseline at (x1, y1 - 8), right of the box's left edge.
    assert ys.max() <= 40 - 8 + 3 and xs.min() >= 20 - 1
    assert (named[0][text] == [0, 255, 0]).all()


def test_draw_bounding_boxes_channels_first_and_errors():
    images, boxes = _images(), _boxes()
    ours = visualization.draw_bounding_boxes(images.transpose(0, 3, 1, 2), dict(boxes), "xyxy",
                                             data_format="channels_first")
    channels_last = visualization.draw_bounding_boxes(images, dict(boxes), "xyxy")
    np.testing.assert_array_equal(ours, channels_last.transpose(0, 3, 1, 2))
    with pytest.raises(ValueError, match="4D"):
        visualization.draw_bounding_boxes(images[0], dict(boxes), "xyxy")
    with pytest.raises(TypeError, match="dict"):
        visualization.draw_bounding_boxes(images, boxes["boxes"], "xyxy")
    with pytest.raises(ValueError, match="'labels'"):
        visualization.draw_bounding_boxes(images, {"boxes": boxes["boxes"]}, "xyxy")


# --------------------------------------------------------- draw_segmentation_masks

def _masks(n=2, h=40, w=50, seed=2, high=4):
    return np.random.default_rng(seed).integers(-1, high, (n, h, w, 1)).astype("int32")


@pytest.mark.parametrize("blend", [True, False])
@pytest.mark.parametrize("kwargs", [dict(num_classes=4), dict(num_classes=3, alpha=0.3),
                                    dict(num_classes=4, ignore_index=2),
                                    dict(num_classes=4, color_mapping={
                                        0: (1, 2, 3), 1: (255, 0, 0), 2: (0, 0, 255),
                                        3: (9, 9, 9)})])
def test_draw_segmentation_masks_matches_keras(blend, kwargs):
    # Keras's torch backend rejects mask values >= num_classes
    images, masks = _images(), _masks(high=kwargs["num_classes"])
    ours = visualization.draw_segmentation_masks(images, masks, blend=blend, **kwargs)
    theirs = keras.visualization.draw_segmentation_masks(images, masks, blend=blend, **kwargs)
    theirs = theirs.cpu().numpy() if isinstance(theirs, torch.Tensor) else theirs
    assert isinstance(ours, np.ndarray) and ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


def test_draw_segmentation_masks_inferred_classes_channels_first_and_3d_masks():
    images, masks = _images(), _masks()
    ours = visualization.draw_segmentation_masks(images, masks)
    # every class present is painted: Keras with num_classes = largest value + 1
    theirs = keras.visualization.draw_segmentation_masks(images, masks, num_classes=4)
    np.testing.assert_array_equal(ours, theirs)
    first = visualization.draw_segmentation_masks(
        torch.tensor(images).permute(0, 3, 1, 2), torch.tensor(masks).permute(0, 3, 1, 2),
        num_classes=4, data_format="channels_first")
    np.testing.assert_array_equal(first, theirs)  # channels last out, as in Keras
    np.testing.assert_array_equal(
        visualization.draw_segmentation_masks(images, masks[..., 0], num_classes=4), theirs)
    with pytest.raises(TypeError, match="integer"):
        visualization.draw_segmentation_masks(images, masks.astype("float32"))
    with pytest.raises(ValueError, match="4D"):
        visualization.draw_segmentation_masks(images[0], masks[0])


# ------------------------------------------------------------------- galleries

def _keras_figure(fn, *args, **kwargs):
    plt.close("all")
    fn(*args, show=False, **kwargs)
    return plt.gcf()


def _layout(fig):
    return [ax.get_subplotspec().get_geometry()[:3] for ax in fig.axes]


def _shown(fig):
    return [np.asarray(ax.images[0].get_array()) if ax.images else None for ax in fig.axes]


def _assert_same_figures(ours, theirs):
    assert _layout(ours) == _layout(theirs)
    assert tuple(ours.get_size_inches()) == tuple(theirs.get_size_inches())
    for a, b in zip(_shown(ours), _shown(theirs)):
        np.testing.assert_array_equal(a, b)
    assert [ax.get_title() for ax in ours.axes] == [ax.get_title() for ax in theirs.axes]
    assert len(ours.legends) == len(theirs.legends)


@pytest.mark.parametrize("n,kwargs", [(4, {}), (5, {}), (9, {}), (1, {}),
                                      (6, dict(rows=2, cols=3)), (3, dict(rows=1)),
                                      (4, dict(value_range=(0, 1), scale=1.5))])
def test_plot_image_gallery_matches_keras(n, kwargs):
    high = 1.0 if "value_range" in kwargs else 255.0
    images = _images(n, 8, 10, high=high)
    ours = visualization.plot_image_gallery(images, show=False, **kwargs)
    theirs = _keras_figure(keras.visualization.plot_image_gallery, images, **kwargs)
    assert isinstance(ours, matplotlib.figure.Figure)
    _assert_same_figures(ours, theirs)
    plt.close("all")


def test_plot_image_gallery_titles_png_and_errors(tmp_path):
    images = _images(4, 8, 10)
    label_map = {0: "zero", 1: "one"}
    y_true, y_pred = np.array([0, 1, 1, 0]), np.array([1, 1, 0, 0])
    ours = visualization.plot_image_gallery(images, y_true=y_true, y_pred=y_pred,
                                            label_map=label_map, show=False)
    theirs = _keras_figure(keras.visualization.plot_image_gallery, images, y_true=y_true,
                           y_pred=y_pred, label_map=label_map)
    _assert_same_figures(ours, theirs)
    assert ours.axes[1].get_title() == "Label: one  Pred: one"
    path = tmp_path / "gallery.png"
    visualization.plot_image_gallery(images, path=str(path), dpi=40)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    PIL = pytest.importorskip("PIL.Image")
    width, height = PIL.open(io.BytesIO(data)).size
    assert width > 0 and abs(width / height - 1.0) < 0.2  # a 2 x 2 grid of 8 x 10 images
    with pytest.raises(ValueError, match="label_map"):
        visualization.plot_image_gallery(images, y_true=y_true, show=False)
    with pytest.raises(ValueError, match="`path`"):
        visualization.plot_image_gallery(images, path=str(path), show=True)
    plt.close("all")


def test_plot_image_gallery_channels_first():
    images = _images(4, 8, 10)
    ours = visualization.plot_image_gallery(images.transpose(0, 3, 1, 2), show=False,
                                            data_format="channels_first")
    last = visualization.plot_image_gallery(images, show=False)
    for a, b in zip(_shown(ours), _shown(last)):
        np.testing.assert_array_equal(a, b)
    plt.close("all")


def test_plot_bounding_box_gallery_matches_keras():
    _keras_cv2()
    images = _images(4, 40, 50)
    y_true, y_pred = _boxes(4, seed=3), _boxes(4, seed=4)
    kwargs = dict(y_true=y_true, y_pred=y_pred, class_mapping={0: "a", 1: "b", 2: "c"},
                  legend=True, rows=2, cols=2)
    ours = visualization.plot_bounding_box_gallery(images, "xywh", show=False, **kwargs)
    theirs = _keras_figure(keras.visualization.plot_bounding_box_gallery, images, "xywh",
                           **kwargs)
    _assert_same_figures(ours, theirs)
    assert len(ours.legends) == 1
    with pytest.raises(ValueError, match="legend"):
        visualization.plot_bounding_box_gallery(images, "xywh", legend=True,
                                                legend_handles=[object()], show=False)
    plt.close("all")


def test_plot_bounding_box_gallery_draws_the_boxes():
    images = np.zeros((2, 20, 30, 3), "uint8")
    y_true = {"boxes": np.array([[[2, 3, 10, 12]], [[5, 5, 20, 15]]], "float32"),
              "labels": np.array([[0], [0]])}
    fig = visualization.plot_bounding_box_gallery(images, "xyxy", y_true=y_true, show=False,
                                                  line_thickness=1)
    expected = visualization.draw_bounding_boxes(images, dict(y_true), "xyxy",
                                                 color=(0, 188, 212), line_thickness=1)
    for shown, image in zip(_shown(fig), expected):
        np.testing.assert_array_equal(shown, image)
    assert (expected[0, 3, 2:11] == [0, 188, 212]).all()
    plt.close("all")


@pytest.mark.parametrize("with_pred", [False, True])
def test_plot_segmentation_mask_gallery_matches_keras(with_pred):
    images = _images(3, 12, 14)
    y_true = _masks(3, 12, 14, seed=5)
    y_pred = _masks(3, 12, 14, seed=6) if with_pred else None
    ours = visualization.plot_segmentation_mask_gallery(images, 4, y_true=y_true,
                                                        y_pred=y_pred, show=False)
    theirs = _keras_figure(keras.visualization.plot_segmentation_mask_gallery, images, 4,
                           y_true=y_true, y_pred=y_pred)
    assert _layout(ours)[0][:2] == (3, 3 if with_pred else 2)
    _assert_same_figures(ours, theirs)
    plt.close("all")


def test_namespace_and_lazy_matplotlib():
    public = {n for n in dir(keras.visualization) if not n.startswith("_")}
    assert public <= set(dir(cornu.visualization))
    code = ("import sys, cornu, numpy as np; v = cornu.visualization; "
            "v.draw_segmentation_masks(np.zeros((1, 2, 2, 3)), np.zeros((1, 2, 2, 1), 'int32'));"
            "assert 'matplotlib' not in sys.modules, 'matplotlib loaded'")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("name", ["draw_bounding_boxes", "draw_segmentation_masks",
                                  "plot_image_gallery", "plot_bounding_box_gallery",
                                  "plot_segmentation_mask_gallery"])
def test_signatures_match_keras(name):
    import inspect

    def params(fn):
        return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()]

    assert params(getattr(visualization, name)) == params(getattr(keras.visualization, name))
