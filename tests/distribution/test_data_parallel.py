"""Data-parallel fit over 2 CPU processes (gloo) equals single-process training."""

import os
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch

import cornu as keras
from cornu import layers

HERE = os.path.dirname(os.path.abspath(__file__))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_workers(tmp_path, shuffle):
    # Two CPU processes over gloo, also on a machine with a GPU.
    env = dict(os.environ, OMP_NUM_THREADS="1", MASTER_ADDR="127.0.0.1", CUDA_VISIBLE_DEVICES="")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2",
           f"--master_port={_free_port()}", "--master_addr=127.0.0.1",
           os.path.join(HERE, "ddp_worker.py"), str(tmp_path), "1" if shuffle else "0"]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return [np.load(tmp_path / f"rank{r}.npz") for r in range(2)]


def _data(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((100, 6)).astype("float32")
    y = rng.integers(0, 3, 100)
    model = keras.Sequential([keras.Input((6,)), layers.Dense(8, activation="tanh"),
                              layers.Dense(3)])
    weights = model.get_weights()
    np.savez(tmp_path / "data.npz", x=x, y=y, **{f"w{i}": w for i, w in enumerate(weights)})
    return x, y, weights


def test_two_processes_equal_one_process_on_the_same_global_batches(tmp_path):
    x, y, weights = _data(tmp_path)
    ranks = _run_workers(tmp_path, shuffle=False)

    model = keras.Sequential([keras.Input((6,)), layers.Dense(8, activation="tanh"),
                              layers.Dense(3)])
    model.set_weights(weights)
    model.compile(keras.optimizers.Adam(0.01),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=20, epochs=3, shuffle=False, verbose=0)
    scores = model.evaluate(x, y, batch_size=20, verbose=0, return_dict=True)
    for rank in ranks:
        for i, expected in enumerate(model.get_weights()):
            np.testing.assert_allclose(rank[f"arr_{i}"], expected, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(rank["loss"], history.history["loss"], rtol=1e-5)
        np.testing.assert_allclose(rank["eval_loss"], scores["loss"], rtol=1e-5)
        np.testing.assert_allclose(rank["eval_acc"], scores["accuracy"], rtol=1e-6)


def test_shuffled_data_parallel_keeps_processes_in_step(tmp_path):
    _data(tmp_path)
    ranks = _run_workers(tmp_path, shuffle=True)
    for i in range(4):
        np.testing.assert_array_equal(ranks[0][f"arr_{i}"], ranks[1][f"arr_{i}"])


def test_without_a_launcher_the_error_says_how_to_launch(monkeypatch):
    for var in ("RANK", "WORLD_SIZE"):
        monkeypatch.delenv(var, raising=False)
    if torch.distributed.is_initialized():
        pytest.skip("a process group is already initialized in this process")
    with pytest.raises(RuntimeError, match="torchrun"):
        keras.distribution.DataParallel()
