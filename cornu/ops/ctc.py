"""Connectionist temporal classification: `ctc_loss` and `ctc_decode` (greedy, beam search).

Logits come batch-major, `(batch, time, classes)`. The blank class is `mask_index` (0 by
default; None in `ctc_decode` means the last class). Decoded label sequences are padded with
-1 to the input's time length.
"""

import math

import torch
import torch.nn.functional as F

from cornu.ops.promotion import tensor
from cornu.ops.symbolic_dispatch import symbolic_op

__all__ = ["ctc_loss", "ctc_decode"]


@symbolic_op(options_as_keywords=True)
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """The CTC loss per sample: minus the log-likelihood of `target` under `output` logits.

    Args:
        target: int labels `(batch, max_label_length)`.
        output: logits `(batch, time, classes)`; a softmax over classes is applied here.
        target_length: `(batch,)` label lengths.
        output_length: `(batch,)` numbers of valid time steps.
        mask_index: the blank class.
    """
    output = tensor(output).to(torch.float32)  # as Keras: float32 whatever the input
    if output.device.type == "meta":
        return torch.empty((output.shape[0],), dtype=output.dtype, device="meta")
    device = output.device
    target = tensor(target, device=device).long()
    target_length = tensor(target_length, device=device).long().reshape(-1)
    output_length = tensor(output_length, device=device).long().reshape(-1)
    log_probs = torch.log_softmax(output, dim=-1).transpose(0, 1)
    return F.ctc_loss(log_probs, target, output_length, target_length, blank=mask_index,
                      reduction="none")


def _greedy(inputs, lengths, merge_repeated, blank):
    batch, steps, _ = inputs.shape
    scores, best = inputs.max(dim=-1)
    best = best.to(torch.int32)
    past_end = torch.arange(steps, device=inputs.device)[None, :] >= lengths[:, None]
    best = torch.where(past_end, blank, best)
    scores = torch.where(past_end, 0.0, scores)
    if merge_repeated:
        same = torch.zeros_like(past_end)
        same[:, 1:] = best[:, 1:] == best[:, :-1]
        best = torch.where(same, blank, best)
    dropped = best == blank
    # Stable sort moves the kept labels to the front in their order, the -1s to the back.
    order = torch.sort(dropped.to(torch.int8), dim=1, stable=True).indices
    labels = torch.where(dropped, -1, best).gather(1, order)
    return labels[None], -scores.sum(dim=1, keepdim=True)


def _logaddexp(a, b):
    if a < b:
        a, b = b, a
    if b == -math.inf:
        return a
    return a + math.log1p(math.exp(b - a))


def _prefix_beam_search(log_probs, length, beam_width, blank):
    """CTC prefix beam search over one sequence of log-probabilities `(time, classes)`.

    Each beam is a label prefix with the log-probabilities of the alignments read so far
    that end in a blank and that end in its last label. Returns `[(prefix, log prob)]`, best
    first.
    """
    neg = -math.inf
    beams = {(): (0.0, neg)}
    rows = log_probs[:length].tolist()
    for row in rows:
        blank_lp = row[blank]
        grown = {}

        def add(prefix, p_blank, p_label):
            old_blank, old_label = grown.get(prefix, (neg, neg))
            grown[prefix] = (_logaddexp(old_blank, p_blank), _logaddexp(old_label, p_label))

        for prefix, (p_blank, p_label) in beams.items():
            total = _logaddexp(p_blank, p_label)
            last = prefix[-1] if prefix else None
            # A blank, or the last label again without a blank in between: same prefix.
            add(prefix, total + blank_lp, neg if last is None else p_label + row[last])
            for c, lp in enumerate(row):
                if c == blank:
                    continue
                # A repeated label extends the prefix only after a blank.
                add(prefix + (c,), neg, (p_blank if c == last else total) + lp)
        ranked = sorted(grown.items(), key=lambda kv: -_logaddexp(*kv[1]))
        beams = dict(ranked[:beam_width])
    return sorted(((p, _logaddexp(*s)) for p, s in beams.items()), key=lambda kv: -kv[1])


def _beam_search(inputs, lengths, beam_width, top_paths, blank):
    batch, steps, _ = inputs.shape
    log_probs = torch.log_softmax(inputs, dim=-1).detach().cpu().double()
    paths = torch.full((top_paths, batch, steps), -1, dtype=torch.int32)
    scores = torch.full((batch, top_paths), -math.inf, dtype=torch.float64)
    for b, length in enumerate(lengths.tolist()):
        best = _prefix_beam_search(log_probs[b], int(length), beam_width, blank)
        for k, (prefix, score) in enumerate(best[:top_paths]):
            paths[k, b, :len(prefix)] = torch.tensor(prefix, dtype=torch.int32)
            scores[b, k] = score
    return paths.to(inputs.device), scores.to(device=inputs.device, dtype=inputs.dtype)


@symbolic_op(options_as_keywords=True)
def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """Decodes CTC outputs `(batch, time, classes)` into label sequences.

    Returns `(paths, scores)`: int32 paths `(top_paths, batch, time)` padded with -1 (one path
    for "greedy"), and float scores `(batch, top_paths)`. Greedy scores are minus the sum of
    each step's largest input; beam-search scores are the log-probabilities of the paths
    (their alignments summed) under a softmax of `inputs`.
    """
    inputs = tensor(inputs).to(torch.float32)  # as Keras: float32 whatever the input
    if strategy not in ("greedy", "beam_search"):
        raise ValueError(f"Invalid strategy {strategy!r}: expected 'greedy' or 'beam_search'.")
    batch, steps, classes = inputs.shape
    blank = classes - 1 if mask_index is None else int(mask_index)
    n_paths = 1 if strategy == "greedy" else top_paths
    if inputs.device.type == "meta":
        return (torch.empty((n_paths, batch, steps), dtype=torch.int32, device="meta"),
                torch.empty((batch, n_paths), dtype=inputs.dtype, device="meta"))
    lengths = tensor(sequence_lengths, device=inputs.device).reshape(-1)
    if strategy == "greedy":
        return _greedy(inputs, lengths, merge_repeated, blank)
    return _beam_search(inputs, lengths, beam_width, top_paths, blank)
