"""`cornu.config`: global settings (mirrors `keras.config`)."""

from cornu.backend.config import (  # noqa: F401
    backend,
    device,
    epsilon,
    floatx,
    image_data_format,
    set_device,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)
