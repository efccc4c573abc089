"""`cornu.callbacks`: hooks into `fit`, `evaluate` and `predict`."""

from cornu.callbacks.backup_and_restore import BackupAndRestore  # noqa: F401
from cornu.callbacks.callback import Callback  # noqa: F401
from cornu.callbacks.callback_list import CallbackList  # noqa: F401
from cornu.callbacks.csv_logger import CSVLogger  # noqa: F401
from cornu.callbacks.early_stopping import EarlyStopping  # noqa: F401
from cornu.callbacks.history import History  # noqa: F401
from cornu.callbacks.lambda_callback import LambdaCallback  # noqa: F401
from cornu.callbacks.learning_rate_scheduler import LearningRateScheduler  # noqa: F401
from cornu.callbacks.model_checkpoint import ModelCheckpoint  # noqa: F401
from cornu.callbacks.progbar_logger import ProgbarLogger  # noqa: F401
from cornu.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau  # noqa: F401
from cornu.callbacks.remote_monitor import RemoteMonitor  # noqa: F401
from cornu.callbacks.swap_ema_weights import SwapEMAWeights  # noqa: F401
from cornu.callbacks.tensorboard import TensorBoard  # noqa: F401
from cornu.callbacks.terminate_on_nan import TerminateOnNaN  # noqa: F401
