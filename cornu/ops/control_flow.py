"""Control flow: `cond`, `switch`, loops, `scan`, `map`, `vectorized_map` (run eagerly)."""

import torch

from cornu.ops.promotion import tensor
from cornu.utils import tree

__all__ = ["cond", "switch", "while_loop", "fori_loop", "scan", "map", "vectorized_map",
           "associative_scan"]


def _truth(pred):
    if isinstance(pred, torch.Tensor):
        return bool(pred.item())
    return bool(pred)


def cond(pred, true_fn, false_fn):
    """`true_fn()` if `pred` holds, else `false_fn()`."""
    return true_fn() if _truth(pred) else false_fn()


def switch(index, branches, *operands):
    """Calls `branches[index](*operands)`, `index` clamped to the valid range."""
    if not branches:
        raise ValueError("`branches` must hold at least one function.")
    i = int(index.item() if isinstance(index, torch.Tensor) else index)
    i = min(max(i, 0), len(branches) - 1)
    return branches[i](*operands)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Repeats `loop_vars = body(*loop_vars)` while `cond(*loop_vars)` holds.

    A tuple or list of loop variables comes back as a tuple; a single one as itself.
    """
    is_tuple = isinstance(loop_vars, (tuple, list))
    state = tuple(loop_vars) if is_tuple else (loop_vars,)
    steps = 0
    while (maximum_iterations is None or steps < maximum_iterations) and _truth(cond(*state)):
        out = body(*state)
        state = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        steps += 1
    return state if is_tuple else state[0]


def fori_loop(lower, upper, body_fun, init_val):
    """`val = body_fun(i, val)` for `i` from `lower` to `upper - 1`; returns `val`."""
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def _leading_length(xs):
    leaves = [x for x in tree.flatten(xs) if x is not None]
    return int(tensor(leaves[0]).shape[0]) if leaves else None


def _stack_outputs(outputs):
    if not outputs:
        return None
    first = outputs[0]
    if first is None:
        return None
    flat = [tree.flatten(o) for o in outputs]
    stacked = [torch.stack([tensor(f[i]) for f in flat]) for i in range(len(flat[0]))]
    return tree.pack_as(first, stacked)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loops `carry, y = f(carry, x)` over the leading axis of `xs`; returns `(carry, ys)`.

    `ys` stacks the `y`s along a new leading axis (None if `f` returns None for `y`).
    Without `xs`, `f` receives None `length` times.
    """
    n = _leading_length(xs) if xs is not None else None
    if n is None:
        if length is None:
            raise ValueError("`scan` needs `xs` or `length`.")
        n = int(length)
    elif length is not None and int(length) != n:
        raise ValueError(f"`length` ({length}) does not match the leading size of `xs` ({n}).")
    order = range(n - 1, -1, -1) if reverse else range(n)
    carry, ys = init, []
    for i in order:
        x = None if xs is None else tree.map_structure(
            lambda v: None if v is None else tensor(v)[i], xs)
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    return carry, _stack_outputs(ys)


def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive scan of the associative `f` over `axis` (`out[i] = f(out[i-1], x[i])`)."""
    flat = [torch.movedim(tensor(e), axis, 0) for e in tree.flatten(elems)]
    n = flat[0].shape[0]
    order = list(range(n - 1, -1, -1)) if reverse else list(range(n))
    acc, outs = None, [None] * n
    for i in order:
        item = tree.pack_as(elems, [e[i] for e in flat])
        acc = item if acc is None else f(acc, item)
        outs[i] = acc
    stacked = _stack_outputs(outs)
    return tree.map_structure(lambda t: torch.movedim(t, 0, axis), stacked)


def map(f, xs):
    """`f` applied to each slice of `xs` along its leading axis, results stacked."""
    n = _leading_length(xs)
    return _stack_outputs([f(tree.map_structure(lambda v: tensor(v)[i], xs))
                           for i in range(n)])


def vectorized_map(function, elements):
    """`map`, computed in one batched call through `torch.vmap` where the function allows."""
    elements = tree.map_structure(tensor, elements)
    try:
        return torch.vmap(function)(elements)
    except (RuntimeError, ValueError, NotImplementedError):
        # Data-dependent control flow or ops without a batching rule: loop instead.
        return map(function, elements)
