"""`cornu.config`: global settings (mirrors `keras.config`)."""

from cornu.backend.flash_attention import (  # noqa: F401
    disable_flash_attention, enable_flash_attention, is_flash_attention_enabled)
from cornu.dtype_policies import dtype_policy, set_dtype_policy  # noqa: F401
from cornu.saving.safe_mode import enable_unsafe_deserialization  # noqa: F401
from cornu.utils.io_utils import (  # noqa: F401
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)
from cornu.utils.traceback_utils import (  # noqa: F401
    disable_traceback_filtering, enable_traceback_filtering, is_traceback_filtering_enabled)

from cornu.backend.config import (  # noqa: F401
    backend,
    device,
    epsilon,
    floatx,
    image_data_format,
    is_nnx_enabled,
    max_epochs,
    max_steps_per_epoch,
    set_backend,
    set_device,
    set_epsilon,
    set_floatx,
    set_image_data_format,
    set_max_epochs,
    set_max_steps_per_epoch,
)
