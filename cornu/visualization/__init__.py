"""`cornu.visualization`: Keras's drawing and gallery-plotting helpers for images with
bounding boxes and segmentation masks. matplotlib (the `plot` extra) loads only when a
gallery is plotted; OpenCV is used for drawing boxes when installed, as in Keras."""

from cornu.visualization.draw_bounding_boxes import draw_bounding_boxes  # noqa: F401
from cornu.visualization.draw_segmentation_masks import draw_segmentation_masks  # noqa: F401
from cornu.visualization.plot_bounding_box_gallery import (  # noqa: F401
    plot_bounding_box_gallery)
from cornu.visualization.plot_image_gallery import plot_image_gallery  # noqa: F401
from cornu.visualization.plot_segmentation_mask_gallery import (  # noqa: F401
    plot_segmentation_mask_gallery)
