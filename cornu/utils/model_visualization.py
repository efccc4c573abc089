"""`plot_model` and `model_to_dot`: a model's graph drawn by Graphviz (through pydot)."""

import html
import os

from cornu.utils import naming, tree

_INSTALL_GRAPHVIZ = (
    "`plot_model` needs Graphviz's `dot` program: install it with your system's package "
    "manager (`apt-get install graphviz`, `brew install graphviz`, `conda install graphviz`) "
    "or from https://graphviz.org/download/.")


def _import_pydot():
    try:
        import pydot
    except ImportError as e:
        raise ImportError("`plot_model` needs the `pydot` package: `pip install pydot` "
                          "(or `pip install cornu[plot]`).") from e
    return pydot


def check_graphviz():
    """Raises a clear ImportError when pydot or Graphviz's `dot` is missing."""
    pydot = _import_pydot()
    try:
        pydot.Dot.create(pydot.Dot())
    except (OSError, FileNotFoundError, AssertionError) as e:
        raise ImportError(_INSTALL_GRAPHVIZ) from e
    return pydot


def _shape_text(tensors):
    shapes = [tuple(t.shape) for t in tree.flatten(tensors) if hasattr(t, "shape")]
    if not shapes:
        return "?"
    text = ", ".join(str(s).replace("None", "None") for s in shapes)
    return text if len(shapes) == 1 else f"[{text}]"


def _layer_label(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations,
                 show_trainable):
    cls = naming.display_class_name(layer)
    title = f"{html.escape(layer.name)} ({cls})" if show_layer_names else cls
    rows = [f'<tr><td colspan="2" bgcolor="black"><font color="white"><b>{title}</b></font></td></tr>']
    if show_layer_activations and hasattr(layer, "activation"):
        act = getattr(layer.activation, "__name__", str(layer.activation))
        rows.append(f'<tr><td colspan="2">Activation: {html.escape(act)}</td></tr>')
    if show_dtype:
        rows.append(f'<tr><td colspan="2">dtype: {html.escape(str(layer.dtype))}</td></tr>')
    if show_shapes and layer._inbound_nodes:
        node = layer._inbound_nodes[0]
        ins = _shape_text(node.input_tensors) if node.input_tensors else _shape_text(node.outputs)
        outs = _shape_text(node.outputs)
        rows.append(f"<tr><td>Input shape: {html.escape(ins)}</td>"
                    f"<td>Output shape: {html.escape(outs)}</td></tr>")
    if show_trainable and layer.weights:
        rows.append(f'<tr><td colspan="2">Trainable: {"True" if layer.trainable else "False"}</td></tr>')
    return "<" + '<table border="0" cellborder="1" cellspacing="0">' + "".join(rows) + "</table>>"


def _graph_layers_and_edges(model):
    """(layers, edges) of a model: edges are pairs of layers, from producer to consumer."""
    layers = list(getattr(model, "operations", model.layers))
    input_layer = getattr(model, "_input_layer", None)
    if input_layer is not None and input_layer not in layers:  # Sequential
        layers = [input_layer] + layers
    in_model = {id(l) for l in layers}
    nodes = getattr(model, "_nodes", None)
    edges = []
    if nodes is None:  # Sequential or subclassed: a chain
        edges = list(zip(layers[:-1], layers[1:]))
    else:
        for node in nodes:
            for tensor in node.input_tensors:
                source = tensor._keras_history[0]
                if id(source) in in_model:
                    edges.append((source, node.layer))
    return layers, edges


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, subgraph=False, show_layer_activations=False,
                 show_trainable=False, splines="ortho", **kwargs):
    """Returns a `pydot.Dot` drawing the model (arguments as in `plot_model`)."""
    pydot = _import_pydot()
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name, label=model.name)
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set("splines", splines)
        dot.set_node_defaults(shape="plain")
    options = (show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable)
    layers, edges = _graph_layers_and_edges(model)
    entry, exit_ = {}, {}
    for layer in layers:
        if expand_nested and hasattr(layer, "layers") and hasattr(layer, "summary") and layer.layers:
            sub = model_to_dot(layer, *options[:3], rankdir, expand_nested, dpi, True,
                               *options[3:], splines)
            dot.add_subgraph(sub)
            sub_layers, _ = _graph_layers_and_edges(layer)
            entry[id(layer)] = str(id(sub_layers[0]))
            exit_[id(layer)] = str(id(sub_layers[-1]))
            continue
        dot.add_node(pydot.Node(str(id(layer)), label=_layer_label(layer, *options)))
        entry[id(layer)] = exit_[id(layer)] = str(id(layer))
    for source, target in edges:
        dot.add_edge(pydot.Edge(exit_[id(source)], entry[id(target)]))
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=False, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, splines="ortho", **kwargs):
    """Draws the model's graph to an image file (PNG, SVG, PDF or DOT, from the extension).

    Args:
        model: a built model.
        to_file: output path; its extension picks the format.
        show_shapes: show input and output shapes.
        show_dtype: show each layer's dtype.
        show_layer_names: show layer names as well as types.
        rankdir: "TB" (top to bottom) or "LR" (left to right).
        expand_nested: draw nested models' layers inside a box.
        dpi: resolution of raster formats.
        show_layer_activations: show activations of layers that have one.
        show_trainable: show whether each layer is trainable.

    Returns:
        In a notebook, an `IPython.display.Image`; otherwise None.
    """
    if not model.built:
        raise ValueError(f"Model '{model.name}' is not built yet; build it (call it on data or "
                         "use `build(input_shape)`) before plotting it.")
    check_graphviz()
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable, splines=splines)
    extension = os.path.splitext(str(to_file))[1][1:].lower() or "png"
    if extension == "dot":
        data = dot.to_string().encode()
    else:
        data = dot.create(format=extension)
    from cornu.saving.file_utils import atomic_write
    with atomic_write(to_file) as f:
        f.write(data)
    if extension != "pdf":
        try:
            from IPython import display, get_ipython
            if get_ipython() is not None:
                return display.Image(filename=str(to_file))
        except ImportError:
            pass
    return None
