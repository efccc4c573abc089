"""`export_onnx`: a model's inference forward pass as an ONNX file, through `torch.onnx`.

The model is traced in inference mode (`training=False`: Dropout off, BatchNormalization on
its moving statistics) on sample inputs built from the input signature. The batch dimension
and every other `None` dimension of the signature are dynamic in the ONNX graph; inputs are
named after the model's inputs and outputs after its output layers (or dict keys).

Two exporters are tried in turn: torch's `torch.export`-based one (it needs `onnxscript`;
shape arithmetic stays symbolic) and the older TorchScript tracer (which handles some models
the first rejects, e.g. an LSTM over a `None` time axis). When `onnxruntime` is installed, each
result is run on a probe input whose dynamic dimensions differ from the traced ones and
compared with the model; a graph that does not reproduce the model is never written (a tracer
can freeze sizes computed from shapes, e.g. "same" padding over a `None` spatial axis).
"""

import contextlib
import io
import logging
import os
import shutil
import tempfile
import warnings

import numpy as np
import torch

from cornu.export.export_utils import standardize_input_signature
from cornu.saving.file_utils import atomic_write
from cornu.utils import io_utils, tree
from cornu.utils.dtypes import to_torch_dtype

# Sizes that stand in for `None` dimensions while tracing and verifying. Batch sizes 0 and 1
# are avoided: `torch.export` specializes dimensions traced at those sizes.
_SAMPLE_BATCH, _PROBE_BATCH = 2, 3
_SAMPLE_SIZE, _PROBE_SIZE = 32, 33
# Above this size a graph cannot be one protobuf; its weights go to an external data file.
_MAX_INLINE_BYTES = 2 ** 31 - 2 ** 24
_RTOL, _ATOL = 1e-3, 1e-4


def export_onnx(model, filepath, verbose=None, input_signature=None, opset_version=None,
                **kwargs):
    """Exports the model's inference forward pass as an ONNX file.

    Args:
        model: the `cornu.Model` to export.
        filepath: `str` or `pathlib.Path`, the `.onnx` file to write.
        verbose: whether to print where the file was written and its inputs and outputs.
            Defaults to `None`, which prints, as Keras does.
        input_signature: shapes and dtypes of the inputs: a structure of `keras.InputSpec`,
            `keras.KerasTensor` or tensors, one entry per argument of the model's `call`
            (`[[spec_a, spec_b]]` or `[spec_a, spec_b]` for a two-input Functional model).
            Defaults to the model's inputs (or, for a subclassed model, the shapes of its
            first call).
        opset_version: the ONNX opset to target; defaults to torch's.

    Example:

    ```python
    model.export("model.onnx", format="onnx")

    import onnxruntime
    session = onnxruntime.InferenceSession("model.onnx")
    predictions = session.run(None, {session.get_inputs()[0].name: x})
    ```
    """
    if kwargs:
        raise ValueError(f"Unsupported arguments for `format='onnx'`: {sorted(kwargs)}. "
                         "Supported arguments are: input_signature, opset_version, verbose.")
    try:
        import onnx  # noqa: F401
    except ImportError as e:
        raise ImportError("`format='onnx'` needs the `onnx` package (and `onnxscript` for "
                          "torch's current exporter): `pip install onnx onnxscript "
                          "onnxruntime`, or `pip install cornu[export]`.") from e
    filepath = os.fspath(filepath)
    signature = standardize_input_signature(model, input_signature)
    flat_specs = tree.flatten(signature)
    input_names = _input_names(signature)
    device = _model_device(model)
    module = _InferenceModule(model, signature)
    dims = _dynamic_dims(flat_specs)
    samples = tuple(_make_input(s, d, _SAMPLE_BATCH, _SAMPLE_SIZE, device)
                    for s, d in zip(flat_specs, dims))
    with _inference_mode(model), torch.no_grad():
        module.eval()  # what torch's TorchScript exporter restores after tracing
        try:
            module(*samples)
        except Exception as e:
            raise ValueError(
                f"Model '{model.name}' could not be run on inputs of the signature "
                f"{_describe(input_names, flat_specs)} (`None` dimensions traced at size "
                f"{_SAMPLE_BATCH} for the batch and {_SAMPLE_SIZE} elsewhere): "
                f"{type(e).__name__}: {e}. Pass an `input_signature` that fits the model."
            ) from e
        output_names = _output_names(model, module.output_structure, input_names)
        probe = _probe(module, flat_specs, dims, device)
        errors = []
        for exporter in _exporters():
            try:
                onnx_model = exporter(module, samples, input_names, output_names, dims,
                                      opset_version)
            except ImportError:
                raise
            except Exception as e:  # the next exporter may handle this model
                message = str(e).strip().split("\n\n")[0]  # TorchScript appends its graph
                errors.append(f"{exporter.__name__}: {type(e).__name__}: {message[:1000]}")
                continue
            mismatch = _verify(onnx_model.source(filepath), onnx_model.outputs, probe,
                               input_names)
            if mismatch is None:
                break
            onnx_model.discard()
            errors.append(f"{exporter.__name__}: {mismatch}")
        else:
            raise RuntimeError(
                f"Model '{model.name}' could not be exported to ONNX. "
                + ("Dynamic dimensions (`None` in the input signature, other than the batch) "
                   "can be fixed by passing an `input_signature` with their sizes. "
                   if any(axis != 0 for d in dims for axis in d) else "")
                + "Errors:\n" + "\n".join(errors))
    onnx_model.write(filepath)
    if verbose is None or verbose:
        outputs = [o.name for o in onnx_model.outputs]
        io_utils.print_msg(
            f"Saved artifact at '{filepath}'. ONNX graph (opset {onnx_model.opset}) with "
            f"inputs {_describe(input_names, flat_specs)} and outputs {outputs}; "
            "`None` dimensions are dynamic.")


