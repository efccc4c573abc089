"""plot_model (PNG / SVG / DOT through Graphviz) and plot_history."""

import os

import numpy as np
import pytest

import cornu as keras
from cornu import layers
from cornu.utils.history_plot import plot_history
from cornu.utils.model_visualization import check_graphviz, model_to_dot, plot_model

pydot = pytest.importorskip("pydot")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _branching_model():
    title = keras.Input((6,), name="title")
    body = keras.Input((4,), name="body")
    shared = layers.Dense(5, name="shared")
    x = layers.concatenate([shared(layers.Dense(4, name="title_proj")(title)),
                            shared(body)], name="merge")
    return keras.Model([title, body], [layers.Dense(1, name="priority")(x),
                                       layers.Dense(3, name="department")(x)])


def _require_dot():
    try:
        check_graphviz()
    except ImportError as e:
        pytest.fail(f"Graphviz must be installed for these tests (the Makefile / CI install it): {e}")


def test_png_and_svg_for_a_branching_multi_input_model(tmp_path):
    _require_dot()
    model = _branching_model()
    png, svg = tmp_path / "model.png", tmp_path / "model.svg"
    plot_model(model, str(png), show_shapes=True, show_layer_names=True)
    plot_model(model, str(svg), show_shapes=True, show_layer_names=True, rankdir="LR")
    assert png.read_bytes().startswith(PNG_MAGIC) and png.stat().st_size > 1000
    text = svg.read_text()
    assert "<svg" in text
    for layer in model.layers:
        assert layer.name in text


def test_dot_names_every_layer_and_edge():
    model = _branching_model()
    dot = model_to_dot(model, show_shapes=True).to_string()
    for layer in model.layers:
        assert f"{layer.name} ({type(layer).__name__})" in dot
    assert dot.count("->") >= 6


def test_nested_and_sequential_models(tmp_path):
    _require_dot()
    inner = keras.Sequential([keras.Input((3,)), layers.Dense(2, name="inner_dense")], name="inner")
    inputs = keras.Input((3,))
    outer = keras.Model(inputs, layers.Dense(1, name="head")(inner(inputs)))
    out = tmp_path / "nested.dot"
    plot_model(outer, str(out), expand_nested=True, show_layer_names=True)
    assert "inner_dense" in out.read_text() and "cluster" in out.read_text()


def test_missing_graphviz_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ImportError, match="Graphviz"):
        plot_model(_branching_model(), str(tmp_path / "x.png"))


def test_history_plot_is_written(tmp_path):
    pytest.importorskip("matplotlib")
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae"])
    x = np.random.rand(32, 3).astype("float32")
    history = model.fit(x, x[:, :1], epochs=3, validation_split=0.25, verbose=0)
    out = tmp_path / "history.png"
    plot_history(history, str(out))
    assert out.read_bytes().startswith(PNG_MAGIC)
    with pytest.raises(ValueError, match="No values logged"):
        plot_history(history, str(out), metrics=["accuracy"])
