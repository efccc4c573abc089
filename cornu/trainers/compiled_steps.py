"""`jit_compile=True`: the forward pass and loss compiled with `torch.compile`.

The first training step runs eagerly, so layers, losses and metrics are built outside the
compiled region; later steps call the compiled functions. Batch dims are marked dynamic, so
a short last batch does not trigger a recompilation every epoch. The backward pass is
compiled along with the forward (AOTAutograd); the optimizer's foreach update runs as is.
"""

import types

import torch

from cornu.utils import tree


def _mark_batch_dynamic(structure):
    mark = getattr(torch._dynamo, "maybe_mark_dynamic", None) or torch._dynamo.mark_dynamic
    for t in tree.flatten(structure):
        if isinstance(t, torch.Tensor) and t.dim() > 0:
            mark(t, 0)


def _with_own_code(method, instance):
    """`method` bound to `instance`, running a copy of its code object.

    torch.compile keeps compiled graphs, and its limit of 8 recompilations, per code object.
    The steps guard on their model, so were the code shared, each new model would use one
    of those 8 and the ninth compiled model in a process would silently run eagerly.
    """
    function = method.__func__ if isinstance(method, types.MethodType) else method
    copy = types.FunctionType(function.__code__.replace(), function.__globals__,
                              function.__name__, function.__defaults__, function.__closure__)
    return types.MethodType(copy, instance)


class CompiledSteps:
    """Compiled `forward + loss` (training) and forward (inference) of a model.

    Args:
        model: the compiled model (a cornu `Model`).
    """

    def __init__(self, model):
        self.model = model
        self.ready = False
        self._train = torch.compile(_with_own_code(CompiledSteps._forward_and_loss, self))
        self._infer = torch.compile(_with_own_code(CompiledSteps._forward, self))

    def _forward_and_loss(self, x, y, sample_weight):
        y_pred = self.model(x, training=True)
        total, per_output = self.model._losses_of(y, y_pred, sample_weight)
        return y_pred, total, per_output

    def _forward(self, x):
        return self.model(x, training=False)

    def forward_and_loss(self, x, y, sample_weight):
        _mark_batch_dynamic((x, y, sample_weight))
        return self._train(x, y, sample_weight)

    def inference(self, x):
        _mark_batch_dynamic(x)
        return self._infer(x)
