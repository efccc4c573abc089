"""Dot-product (Luong) and additive (Bahdanau) attention over `[query, value(, key)]`."""

import torch

from cornu.backend.keras_tensor import KerasTensor
from cornu.layers.layer import Layer


class Attention(Layer):
    """Dot-product attention: `softmax(query @ key^T) @ value`.

    Called on `[query, value]` or `[query, value, key]` (`key` defaults to `value`), with an
    optional `mask=[query_mask, value_mask]`.

    Args:
        use_scale: learn a scalar that multiplies the scores.
        score_mode: `"dot"` (`query @ key^T`) or `"concat"` (`sum(tanh(query + key))`).
        dropout: dropout rate on the attention distribution, while training.
        seed: seed of the dropout.
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"{type(self).__name__}: `score_mode` must be 'dot' or 'concat'. "
                             f"Received: score_mode={score_mode!r}")
        self.use_scale, self.score_mode = use_scale, score_mode
        self.dropout, self.seed = dropout, seed
        self._generator = None
        self.supports_masking = True

    def _validate(self, inputs, mask=None):
        name = type(self).__name__
        if (not isinstance(inputs, (list, tuple)) or not 2 <= len(inputs) <= 3
                or any(x is None or isinstance(x, int) for x in inputs)):
            raise ValueError(f"{name} layer must be called on a list [query, value] or "
                             f"[query, value, key]. Received: inputs={inputs!r}")
        if mask is not None and (not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= 3):
            raise ValueError(f"{name} layer mask must be a list [query_mask, value_mask]. "
                             f"Received: mask={mask!r}")

    def _check_shapes(self, shapes):
        """Query and key share the feature size; key and value the number of positions."""
        shapes = [tuple(s) for s in shapes]
        query, value = shapes[0], shapes[1]
        key = shapes[2] if len(shapes) > 2 else value
        name = type(self).__name__
        if any(len(s) < 2 for s in (query, value, key)):
            raise ValueError(f"{name} layer '{self.name}': query, value and key need shapes "
                             f"(batch, ..., positions, features). Received: {shapes}")
        if None not in (query[-1], key[-1]) and query[-1] != key[-1]:
            raise ValueError(f"{name} layer '{self.name}': query and key must have the same "
                             f"last dimension. Received: query_shape={query}, key_shape={key}")
        if None not in (value[-2], key[-2]) and value[-2] != key[-2]:
            raise ValueError(f"{name} layer '{self.name}': value and key must have the same "
                             f"number of positions (axis -2). Received: value_shape={value}, "
                             f"key_shape={key}")

    def build(self, input_shape):
        self._validate(input_shape)
        self._check_shapes(input_shape)
        self.scale = self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(),
                                                       initializer="ones")
        self.built = True

    def _scores(self, query, key):
        if self.score_mode == "dot":
            scores = query @ key.transpose(-2, -1)
            return scores * self.scale if self.scale is not None else scores
        summed = query.unsqueeze(-2) + key.unsqueeze(-3)
        if self.scale is not None:
            summed = self.scale * summed
        return self.concat_score_weight * torch.tanh(summed).sum(-1)

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        self._validate(inputs, mask)
        q = inputs[0]
        v = torch.as_tensor(inputs[1], device=q.device)
        k = torch.as_tensor(inputs[2], device=q.device) if len(inputs) > 2 else v
        q_mask, v_mask = (mask[0], mask[1]) if mask else (None, None)
        scores = self._scores(q, k)
        scores_mask = None if v_mask is None else torch.as_tensor(v_mask, device=q.device).bool()
        if use_causal_mask:
            causal = torch.ones(scores.shape[-2:], dtype=torch.bool, device=q.device).tril()
            scores_mask = (causal[None] if scores_mask is None
                           else scores_mask[..., None, :] & causal)
        if scores_mask is not None:
            if scores_mask.dim() == 2:
                scores_mask = scores_mask[..., None, :]
            big = 65504.0 if scores.dtype == torch.float16 else 1.0e9
            scores = torch.where(scores_mask, scores, scores - big)
        weights = torch.softmax(scores, dim=-1)
        if training and self.dropout > 0:
            weights = self._dropout(weights)
        output = weights @ v
        if q_mask is not None:
            output = torch.where(torch.as_tensor(q_mask, device=q.device).bool()[..., None],
                                 output, torch.zeros((), dtype=output.dtype, device=q.device))
        return (output, weights) if return_attention_scores else output

    def _dropout(self, weights):
        if self.seed is not None and (self._generator is None
                                      or self._generator.device.type != weights.device.type):
            self._generator = torch.Generator(device=weights.device).manual_seed(self.seed)
        keep = torch.rand(weights.shape, generator=self._generator, device=weights.device)
        return torch.where(keep >= self.dropout, weights / (1 - self.dropout),
                           torch.zeros((), dtype=weights.dtype, device=weights.device))

    def compute_mask(self, inputs, mask=None):
        if not mask or mask[0] is None:
            return None
        return torch.as_tensor(mask[0])

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (input_shape[1][-1],)

    def compute_output_spec(self, inputs, mask=None, return_attention_scores=False, **kwargs):
        self._validate(inputs, mask)
        shapes = [tuple(x.shape) for x in inputs]
        self._check_shapes(shapes)
        output = KerasTensor(self.compute_output_shape(shapes), dtype=self.compute_dtype)
        if not return_attention_scores:
            return output
        key = shapes[2] if len(shapes) > 2 else shapes[1]
        return output, KerasTensor(shapes[0][:-1] + (key[-2],), dtype=self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale,
                "score_mode": self.score_mode, "dropout": self.dropout, "seed": self.seed}


class AdditiveAttention(Attention):
    """Additive attention: `softmax(sum(scale * tanh(query + key))) @ value`.

    Args:
        use_scale: learn one scale per feature (a `(dim,)` weight).
        dropout: dropout rate on the attention distribution, while training.
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate(input_shape)
        self._check_shapes(input_shape)
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(input_shape[0][-1],),
                                         initializer="glorot_uniform")
        self.built = True

    def _scores(self, query, key):
        summed = torch.tanh(query.unsqueeze(-2) + key.unsqueeze(-3))
        return (summed * self.scale if self.scale is not None else summed).sum(-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
