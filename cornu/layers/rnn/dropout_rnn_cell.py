"""`DropoutRNNCell`: dropout masks that stay the same at every step of a sequence."""

import torch


class DropoutRNNCell:
    """Mixin for cells with `dropout` and `recurrent_dropout`.

    A mask is drawn the first time it is asked for and reused at every time step until
    `reset_dropout_mask()` / `reset_recurrent_dropout_mask()`; the `RNN` layer resets
    both around each call, so every batch gets fresh masks.
    """

    def _init_dropout(self, dropout, recurrent_dropout, seed):
        for arg, value in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) expects a float "
                                 f"`{arg}` in [0, 1]. Received: {arg}={value!r}")
        if seed is not None and not isinstance(seed, int):
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) expects an int or "
                             f"None `seed`. Received: seed={seed!r}")
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self._generator = None if seed is None else torch.Generator().manual_seed(seed)
        self._dropout_mask = None
        self._recurrent_dropout_mask = None

    def _draw_mask(self, like, rate):
        if self._generator is None:
            keep = torch.rand(like.shape, device=like.device) >= rate
        else:
            keep = (torch.rand(like.shape, generator=self._generator) >= rate).to(like.device)
        return keep.to(like.dtype) / (1.0 - rate)

    def get_dropout_mask(self, step_input):
        """The input mask (shape of one step's input), or None when `dropout` is 0 or 1."""
        if self._dropout_mask is None and 0.0 < self.dropout < 1.0:
            self._dropout_mask = self._draw_mask(step_input, self.dropout)
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, state):
        """The mask of the recurrent state, or None when `recurrent_dropout` is 0 or 1."""
        if self._recurrent_dropout_mask is None and 0.0 < self.recurrent_dropout < 1.0:
            self._recurrent_dropout_mask = self._draw_mask(state, self.recurrent_dropout)
        return self._recurrent_dropout_mask

    def reset_dropout_mask(self):
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        self._recurrent_dropout_mask = None