class _InferenceModule(torch.nn.Module):
    """Calls the model with `training=False` on flat positional tensors and returns its
    outputs flattened; `output_structure` keeps their nesting."""

    def __init__(self, model, signature):
        super().__init__()
        self.model = model
        self.signature = signature
        self.output_structure = None

    def forward(self, *flat_inputs):
        args = tree.pack_as(self.signature, flat_inputs)
        outputs = self.model(*args, training=False)
        if self.output_structure is None:
            self.output_structure = tree.map_structure(lambda _: None, outputs)
        return tuple(tree.flatten(outputs))


@contextlib.contextmanager
def _inference_mode(model):
    """Puts every sub-module in eval mode and restores each one's flag afterwards."""
    flags = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for m, training in flags:
            m.training = training


def _model_device(model):
    for p in model.parameters():
        if p.device.type != "meta":
            return p.device
    for b in model.buffers():
        return b.device
    return torch.device("cpu")


def _input_names(signature):
    """Names of the flat inputs: each spec's name, else its dict key, else `input_{i}`."""
    names = []

    def visit(x, key):
        if isinstance(x, dict):
            for k, v in x.items():
                visit(v, str(k))
        elif isinstance(x, (list, tuple)):
            for v in x:
                visit(v, None)
        else:
            names.append(getattr(x, "name", None) or key or f"input_{len(names)}")

    visit(signature, None)
    return _unique(names, set())


def _output_names(model, structure, input_names):
    from cornu.models.functional import Functional
    from cornu.models.sequential import Sequential

    flat = tree.flatten(structure)
    if isinstance(structure, dict) and not any(tree.is_nested(v) for v in structure.values()):
        names = [str(k) for k in structure]
    elif isinstance(model, (Functional, Sequential)) and len(model.output_names) == len(flat):
        names = list(model.output_names)
    else:
        names = [f"output_{i}" for i in range(len(flat))]
    return _unique(names, set(input_names))


def _unique(names, taken):
    result = []
    for name in names:
        candidate, i = name, 1
        while candidate in taken:
            candidate, i = f"{name}_{i}", i + 1
        taken.add(candidate)
        result.append(candidate)
    return result


def _dynamic_dims(flat_specs):
    """For each input, `{axis: name}` of its `None` axes (axis 0 is the shared "batch")."""
    return [{axis: "batch" if axis == 0 else f"dim_{i}_{axis}"
             for axis, size in enumerate(spec.shape) if size is None}
            for i, spec in enumerate(flat_specs)]


def _make_input(spec, dims, batch, size, device, seed=None):
    shape = [(batch if axis == 0 else size) if axis in dims else d
             for axis, d in enumerate(spec.shape)]
    dtype = to_torch_dtype(spec.dtype)
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    if dtype.is_floating_point:
        x = torch.rand(shape, generator=generator) if generator else torch.ones(shape)
        return x.to(device=device, dtype=dtype)
    if dtype == torch.bool:
        return torch.ones(shape, dtype=dtype, device=device)
    # Integer inputs are often indices (Embedding): small values stay in range, and 1 is not
    # the padding index of `mask_zero`.
    if generator is None:
        return torch.ones(shape, dtype=dtype, device=device)
    return torch.randint(0, 2, shape, generator=generator).to(device=device, dtype=dtype)


