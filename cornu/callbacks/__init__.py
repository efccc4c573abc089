"""`cornu.callbacks`: hooks into `fit`, `evaluate` and `predict`."""

from cornu.callbacks.callback import Callback  # noqa: F401
from cornu.callbacks.callback_list import CallbackList  # noqa: F401
from cornu.callbacks.history import History  # noqa: F401
from cornu.callbacks.progbar_logger import ProgbarLogger  # noqa: F401
