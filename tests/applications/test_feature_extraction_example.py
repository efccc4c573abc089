"""Runs examples/feature_extraction_vgg19.py as a user would, on a small batch."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "examples", "feature_extraction_vgg19.py")
LAYERS = ["input_layer", "block1_conv1", "block1_conv2", "block1_pool", "block2_conv1",
          "block2_conv2", "block2_pool"] + [
    f"block{b}_{part}" for b in (3, 4, 5) for part in ("conv1", "conv2", "conv3", "conv4",
                                                        "pool")]


def _run(tmp_path, **env):
    env = {**os.environ, "CORNU_HOME": str(tmp_path / "home"), "CORNU_EXAMPLE_SAMPLES": "2",
           "CORNU_EXAMPLE_IMAGE_SIZE": "32", "PYTHONPATH": ROOT, **env}
    result = subprocess.run([sys.executable, SCRIPT], env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _shapes(stdout):
    lines = [line.split(":", 1) for line in stdout.splitlines() if ": (" in line]
    return {name.strip(): shape.strip() for name, shape in lines}


def test_prints_every_layers_features(tmp_path):
    out = _run(tmp_path)
    assert "VGG19 weights: random initialization; 2 images of 32x32" in out
    shapes = _shapes(out)
    assert list(shapes) == LAYERS
    assert shapes["input_layer"] == "(2, 32, 32, 3)"
    assert shapes["block1_conv2"] == "(2, 32, 32, 64)"
    assert shapes["block3_conv4"] == "(2, 8, 8, 256)"
    assert shapes["block5_pool"] == "(2, 1, 1, 512)"


def test_uses_imagenet_weights_once_cached(tmp_path, monkeypatch):
    import importlib.util
    spec = importlib.util.spec_from_file_location("feature_extraction_vgg19", SCRIPT)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    monkeypatch.setenv("CORNU_HOME", str(tmp_path))
    monkeypatch.delenv("CORNU_EXAMPLE_WEIGHTS", raising=False)
    assert example.pick_weights() is None
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5").write_bytes(b"")
    assert example.pick_weights() == "imagenet"
    monkeypatch.setenv("CORNU_EXAMPLE_WEIGHTS", "/some/file.h5")
    assert example.pick_weights() == "/some/file.h5"