def _probe(module, flat_specs, dims, device):
    """Inputs whose dynamic sizes differ from the traced ones, with the model's outputs on
    them; None when onnxruntime is missing (nothing is verified then)."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return None
    for size in (_PROBE_SIZE, _SAMPLE_SIZE):
        inputs = tuple(_make_input(s, d, _PROBE_BATCH, size, device, seed=i)
                       for i, (s, d) in enumerate(zip(flat_specs, dims)))
        try:
            outputs = module(*inputs)
        except Exception:  # the model needs particular sizes: probe only the batch
            continue
        return ([x.cpu().numpy() for x in inputs],
                [torch.as_tensor(y).detach().float().cpu().numpy() for y in outputs])
    return None


def _verify(source, graph_outputs, probe, input_names):
    """None when the ONNX graph reproduces the model's outputs on the probe, else why not."""
    if probe is None:
        return None
    import onnxruntime

    inputs, expected = probe
    try:
        session = onnxruntime.InferenceSession(source,
                                               providers=["CPUExecutionProvider"])
        actual = session.run(None, dict(zip(input_names, inputs)))
    except Exception as e:
        if "NOT_IMPLEMENTED" in str(e):
            # A valid graph whose ops onnxruntime's CPU build lacks (bfloat16 Gemm under a
            # mixed policy): other runtimes may run it, so it is written unchecked.
            warnings.warn("The exported ONNX graph could not be checked against the model: "
                          f"onnxruntime's CPU build cannot run it ({e}).", stacklevel=3)
            return None
        return (f"the ONNX graph does not run on inputs of other sizes than traced "
                f"({type(e).__name__}: {e})")
    for name, a, b in zip([o.name for o in graph_outputs], actual, expected):
        a = np.asarray(a, dtype=np.float32)
        if a.shape != b.shape:
            return (f"output '{name}' has shape {a.shape} in the ONNX graph but {b.shape} in "
                    "the model on inputs of other sizes than traced")
        if not np.allclose(a, b, rtol=_RTOL, atol=_ATOL, equal_nan=True):
            return (f"output '{name}' differs from the model's by up to "
                    f"{float(np.nanmax(np.abs(a - b)))} on inputs of other sizes than traced")
    return None


# ---------------------------------------------------------------------- exporters

def _exporters():
    try:
        import onnxscript  # noqa: F401  (torch's torch.export-based exporter needs it)
    except ImportError:
        return [torchscript_exporter]
    return [dynamo_exporter, torchscript_exporter]


def dynamo_exporter(module, samples, input_names, output_names, dims, opset_version):
    batch = torch.export.Dim("batch")
    dynamic_shapes = tuple(
        {axis: batch if axis == 0 else torch.export.Dim(name) for axis, name in d.items()}
        or None for d in dims)
    with warnings.catch_warnings(), _quiet_logger("torch.onnx._internal.exporter._registration"):
        warnings.simplefilter("ignore")
        # `forward(*flat_inputs)` takes one variadic argument: its shapes go in a 1-tuple.
        program = torch.export.export(module, samples, dynamic_shapes=(dynamic_shapes,),
                                      strict=False)
        _plain_state(program)
        onnx_program = torch.onnx.export(program, opset_version=opset_version, verbose=False)
    _name_graph(onnx_program.model.graph, input_names, output_names)
    return _OnnxModel(onnx_program.model_proto, dims, input_names)


def _name_graph(graph, input_names, output_names):
    """Names the graph's inputs and outputs, renaming internal values that already hold
    those names (the exporter names values after torch ops: "conv2d", "lstm", ...)."""
    import onnx_ir as ir

    for i, value in enumerate(list(graph.outputs)):
        # An output that is also an input, or listed twice, gets its own Identity copy.
        if value in graph.inputs or value in graph.outputs[:i]:
            node = ir.Node("", "Identity", inputs=[value])
            graph.append(node)
            graph.outputs[i] = node.outputs[0]
    targets = list(zip(graph.inputs, input_names)) + list(zip(graph.outputs, output_names))
    wanted = {name for _, name in targets}
    values, seen = [], set()
    for node in ir.traversal.RecursiveGraphIterator(graph):
        for value in list(node.outputs) + list(node.graph.inputs):
            if value is not None and id(value) not in seen:
                seen.add(id(value))
                values.append(value)
    taken = {v.name for v in values} | set(graph.initializers)
    target_ids = {id(v) for v, _ in targets}
    for value in values:
        if id(value) not in target_ids and value.name in wanted:
            new, k = f"{value.name}__{1}", 1
            while new in taken or new in wanted:
                k += 1
                new = f"{value.name}__{k}"
            taken.add(new)
            value.name = new
    for value, name in targets:
        value.name = name


