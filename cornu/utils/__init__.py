"""`cornu.utils`: data helpers, plotting, progress bar, seeding, summaries."""

from cornu.utils.audio_dataset_utils import audio_dataset_from_directory  # noqa: F401
from cornu.utils import bounding_boxes  # noqa: F401
from cornu.backend.dtypes import standardize_dtype  # noqa: F401
from cornu.utils.config import Config  # noqa: F401
from cornu.utils.dataset_utils import split_dataset  # noqa: F401
from cornu.utils.file_utils import get_file  # noqa: F401
from cornu.utils.history_plot import plot_history  # noqa: F401
from cornu.utils.image_dataset_utils import image_dataset_from_directory  # noqa: F401
from cornu.utils.model_visualization import model_to_dot, plot_model  # noqa: F401
from cornu.utils.numerical_utils import normalize, to_categorical  # noqa: F401
from cornu.utils.progbar import Progbar  # noqa: F401
from cornu.utils.py_dataset import PyDataset, Sequence  # noqa: F401
from cornu.utils.rng_utils import set_random_seed  # noqa: F401
from cornu.utils.sequence_utils import pad_sequences  # noqa: F401
from cornu.utils.text_dataset_utils import text_dataset_from_directory  # noqa: F401
from cornu.saving.object_registration import (  # noqa: F401
    CustomObjectScope, custom_object_scope, get_custom_objects, get_registered_name,
    get_registered_object, register_keras_serializable)
from cornu.saving.serialization_lib import (  # noqa: F401
    deserialize_keras_object, serialize_keras_object)
from cornu.utils.image_utils import array_to_img, img_to_array, load_img, save_img  # noqa: F401
from cornu.utils.timeseries_dataset_utils import timeseries_dataset_from_array  # noqa: F401
from cornu.backend.global_state import clear_session  # noqa: F401
from cornu.utils.io_utils import (  # noqa: F401
    disable_interactive_logging, enable_interactive_logging, is_interactive_logging_enabled)

# Modules below `cornu.utils` import it, so these load on first use.
_LAZY = {
    "FeatureSpace": "cornu.layers.preprocessing.feature_space",
    "is_keras_tensor": "cornu.backend.keras_tensor",
    "get_source_inputs": "cornu.layers.node",
    "pack_x_y_sample_weight": "cornu.trainers.data_adapter",
    "unpack_x_y_sample_weight": "cornu.trainers.data_adapter",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'cornu.utils' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
