"""`draw_bounding_boxes`: boxes (and class names) drawn onto a batch of images."""

import numpy as np

from cornu.backend.config import standardize_data_format
from cornu.utils.bounding_boxes import convert_format


def _to_numpy(x):
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _opencv():
    try:
        import cv2
    except ImportError:
        return None
    return cv2


def draw_bounding_boxes(images, bounding_boxes, bounding_box_format, class_mapping=None,
                        color=(128, 128, 128), line_thickness=2, text_thickness=1,
                        font_scale=1.0, data_format=None):
    """Draws bounding boxes, and optionally class names and confidences, on images.

    With OpenCV (`cv2`) installed, boxes and text are drawn with it exactly as Keras does.
    Without it, boxes are drawn in NumPy with OpenCV's rule for axis-aligned rectangles
    (the same pixels), and class names with PIL's default font when Pillow is installed
    (the text's pixels then differ from OpenCV's Hershey font; no text without Pillow).

    Args:
        images: a batch of images, `(batch, height, width, channels)` (or channels first
            with `data_format="channels_first"`). Float images with values at most 1 are
            read as `[0, 1]`, other floats as `[0, 255]`.
        bounding_boxes: a dict with `"boxes"` `(batch, num_boxes, 4)`, `"labels"`
            `(batch, num_boxes)` (boxes labelled -1 are not drawn) and optionally
            `"confidences"` `(batch, num_boxes)`.
        bounding_box_format: the format of the boxes, e.g. `"xyxy"` (see
            `cornu.utils.bounding_boxes.convert_format`).
        class_mapping: dict from class ids to names written above the boxes.
        color: the RGB color of boxes and text. Defaults to `(128, 128, 128)`.
        line_thickness: the thickness of the box lines. Defaults to 2.
        text_thickness: the thickness of the text (OpenCV only). Defaults to 1.
        font_scale: the scale of the font. Defaults to 1.0.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.

    Returns:
        A uint8 NumPy array of the images with the boxes drawn, shaped like `images`.
    """
    class_mapping = class_mapping or {}
    text_thickness = text_thickness or line_thickness
    data_format = standardize_data_format(data_format)
    images = _to_numpy(images)
    if images.ndim != 4:
        raise ValueError(f"`images` must be batched 4D tensor. Received: "
                         f"images.shape={images.shape}")
    if not isinstance(bounding_boxes, dict):
        raise TypeError(f"`bounding_boxes` should be a dict. Received: "
                        f"bounding_boxes={bounding_boxes} of type {type(bounding_boxes)}")
    if "boxes" not in bounding_boxes or "labels" not in bounding_boxes:
        raise ValueError("`bounding_boxes` should be a dict containing 'boxes' and 'labels' "
                         f"keys. Received: bounding_boxes={bounding_boxes}")
    if data_format == "channels_first":
        images = images.transpose(0, 2, 3, 1)
    height, width = images.shape[1], images.shape[2]
    boxes = _to_numpy(convert_format(dict(bounding_boxes), bounding_box_format, "xyxy",
                                     height, width)["boxes"])
    labels = _to_numpy(bounding_boxes["labels"])
    confidences = bounding_boxes.get("confidences")
    confidences = None if confidences is None else _to_numpy(confidences)

    if images.dtype.kind == "f" and images.size > 0:
        if images.max() <= 1.0:
            images = np.clip(images, 0, 1) * 255
        else:
            images = np.clip(images, 0, 255)
    images = np.ascontiguousarray(images.astype("uint8"))
    cv2 = _opencv()
    for i in range(images.shape[0]):
        for j in range(boxes.shape[1]):
            x1, y1, x2, y2 = (int(v) for v in boxes[i, j].astype("int32"))
            c = int(labels[i, j].astype("int32"))
            if c == -1:
                continue
            label = None
            if c in class_mapping:
                label = class_mapping[c]
                if confidences is not None:
                    label = f"{label} | {confidences[i][j]:.2f}"
            text_at = _find_text_location(x1, y1, font_scale, text_thickness)
            if cv2 is not None:
                cv2.rectangle(images[i], (x1, y1), (x2, y2), color, line_thickness)
                if label is not None:
                    cv2.putText(img=images[i], text=label, org=text_at,
                                fontFace=cv2.FONT_HERSHEY_SIMPLEX, fontScale=font_scale,
                                color=color, thickness=text_thickness)
            else:
                draw_rectangle(images[i], (x1, y1), (x2, y2), color, line_thickness)
                if label is not None:
                    _draw_text(images[i], label, text_at, color, font_scale)
    if data_format == "channels_first":
        images = images.transpose(0, 3, 1, 2)
    return images


def rectangle_mask(height, width, corner1, corner2, thickness):
    """Pixels OpenCV's `cv2.rectangle` sets for an axis-aligned rectangle.

    Thickness 1 (or 0) draws the one-pixel outline through both corners; a negative
    thickness fills the rectangle; a thickness `t > 1` sets every pixel within `(t + 1) // 2`
    (Euclidean distance) of the outline, which gives OpenCV's rounded outer corners.
    """
    x1, x2 = sorted((corner1[0], corner2[0]))
    y1, y2 = sorted((corner1[1], corner2[1]))
    yy, xx = np.mgrid[0:height, 0:width]
    if thickness < 0:
        return (xx >= x1) & (xx <= x2) & (yy >= y1) & (yy <= y2)
    if thickness <= 1:
        inside_x = (xx >= x1) & (xx <= x2)
        inside_y = (yy >= y1) & (yy <= y2)
        return (((yy == y1) | (yy == y2)) & inside_x) | (((xx == x1) | (xx == x2)) & inside_y)
    radius = (thickness + 1) // 2
    # Distance to the outline: to the nearest point of the rectangle's boundary.
    cx, cy = np.clip(xx, x1, x2), np.clip(yy, y1, y2)
    outside = (xx - cx) ** 2 + (yy - cy) ** 2
    inside = np.minimum(np.minimum(xx - x1, x2 - xx), np.minimum(yy - y1, y2 - yy)) ** 2
    is_inside = (xx >= x1) & (xx <= x2) & (yy >= y1) & (yy <= y2)
    return np.where(is_inside, inside, outside) <= radius * radius


def _fill(image, mask, color):
    channels = image.shape[-1]
    color = (list(color) + [0] * channels)[:channels]
    image[mask] = np.asarray(color, dtype=image.dtype)


def draw_rectangle(image, corner1, corner2, color, thickness):
    """Draws an axis-aligned rectangle on an HWC uint8 `image` in place, as `cv2.rectangle`."""
    _fill(image, rectangle_mask(image.shape[0], image.shape[1], corner1, corner2, thickness),
          color)


def _draw_text(image, text, origin, color, font_scale):
    """Writes `text` with its baseline starting at `origin` using PIL (if installed)."""
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        return
    canvas = Image.new("L", (image.shape[1], image.shape[0]), 0)
    draw = ImageDraw.Draw(canvas)
    try:
        font = ImageFont.load_default(size=max(int(22 * font_scale), 1))
        draw.text(origin, text, fill=255, font=font, anchor="ls")
    except (TypeError, ValueError, OSError):
        draw.text((origin[0], origin[1] - 11), text, fill=255)
    _fill(image, np.asarray(canvas) > 127, color)


def _find_text_location(x, y, font_scale, thickness):
    font_height = int(font_scale * 12)
    if y - 8 - (2 * font_height) > 0:
        return x, y - 8
    line_offset, static_offset = thickness, 3
    return x + static_offset, y + (2 * font_height) + line_offset + static_offset