@contextlib.contextmanager
def _quiet_logger(name):
    """Silences a logger's warnings (torch.onnx logs one per torchvision op it cannot find)."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def torchscript_exporter(module, samples, input_names, output_names, dims, opset_version):
    import onnx

    dynamic_axes = {name: d for name, d in zip(input_names, dims) if d}
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, samples, buffer, dynamo=False, input_names=input_names,
                          output_names=output_names, dynamic_axes=dynamic_axes or None,
                          opset_version=opset_version, verbose=False)
    return _OnnxModel(onnx.load_from_string(buffer.getvalue()), dims, input_names)


def _plain_state(program):
    """Makes the exported program's weights plain tensors (sharing memory with the model's
    Variables), which the ONNX conversion handles as it does torch's own parameters."""
    for key, value in list(program.state_dict.items()):
        if type(value) not in (torch.Tensor, torch.nn.Parameter):
            plain = value.detach().as_subclass(torch.Tensor)
            program.state_dict[key] = (torch.nn.Parameter(plain, requires_grad=False)
                                       if isinstance(value, torch.nn.Parameter) else plain)
    for key, value in list(program.constants.items()):
        if isinstance(value, torch.Tensor) and type(value) is not torch.Tensor:
            program.constants[key] = value.detach().as_subclass(torch.Tensor)


class _OnnxModel:
    """An exported graph: renames its dynamic dimensions after the signature's, reads as
    bytes (or a path, for graphs with external weights) and writes atomically."""

    def __init__(self, proto, dims, input_names):
        self.proto = proto
        self._tmpdir = None
        self._path = None
        _rename_dims(proto, dims, input_names)
        self.outputs = list(proto.graph.output)
        self.opset = next((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")),
                          None)
        self.large = proto.ByteSize() > _MAX_INLINE_BYTES

    def source(self, filepath):
        """The serialized graph, or for a large one the path of a copy saved (with its
        `<name>.data` weights file) in a temporary folder beside `filepath`."""
        if not self.large:
            return self.proto.SerializeToString()
        if self._path is None:
            import onnx

            folder = os.path.dirname(os.path.abspath(filepath))
            os.makedirs(folder, exist_ok=True)
            name = os.path.basename(filepath)
            self._tmpdir = tempfile.mkdtemp(prefix=f".{name}.", dir=folder)
            self._path = os.path.join(self._tmpdir, name)
            onnx.save_model(self.proto, self._path, save_as_external_data=True,
                            all_tensors_to_one_file=True, location=name + ".data")
        return self._path

    def write(self, filepath):
        if not self.large:
            with atomic_write(filepath) as f:
                f.write(self.proto.SerializeToString())
            return
        # The weights file is moved in first and the graph, which names it, last.
        path = self.source(filepath)
        target = os.path.abspath(filepath)
        if os.path.exists(path + ".data"):
            os.replace(path + ".data", target + ".data")
        os.replace(path, target)
        self.discard()

    def discard(self):
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = self._path = None


def _rename_dims(proto, dims, input_names):
    """Names the graph's symbolic dimensions after the signature ("batch", "dim_1_2"), in
    the inputs and wherever else the exporter's own names for them appear."""
    inputs = {i.name: i for i in proto.graph.input}
    mapping = {}
    for name, d in zip(input_names, dims):
        if name not in inputs:
            continue
        shape_dims = inputs[name].type.tensor_type.shape.dim
        for axis, new in d.items():
            if axis < len(shape_dims):
                old = shape_dims[axis].dim_param
                if old:
                    mapping[old] = new
                shape_dims[axis].dim_param = new
    if not mapping:
        return
    for value in list(proto.graph.output) + list(proto.graph.value_info) + list(proto.graph.input):
        if value.type.HasField("tensor_type"):
            for dim in value.type.tensor_type.shape.dim:
                if dim.dim_param in mapping:
                    dim.dim_param = mapping[dim.dim_param]


def _describe(names, specs):
    return "[" + ", ".join(f"{n}: {tuple(s.shape)} {s.dtype}" for n, s in zip(names, specs)) + "]"
