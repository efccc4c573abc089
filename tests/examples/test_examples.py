"""Each example runs end to end on a small slice of real data and says what it should."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
SHARED = os.path.join(ROOT, "..", "shared", "data")

# example -> (data sets it reads, lines its output must contain)
EXAMPLES = {
    "fashion_mnist_mlp": (["fashion-mnist"], ["Trained for 1 epoch(s).", "Test accuracy:"]),
    "fashion_mnist_cnn": (["fashion-mnist"], ["Total params: 34,826", "Test accuracy:"]),
    "conv_autoencoder": (["mnist"], ["Codes: (8, 16), reconstructions: (8, 28, 28, 1)",
                                     "Autoencoder equals decoder(encoder(x)): True"]),
    "ticket_classifier": ([], ["Logged: department_accuracy, department_loss, loss, "
                               "priority_loss", "priority (5, 1), department (5, 4)"]),
    "toy_resnet": ([], ["Total params: 223,242", "val_acc:"]),
    "lstm_text_classifier": (["imdb"], ["200 training sequences", "Validation accuracy:"]),
    "custom_layer_and_subclassed_model": (["mnist"], ["Test accuracy:",
                                                      "same predictions: True"]),
    "transfer_learning": (["mnist", "fashion-mnist"], ["Frozen base unchanged by training: True",
                                                       "Fine-tuning everything: 8 trainable",
                                                       "Test accuracy:"]),
    "custom_train_step": (["mnist"], ["Logged: accuracy, loss, val_accuracy, val_loss",
                                      "test accuracy:"]),
    "image_folder_classifier": (["fashion-mnist"], ["Found 200 files belonging to 10 classes.",
                                                    "A batch: images (32, 28, 28, 1) "
                                                    "torch.float32, labels (32,) torch.int32",
                                                    "Validation accuracy:"]),
}
# example -> modules it needs beyond cornu's own dependencies
MODULES = {"image_folder_classifier": ["PIL"]}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_runs(name, tmp_path):
    datasets, expected = EXAMPLES[name]
    missing = [d for d in datasets if not os.path.isdir(os.path.join(SHARED, d))]
    if missing and "CORNU_DATASETS_DIR" not in os.environ:
        pytest.skip(f"needs {', '.join(missing)} in ../shared/data or CORNU_DATASETS_DIR")
    for module in MODULES.get(name, []):
        pytest.importorskip(module)
    env = dict(os.environ, CORNU_EXAMPLE_SAMPLES="200", CORNU_EXAMPLE_EPOCHS="1",
               CORNU_HOME=str(tmp_path), CORNU_EXAMPLE_RANDOM_DATA="1", OMP_NUM_THREADS="1",
               MPLBACKEND="Agg")
    result = subprocess.run([sys.executable, os.path.join(ROOT, "examples", f"{name}.py")],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    for line in expected:
        assert line in result.stdout, f"{line!r} not in the output:\n{result.stdout[-2000:]}"
