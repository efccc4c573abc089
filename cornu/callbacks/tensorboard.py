"""`TensorBoard`: writes training logs for TensorBoard with torch's `SummaryWriter`."""

import os
import time

import numpy as np

from cornu.callbacks.callback import Callback


def _summary_writer_class():
    """`torch.utils.tensorboard.SummaryWriter`, or an ImportError naming the package."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as e:
        raise ImportError("The TensorBoard callback needs the `tensorboard` package. Install it "
                          "with `pip install tensorboard`.") from e
    return SummaryWriter


class TensorBoard(Callback):
    """Logs scalars (and optionally weight histograms) to `log_dir` for TensorBoard.

    Training logs go to `log_dir/train` and validation logs to `log_dir/validation`, as
    `epoch_<name>` scalars (`epoch_loss`, `epoch_accuracy`, `epoch_learning_rate`, ...).
    Requires the `tensorboard` package.

    Args:
        log_dir: the folder to write to.
        histogram_freq: every how many epochs to write histograms of the weights
            (0: never).
        write_graph: accepted for compatibility; the graph is not written.
        write_images: accepted for compatibility; weight images are not written.
        write_steps_per_second: also log the training steps per second of each epoch.
        update_freq: "epoch", "batch", or an int N: also write `batch_<name>` scalars every
            N training batches (reading batch logs makes the host wait for the device).
        profile_batch: must be 0; profiling is not available.
        embeddings_freq: every how many epochs to save the weights next to the logs, for
            the embedding projector (0: never).
        embeddings_metadata: accepted for compatibility.

    Example:

    ```python
    model.fit(x, y, epochs=5, callbacks=[keras.callbacks.TensorBoard(log_dir="./logs")])
    ```
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        self._writer_class = _summary_writer_class()
        if profile_batch:
            raise ValueError("Profiling is not available in cornu. Received: "
                             f"profile_batch={profile_batch} (must be 0)")
        if update_freq != "epoch" and update_freq != "batch" and not (
                isinstance(update_freq, int) and update_freq > 0):
            raise ValueError("`update_freq` must be 'epoch', 'batch' or a positive integer. "
                             f"Received: update_freq={update_freq}")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._writers = {}
        self._global_train_batch = 0
        self._epoch_start = (0.0, 0)

    def set_model(self, model):
        super().set_model(model)
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._close_writers()

    def _writer(self, kind):
        if kind not in self._writers:
            folder = self._train_dir if kind == "train" else self._val_dir
            self._writers[kind] = self._writer_class(log_dir=folder)
        return self._writers[kind]

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def _iterations(self):
        optimizer = getattr(self.model, "optimizer", None)
        return int(optimizer.iterations) if optimizer is not None else 0

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._epoch_start = (time.time(), self._iterations())

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1

    def on_train_batch_end(self, batch, logs=None):
        step = self._global_train_batch
        if self.update_freq == "epoch" or step % self.update_freq or logs is None:
            return
        writer = self._writer("train")
        for name, value in logs.items():
            writer.add_scalar(f"batch_{name}", float(value), step)

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if not logs or optimizer is None:
            return
        writer, step = self._writer("val"), self._iterations()
        for name, value in logs.items():
            writer.add_scalar(f"evaluation_{name}_vs_iterations", float(value), step)

    def on_epoch_end(self, epoch, logs=None):
        self._log_epoch_metrics(epoch, logs or {})
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self.model.save_weights(os.path.join(
                self._train_dir, f"keras_embedding.ckpt-{epoch}.weights.h5"))

    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "learning_rate"):
            train["learning_rate"] = float(optimizer.learning_rate)
        if self.write_steps_per_second:
            start, iterations = self._epoch_start
            train["steps_per_second"] = (self._iterations() - iterations) / (time.time() - start)
        for kind, values in (("train", train), ("val", val)):
            if values:
                writer = self._writer(kind)
                for name, value in values.items():
                    writer.add_scalar(f"epoch_{name}", float(value), epoch)
                writer.flush()

    def _log_weights(self, epoch):
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                name = weight.path.replace(":", "_")
                values = np.asarray(weight.detach().cpu().float().numpy())
                writer.add_histogram(f"{name}/histogram", values, epoch)
        writer.flush()
