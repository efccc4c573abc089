"""The readable recurrent loop: one cell call per time step, with Keras's masking rules."""

import torch

from cornu.utils import tree


def _expand(mask_t, like):
    """A `(batch,)` bool mask shaped to broadcast against `like`."""
    return mask_t.view(mask_t.shape + (1,) * (like.ndim - 1))


def run_steps(step, sequences, states, mask=None, go_backwards=False,
              zero_output_for_mask=False, return_sequences=True):
    """Runs `step(x_t, states) -> (output, new_states)` over the time axis (axis 1).

    Args:
        step: the cell step; `states` keep the structure of the initial `states`.
        sequences: `(batch, time, ...)` inputs.
        states: initial states (a list, possibly nested).
        mask: optional `(batch, time)` bool tensor. At a masked step the states are carried
            over unchanged and the output is the previous output (zeros before the first
            unmasked step), or zeros when `zero_output_for_mask`.
        go_backwards: process the time steps in reverse order (outputs stay in that order).
        zero_output_for_mask: see `mask`.
        return_sequences: also return the stacked outputs of every step.

    Returns:
        `(last_output, outputs or None, final_states)`; `outputs` is `(batch, time, ...)` in
        processing order.
    """
    time_steps = sequences.shape[1]
    inputs = sequences.unbind(1)
    masks = mask.unbind(1) if mask is not None else None
    order = range(time_steps - 1, -1, -1) if go_backwards else range(time_steps)
    outputs = []
    output = None
    for t in order:
        new_output, new_states = step(inputs[t], states)
        if masks is not None:
            keep = masks[t]
            if output is None:
                output = torch.zeros_like(new_output)
            fill = torch.zeros_like(new_output) if zero_output_for_mask else output
            new_output = torch.where(_expand(keep, new_output), new_output, fill)
            flat_new = [torch.where(_expand(keep, n), n, o)
                        for n, o in zip(tree.flatten(new_states), tree.flatten(states))]
            new_states = tree.pack_as(new_states, flat_new)
        output, states = new_output, new_states
        if return_sequences:
            outputs.append(output)
    stacked = torch.stack(outputs, 1) if return_sequences else None
    return output, stacked, states
