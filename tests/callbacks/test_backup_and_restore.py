"""BackupAndRestore: an interrupted `fit` resumes at the right epoch with the same result."""

import json
import os

import numpy as np
import pytest

import cornu
from callback_models import assert_same_weights, regression_data, small_model

EPOCHS = 6


class Interrupt(Exception):
    pass


class InterruptAt(cornu.callbacks.Callback):
    """Raises when epoch `epoch` begins (or at its batch `batch`, when given)."""

    def __init__(self, epoch, batch=None):
        super().__init__()
        self.epoch, self.batch = epoch, batch

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch
        if epoch == self.epoch and self.batch is None:
            raise Interrupt(f"epoch {epoch}")

    def on_train_batch_begin(self, batch, logs=None):
        if self.current == self.epoch and batch == self.batch:
            raise Interrupt(f"epoch {self.current} batch {batch}")


def _fit(model, callbacks, epochs=EPOCHS):
    x, y = regression_data()
    return model.fit(x, y, epochs=epochs, batch_size=16, shuffle=False, verbose=0,
                     callbacks=callbacks)


@pytest.fixture(scope="module")
def uninterrupted():
    model = small_model()
    _fit(model, [])
    return model.get_weights()


def test_interrupted_fit_resumes_at_the_interrupted_epoch(tmp_path, uninterrupted):
    backup = tmp_path / "backup"
    with pytest.raises(Interrupt):
        _fit(small_model(), [cornu.callbacks.BackupAndRestore(backup), InterruptAt(3)])
    assert sorted(os.listdir(backup)) == ["latest.weights.h5", "training_metadata.json"]
    assert json.loads((backup / "training_metadata.json").read_text())["epoch"] == 3

    resumed = small_model(seed=1)  # other initial weights: the backup replaces them
    history = _fit(resumed, [cornu.callbacks.BackupAndRestore(backup)])
    assert history.epoch == [3, 4, 5]
    # Adam's moments and step count come back too, so the result is the same.
    assert_same_weights(resumed.get_weights(), uninterrupted)
    assert not backup.exists()  # deleted once training completed


def test_the_next_fit_starts_from_its_own_initial_epoch(tmp_path):
    backup = tmp_path / "backup"
    model = small_model()
    with pytest.raises(Interrupt):
        _fit(model, [cornu.callbacks.BackupAndRestore(backup), InterruptAt(2)])
    assert _fit(model, [cornu.callbacks.BackupAndRestore(backup)]).epoch == [2, 3, 4, 5]
    assert _fit(model, [], epochs=2).epoch == [0, 1]


def test_batch_frequency_backs_up_mid_epoch(tmp_path, uninterrupted):
    backup = tmp_path / "backup"
    # 4 batches per epoch, a backup every 3: the last one is after batch 0 of epoch 2.
    with pytest.raises(Interrupt):
        _fit(small_model(), [cornu.callbacks.BackupAndRestore(backup, save_freq=3,
                                                              delete_checkpoint=False),
                             InterruptAt(2, batch=3)])
    assert json.loads((backup / "training_metadata.json").read_text()) == {"epoch": 2,
                                                                          "batch": 0}
    model = small_model()
    history = _fit(model, [cornu.callbacks.BackupAndRestore(backup, delete_checkpoint=False)])
    assert history.epoch == [2, 3, 4, 5]  # the interrupted epoch restarts
    assert backup.exists()
    # Batch 0 of epoch 2 was trained twice, so the weights differ from an unbroken run.
    assert not np.array_equal(model.get_weights()[0], uninterrupted[0])


def test_a_resumed_run_backs_up_the_epoch_it_is_in(tmp_path):
    backup = tmp_path / "backup"
    with pytest.raises(Interrupt):
        _fit(small_model(), [cornu.callbacks.BackupAndRestore(backup), InterruptAt(4)])
    with pytest.raises(Interrupt):  # resumed at 4; backs up after batch 2 of epoch 4, then stops
        _fit(small_model(), [cornu.callbacks.BackupAndRestore(backup, save_freq=3),
                             InterruptAt(4, batch=3)])
    assert json.loads((backup / "training_metadata.json").read_text())["epoch"] == 4


def test_double_checkpoint_falls_back_to_the_previous_backup(tmp_path):
    backup = tmp_path / "backup"
    with pytest.raises(Interrupt):
        _fit(small_model(), [cornu.callbacks.BackupAndRestore(backup, double_checkpoint=True),
                             InterruptAt(3)])
    assert (backup / "latest.weights.h5.bkp").exists()
    (backup / "latest.weights.h5").write_bytes(b"not an HDF5 file")
    history = _fit(small_model(), [cornu.callbacks.BackupAndRestore(backup,
                                                                    double_checkpoint=True)])
    assert history.epoch == [2, 3, 4, 5]


def test_argument_errors():
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        cornu.callbacks.BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq=batch"):
        cornu.callbacks.BackupAndRestore("dir", save_freq="batch")
