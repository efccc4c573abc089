"""LoRA of `Conv1D`, `Conv2D` and `Conv3D` against Keras 3 (torch backend)."""

import pytest

from lora_test_utils import (
    check_config,
    check_enable_keeps_output,
    check_errors,
    check_fit,
    check_layer,
    check_saving,
)

SPECS = {
    "conv1d": dict(make=lambda lib, **kw: lib.layers.Conv1D(4, 3, padding="causal", **kw),
                   shape=(7, 3)),
    "conv2d": dict(make=lambda lib, **kw: lib.layers.Conv2D(4, (3, 2), strides=2,
                                                            activation="relu", **kw),
                   shape=(6, 5, 3)),
    "conv2d_channels_first_groups": dict(
        make=lambda lib, **kw: lib.layers.Conv2D(4, 3, padding="same", groups=2,
                                                 data_format="channels_first", **kw),
        shape=(4, 5, 5)),
    "conv3d": dict(make=lambda lib, **kw: lib.layers.Conv3D(3, 2, use_bias=False, **kw),
                   shape=(4, 3, 4, 2)),
}
IDS = list(SPECS)


@pytest.mark.parametrize("family", IDS)
def test_weights_and_outputs_match_keras(family):
    check_layer(SPECS[family])


@pytest.mark.parametrize("family", IDS)
def test_enabling_keeps_the_output(family):
    check_enable_keeps_output(SPECS[family])


@pytest.mark.parametrize("family", IDS)
def test_fit_matches_keras(family):
    check_fit(SPECS[family])


@pytest.mark.parametrize("family", IDS)
def test_config_matches_keras(family):
    check_config(SPECS[family])


@pytest.mark.parametrize("family", ["conv1d", "conv2d"])
def test_keras_files_load_both_ways(family, tmp_path):
    check_saving(SPECS[family], tmp_path)


def test_errors_match_keras():
    check_errors(SPECS["conv2d"], dict(kernel_constraint="non_neg"),
                 "Lora is incompatible with kernel constraints")
