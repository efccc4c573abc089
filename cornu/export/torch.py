"""`export_torch`: a model's inference forward pass as a PyTorch ExportedProgram (`.pt2`).

`torch.export.export` traces the model with `training=False` (non-strict by default); the
batch dimension and every other `None` dimension of the input signature are dynamic unless
`dynamic_shapes` is given. The program takes the inputs structured as the model's `call`
does and returns its outputs' structure; `torch.export.load(path).module()` runs it.
"""

import inspect
import os
import warnings

import torch

from cornu.export.export_utils import standardize_input_signature
from cornu.export.onnx import (_SAMPLE_BATCH, _SAMPLE_SIZE, _dynamic_dims, _inference_mode,
                               _make_input, _model_device, _plain_state)
from cornu.saving.file_utils import atomic_write
from cornu.utils import io_utils, tree


class _InferenceCall(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, *args):
        return self.model(*args, training=False)


def export_torch(model, filepath, input_signature=None, verbose=None, **kwargs):
    """Exports the model's inference forward pass as a PyTorch ExportedProgram.

    Args:
        model: the `cornu.Model` to export.
        filepath: `str` or `pathlib.Path`, ending in `.pt2`.
        input_signature: shapes and dtypes of the inputs, as for `format="onnx"`. Defaults
            to the model's inputs.
        verbose: whether to print where the program was saved. Defaults to `None` (prints).
        **kwargs: passed to `torch.export.export` (`strict`, `dynamic_shapes`,
            `prefer_deferred_runtime_asserts_over_guards`, ...). `dynamic_shapes` has one
            entry per argument of the model's call, each structured as that argument; for
            a one-argument model a dict such as `{0: torch.export.Dim("batch")}` is enough.

    Example:

    ```python
    model.export("model.pt2", format="torch")
    program = torch.export.load("model.pt2")
    predictions = program.module()(torch.randn(4, 10))
    ```
    """
    filepath = os.fspath(filepath)
    if not filepath.endswith(".pt2"):
        raise ValueError("The PyTorch export requires the filepath to end with '.pt2'. "
                         f"Got: {filepath}")
    supported = {n for n in inspect.signature(torch.export.export).parameters
                 if n not in ("mod", "args", "kwargs")}
    unknown = sorted(set(kwargs) - supported)
    if unknown:
        raise ValueError(f"Unsupported arguments for `format=\"torch\"`: {', '.join(unknown)}. "
                         f"Supported arguments are: {', '.join(sorted(supported))}.")
    kwargs.setdefault("strict", False)
    signature = standardize_input_signature(model, input_signature)
    flat_dims = _dynamic_dims(tree.flatten(signature))
    device = _model_device(model)
    samples = tree.pack_as(signature, [
        _make_input(s, d, _SAMPLE_BATCH, _SAMPLE_SIZE, device)
        for s, d in zip(tree.flatten(signature), flat_dims)])
    dynamic_shapes = kwargs.get("dynamic_shapes")
    if dynamic_shapes is None:
        batch = torch.export.Dim("batch")
        dynamic_shapes = tuple(tree.pack_as(signature, [
            {axis: batch if axis == 0 else torch.export.Dim(name) for axis, name in d.items()}
            or None for d in flat_dims]))
    elif isinstance(dynamic_shapes, dict) and len(signature) == 1:
        dynamic_shapes = (dynamic_shapes,)
    # `forward(*args)` takes one variadic argument: the per-argument shapes go in a 1-tuple.
    kwargs["dynamic_shapes"] = (tuple(dynamic_shapes),)
    with _inference_mode(model), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            program = torch.export.export(_InferenceCall(model), tuple(samples), **kwargs)
        except Exception as e:
            raise RuntimeError(
                f"Failed to export model '{model.name}' to PyTorch format. Common causes: "
                "unsupported operations, data-dependent control flow, or shape constraints "
                "not satisfied (an `input_signature` with fixed sizes, or `dynamic_shapes`, "
                f"may help). Original error: {type(e).__name__}: {e}") from e
    _plain_state(program)
    with atomic_write(filepath) as f:
        torch.export.save(program, f)
    if verbose is None or verbose:
        io_utils.print_msg(f"Saved PyTorch ExportedProgram at '{filepath}'.")
    return filepath
