"""`model.summary()`: Keras 3's table of layers, output shapes and parameter counts (rendered by rich)."""

import math
import shutil

import rich.console
import rich.markup
import rich.table

from cornu.utils import io_utils, naming, tree


def count_params(weights):
    return int(sum(math.prod(tuple(w.shape)) for w in {id(w): w for w in weights}.values()))


def weight_memory_size(weights):
    """Bytes taken by the (unique) weights."""
    unique = {id(w): w for w in weights}.values()
    return sum(math.prod(tuple(w.shape)) * w.element_size() for w in unique)


def readable_memory_size(size):
    """`68.00 B`, `1.23 KB`, ... with 1024 steps."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _number(x):
    return f"[color({45 if x is None else 34})]{x}[/]"


def _symbol(x):
    return f"[color(33)]{x}[/]"


def _bold(x, color=None):
    return f"[bold][color({color})]{x}[/][/]" if color else f"[bold]{x}[/]"


def _format_shape(shape):
    return "(" + ", ".join(_number(d) for d in shape) + ")"


def _output_shape_text(layer):
    if layer._inbound_nodes:
        outputs = layer._inbound_nodes[-1].outputs
        shapes = tree.map_structure(lambda t: _format_shape(t.shape), outputs)
    elif layer.built and layer._build_shapes:
        try:
            shapes = layer.compute_output_shape(*layer._build_shapes.values())
            shapes = _format_shape(shapes) if _is_shape(shapes) else tree.map_structure(
                _format_shape, shapes)
        except Exception:  # noqa: BLE001 - a shape we cannot infer shows as "?"
            return "?"
    else:
        return "?"
    flat = tree.flatten(shapes)
    return flat[0] if len(flat) == 1 else str(shapes).replace("'", "")


def _is_shape(x):
    return isinstance(x, tuple) and all(d is None or isinstance(d, int) for d in x)


def _is_sequential_like(model):
    from cornu.models.functional import Functional
    if not isinstance(model, Functional):
        return True
    depths = {}
    for node in model._nodes:
        if len(node.input_tensors) > 1:
            return False
    # Branching: some tensor feeds two nodes, or a layer is shared.
    consumers = {}
    for node in model._nodes:
        for t in node.input_tensors:
            consumers[id(t)] = consumers.get(id(t), 0) + 1
            if consumers[id(t)] > 1:
                return False
        depths[node.layer] = depths.get(node.layer, 0) + 1
        if depths[node.layer] > 1:
            return False
    return len(model._outputs) == 1 and len(model._inputs) == 1


def _connections(layer, relevant):
    parts = []
    for node in layer._inbound_nodes:
        if relevant is not None and id(node) not in relevant:
            continue
        for t in node.input_tensors:
            source, node_index, tensor_index = t._keras_history
            parts.append(f"{rich.markup.escape(source.name)}[{_number(node_index)}][{_number(tensor_index)}]")
    return ", ".join(parts) or "-"


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    """Renders the summary table of `model`; see `Model.summary` for the arguments."""
    if not model.built:
        raise ValueError(
            f"Model '{model.name}' has not been built yet, so it has no weights to summarize. "
            "Build it first: call it on data, call `model.build(input_shape)`, or give the first "
            "layer an `input_shape`.")
    sequential_like = _is_sequential_like(model)
    layers = getattr(model, "operations", model.layers)  # Keras lists operations too
    relevant = {id(n) for n in getattr(model, "_nodes", [])} or None
    if sequential_like:
        default_length, positions = 88, positions or [0.45, 0.80, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #"]
        alignment = ["left", "left", "right"]
    else:
        default_length, positions = 108, positions or [0.3, 0.56, 0.74, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        alignment = ["left", "left", "right", "left"]
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        alignment.append("center")
    default_length = min(default_length, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default_length
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    widths, current = [], 0
    for pos in positions:
        widths.append(pos - current - 4)
        current = pos
    columns = [rich.table.Column(name, justify=alignment[i], width=widths[i])
               for i, name in enumerate(header)]
    table = rich.table.Table(*columns, width=line_length, show_lines=True)

    def fields(layer, prefix=""):
        name = f"{rich.markup.escape(prefix + layer.name)} ({_symbol(naming.display_class_name(layer))})"
        if not layer.built:
            params = f"{_number(0)} (unbuilt)"
        else:
            params = _number(f"{layer.count_params():,}")
        row = [name, _output_shape_text(layer), params]
        if not sequential_like:
            row.append(_connections(layer, relevant))
        if show_trainable:
            row.append(_bold("Y", 34) if layer.trainable else _bold("N", 9)) if layer.weights \
                else row.append(_bold("-"))
        return row

    def rows(layer, level=0):
        out = [fields(layer, "   " * level + "└ " if level else "")]
        if expand_nested and getattr(layer, "layers", None):
            for sub in layer.layers:
                out.extend(rows(sub, level + 1))
        return out

    start, stop = _layer_range(layers, layer_range)
    for layer in layers[start:stop]:
        for row in rows(layer):
            table.add_row(*row)

    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    optimizer = getattr(model, "optimizer", None)
    opt_vars = list(getattr(optimizer, "variables", []) or []) if getattr(optimizer, "built", False) else []
    total = count_params(trainable) + count_params(non_trainable) + count_params(opt_vars)
    total_size = (weight_memory_size(trainable) + weight_memory_size(non_trainable)
                  + weight_memory_size(opt_vars))

    if print_fn is None and not io_utils.is_interactive_logging_enabled():
        print_fn = io_utils.print_msg
    if print_fn:
        console = rich.console.Console(highlight=False, force_terminal=False, color_system=None,
                                       width=line_length + 4)
        console.begin_capture()
    else:
        console = rich.console.Console(highlight=False)
    console.print(_bold(f'Model: "{rich.markup.escape(model.name)}"'))
    console.print(table)
    console.print(_bold(" Total params: ") + _number(f"{total:,}") + f" ({readable_memory_size(total_size)})")
    console.print(_bold(" Trainable params: ") + _number(f"{count_params(trainable):,}")
                  + f" ({readable_memory_size(weight_memory_size(trainable))})")
    console.print(_bold(" Non-trainable params: ") + _number(f"{count_params(non_trainable):,}")
                  + f" ({readable_memory_size(weight_memory_size(non_trainable))})")
    if opt_vars:
        console.print(_bold(" Optimizer params: ") + _number(f"{count_params(opt_vars):,}")
                      + f" ({readable_memory_size(weight_memory_size(opt_vars))})")
    if print_fn:
        text = console.end_capture()
        print_fn(text, line_break=False) if _accepts_line_break(print_fn) else print_fn(text)


def _accepts_line_break(fn):
    import inspect
    try:
        return "line_break" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _layer_range(layers, layer_range):
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2:
        raise ValueError(f"`layer_range` must be a list of two layer names. Received: {layer_range}")
    names = [l.name for l in layers]
    starts = [i for i, n in enumerate(names) if layer_range[0] in n]
    ends = [i for i, n in enumerate(names) if layer_range[1] in n]
    if not starts or not ends:
        raise ValueError(f"`layer_range` {layer_range} does not name layers of the model: {names}")
    return starts[0], ends[-1] + 1
