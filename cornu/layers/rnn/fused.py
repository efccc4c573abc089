"""Fused recurrent kernels: a whole LSTM / GRU / SimpleRNN sequence in one torch op.

Keras's weights are converted on the fly to the layout of `torch.lstm`, `torch.gru`,
`torch.rnn_tanh` and `torch.rnn_relu` (the ops behind `torch.nn.LSTM` & co., cuDNN on GPU):

- kernels are transposed: `(input_dim, gates * units)` -> `(gates * units, input_dim)`;
- LSTM gates are i, f, c, o in both;
- GRU gates z, r, h become torch's r, z, n. Keras's `reset_after=True` GRU (the default)
  is torch's formulation: row 0 of Keras's `(2, 3 * units)` bias is the input bias and
  row 1 the recurrent bias;
- Keras keeps one bias for LSTM and SimpleRNN: it is the input bias, the recurrent one is 0.

LSTM and SimpleRNN keep their weights in one buffer laid out as the op reads them (kernel
transposed, recurrent kernel transposed, bias, a zero recurrent bias), as `torch.nn.LSTM`
does: the Variables are strided views of it, so a call hands the op plain views and no
weight is copied, neither by cuDNN nor here (see `weights_in_one_buffer`).

A right-padded mask (each row True then False) runs as a packed sequence; the outputs of
masked steps are then filled in as Keras's step loop would.
"""

import contextlib
from typing import NamedTuple

import torch
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

_OPS = {"lstm": torch.lstm, "gru": torch.gru, "rnn_tanh": torch.rnn_tanh,
        "rnn_relu": torch.rnn_relu}


class FusedSpec(NamedTuple):
    """Which torch op runs the sequence and the weights it takes."""

    mode: str
    params: list
    has_biases: bool
    in_one_buffer: bool = False


def _op_weights(cell, zero_bias):
    weights = [cell.kernel.t(), cell.recurrent_kernel.t()]
    if cell.bias is not None:
        weights += [cell.bias, zero_bias]
    return weights


def _follow_each_other(tensors):
    """True if the tensors are contiguous and lie one after the other in one storage."""
    storage = tensors[0].untyped_storage().data_ptr()
    end = tensors[0].data_ptr()
    for t in tensors:
        if (not t.is_contiguous() or t.data_ptr() != end
                or t.untyped_storage().data_ptr() != storage):
            return False
        end += t.numel() * t.element_size()
    return True


def weights_in_one_buffer(cell):
    """Moves a cell's kernel, recurrent kernel and bias into one buffer in the op's layout.

    The Variables stay the same objects (optimizers keep them); their storage becomes views
    of the buffer, the kernels with transposed strides. Does nothing where the weights
    already lie so, are on the meta device, or a `torch.compile` trace is running. A move of
    the model (`.to()`, a copy) gives the weights separate storage again; the next call
    brings them back together.

    Returns:
        The op's weights (`[kernel^T, recurrent^T, bias, zero recurrent bias]`, or the first
        two without a bias) as views of the buffer, or None where nothing was done.
    """
    kernel = cell.kernel
    if kernel.is_meta or torch.compiler.is_compiling():
        return None
    if "_zero_recurrent_bias" in cell.__dict__:
        weights = _op_weights(cell, cell.__dict__["_zero_recurrent_bias"])
        if _follow_each_other(weights):
            return weights
    variables = [v for v in (kernel, cell.recurrent_kernel, cell.bias) if v is not None]
    with torch.no_grad():
        pieces = [v.t() if v.ndim == 2 else v for v in variables]
        if cell.bias is not None:
            pieces.append(torch.zeros_like(cell.bias))
        flat = torch.cat([p.reshape(-1) for p in pieces])
        offset = 0
        for v in variables:
            strides = (1, v.shape[0]) if v.ndim == 2 else (1,)
            v.set_(flat.untyped_storage(), offset, v.shape, strides)
            offset += v.numel()
    # A plain attribute, not a buffer: it is not a weight and stays out of state_dict.
    cell.__dict__["_zero_recurrent_bias"] = flat[offset:] if cell.bias is not None else None
    return _op_weights(cell, cell.__dict__["_zero_recurrent_bias"])


def _with_zero_recurrent_bias(cell, dtype):
    if dtype == cell.kernel.dtype:
        weights = weights_in_one_buffer(cell)
        if weights is not None:
            return weights, True
    weights = [cell.kernel.t().to(dtype), cell.recurrent_kernel.t().to(dtype)]
    if cell.bias is not None:
        bias = cell.bias.to(dtype)
        weights += [bias, torch.zeros_like(bias)]
    return weights, False


def lstm_spec(cell, dtype):
    """Spec of an LSTM cell with Keras's weights (gates i, f, c, o)."""
    weights, in_one_buffer = _with_zero_recurrent_bias(cell, dtype)
    return FusedSpec("lstm", weights, cell.bias is not None, in_one_buffer)


def simple_rnn_spec(cell, dtype, relu=False):
    """Spec of a tanh (or relu) SimpleRNN cell with Keras's weights."""
    weights, in_one_buffer = _with_zero_recurrent_bias(cell, dtype)
    return FusedSpec("rnn_relu" if relu else "rnn_tanh", weights, cell.bias is not None,
                     in_one_buffer)


