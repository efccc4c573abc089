"""`cornu.preprocessing`: Keras 3's legacy `keras.preprocessing` namespace, aliases of the
data utilities in `cornu.utils` (plus `image.smart_resize`)."""

from cornu.preprocessing import image, sequence  # noqa: F401
from cornu.utils.image_dataset_utils import image_dataset_from_directory  # noqa: F401
from cornu.utils.text_dataset_utils import text_dataset_from_directory  # noqa: F401
from cornu.utils.timeseries_dataset_utils import timeseries_dataset_from_array  # noqa: F401