def _zrh_to_rzn(w, units):
    return torch.cat([w[..., units:2 * units], w[..., :units], w[..., 2 * units:]], -1)


def gru_spec(kernel, recurrent_kernel, bias, dtype):
    """Spec of a `reset_after=True` GRU with Keras's weights (gates z, r, h; bias `(2, 3u)`)."""
    units = recurrent_kernel.shape[0]
    params = [_zrh_to_rzn(kernel, units).t().to(dtype),
              _zrh_to_rzn(recurrent_kernel, units).t().to(dtype)]
    if bias is not None:
        bias = _zrh_to_rzn(bias, units).to(dtype)
        params += [bias[0], bias[1]]
    return FusedSpec("gru", params, bias is not None)


def right_padded_lengths(mask):
    """The per-row lengths `(batch,)` if `mask` is right-padded (True then False), else None."""
    lengths = mask.sum(1)
    steps = torch.arange(mask.shape[1], device=mask.device)
    if torch.equal(mask, steps < lengths[:, None]):
        return lengths
    return None


def run_dtype(inputs):
    """The dtype a fused call runs in: autocast's when it is on for the device, else the inputs'."""
    device_type = inputs.device.type
    if device_type != "meta" and torch.is_autocast_enabled(device_type):
        return torch.get_autocast_dtype(device_type)
    return inputs.dtype


def _packed(params):
    """The weights as views of one buffer in cuDNN's order, which cuDNN then uses as is.

    Given separate (or transposed) tensors, cuDNN would copy them into such a buffer itself,
    one copy per matrix on every call.
    """
    flat = torch.cat([p.reshape(-1) for p in params])
    # One split (not one slice each): its backward is a single concatenation of the grads.
    pieces = flat.split([p.numel() for p in params])
    return [piece.view(p.shape) for piece, p in zip(pieces, params)]


def _call(spec, inputs, states, *packed_args, batch_first=True):
    hx = [s.unsqueeze(0) for s in states]
    hx = hx if spec.mode == "lstm" else hx[0]
    params = _packed(spec.params) if inputs.is_cuda and not spec.in_one_buffer else spec.params
    args = (params, spec.has_biases, 1, 0.0, torch.is_grad_enabled(), False)
    device_type = inputs.device.type
    # Everything is already in one dtype; autocast around these ops breaks oneDNN on CPU.
    with torch.autocast(device_type, enabled=False) if device_type != "meta" else contextlib.nullcontext():
        if packed_args:
            out, *final = _OPS[spec.mode](inputs, *packed_args, hx, *args)
        else:
            out, *final = _OPS[spec.mode](inputs, hx, *args, batch_first)
    return out, final


def run(spec, inputs, states, lengths=None, go_backwards=False, zero_output_for_mask=False):
    """Runs the sequence `(batch, time, features)` from `states` (a list of `(batch, units)`).

    Args:
        spec: a `FusedSpec`.
        inputs: the sequences, in the spec's dtype (see `run_dtype`).
        states: initial states (`[h, c]` for LSTM, `[h]` otherwise), in the same dtype.
        lengths: `(batch,)` valid lengths of right-padded rows, or None when all are valid.
        go_backwards: process each sequence from its end.
        zero_output_for_mask: masked steps output zeros instead of the previous output.

    Returns:
        `(outputs (batch, time, units) in processing order, final states list)`.
    """
    if lengths is None:
        if go_backwards:
            inputs = inputs.flip(1)
        out, final = _call(spec, inputs, states)
        return out, [h.squeeze(0) for h in final]

    batch, time_steps = inputs.shape[:2]
    steps = torch.arange(time_steps, device=inputs.device)
    lengths = lengths.to(inputs.device)
    valid = steps < lengths[:, None]
    if go_backwards:
        # Step k of a row reads time `length - 1 - k`: its valid steps, last first.
        order = torch.where(valid, lengths[:, None] - 1 - steps, steps)
        inputs = inputs.gather(1, order[..., None].expand_as(inputs))
    packed = pack_padded_sequence(inputs, lengths.clamp(min=1).cpu(), batch_first=True,
                                  enforce_sorted=False)
    sorted_states = [s.index_select(0, packed.sorted_indices) for s in states]
    data, final = _call(spec, packed.data, sorted_states, packed.batch_sizes)
    out, _ = pad_packed_sequence(
        PackedSequence(data, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices),
        batch_first=True, total_length=time_steps)
    final = [h.squeeze(0).index_select(0, packed.unsorted_indices) for h in final]
    empty = (lengths == 0)[:, None]
    final = [torch.where(empty, s0, s) for s, s0 in zip(final, states)]

    # Place outputs where Keras's loop puts them (processing order, masked steps filled).
    if go_backwards:
        # The masked tail comes first when reversed: zeros, then the valid outputs.
        source = steps - (time_steps - lengths[:, None])
        keep = source >= 0
    else:
        # Past its end a row repeats its last output (or zeros with zero_output_for_mask).
        source = torch.minimum(steps.expand(batch, -1), lengths[:, None] - 1)
        keep = valid if zero_output_for_mask else (lengths > 0)[:, None].expand(batch, -1)
    out = out.gather(1, source.clamp(min=0)[..., None].expand_as(out))
    out = torch.where(keep[..., None], out, torch.zeros_like(out))
    return out, final
