"""MultiHeadAttention (Vaswani et al., 2017) with Keras's weights and masking rules."""

import math
import string

import torch
import torch.nn.functional as F

from cornu import constraints, initializers, regularizers
from cornu.layers.activations.softmax import Softmax
from cornu.layers.core.einsum_dense import EinsumDense
from cornu.layers.layer import Layer
from cornu.layers.regularization.dropout import Dropout

_LETTERS = string.ascii_lowercase


def projection_equation(free_dims, bound_dims, output_dims):
    """Einsum equation, bias axes and output rank of a projection (Keras's layout)."""
    free = _LETTERS[:free_dims]
    bound = _LETTERS[free_dims:free_dims + bound_dims]
    out = _LETTERS[free_dims + bound_dims:free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{out}->{free}{out}", out, free_dims + output_dims


def attention_equations(rank, attn_axes):
    """Einsums for scores (key, query) -> (batch dims, heads, q axes, k axes) and combining."""
    target = _LETTERS[:rank]
    batch_dims = [i for i in range(rank) if i not in attn_axes and i != rank - 1]
    source = "".join(target[i] if i in batch_dims or i == rank - 1 else _LETTERS[rank + j]
                     for j, i in enumerate(range(rank)))
    product = ("".join(target[i] for i in batch_dims) + "".join(target[i] for i in attn_axes)
               + "".join(source[i] for i in attn_axes))
    dot = f"{source},{target}->{product}"
    combine = f"{product},{source}->{target}"
    return dot, combine, len(product)


def _fixed_shape(rank, last_dims):
    return [None] * (rank - len(last_dims)) + list(last_dims)


class MultiHeadAttention(Layer):
    """Multi-head attention: projects query, key and value per head, attends, projects back.

    Args:
        num_heads: number of attention heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value (default: `key_dim`).
        dropout: dropout rate on the attention probabilities.
        use_bias: whether the projections have biases.
        output_shape: the output's last dims (default: the query's last dim).
        attention_axes: axes attention runs over (default: all but batch, heads, features).
        sliding_window: if set, each query position attends only to keys closer than this.
        flash_attention: accepted for Keras compatibility; torch picks its fused kernel.
        kernel_initializer, bias_initializer: initializers of the projections.
        kernel_regularizer, bias_regularizer, activity_regularizer: regularizers.
        kernel_constraint, bias_constraint: constraints of the projections.
        use_gate: multiply the attention output by a sigmoid gate computed from the query.
        seed: seed of the dropout.
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, **kwargs):
        for arg, value in (("num_heads", num_heads), ("key_dim", key_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"MultiHeadAttention: `{arg}` must be a positive integer. "
                                 f"Received: {arg}={value!r}")
        if value_dim is not None and (not isinstance(value_dim, int) or value_dim <= 0):
            raise ValueError("MultiHeadAttention: `value_dim` must be a positive integer or "
                             f"None. Received: value_dim={value_dim!r}")
        if sliding_window is not None and (not isinstance(sliding_window, int)
                                           or sliding_window <= 0):
            raise ValueError("MultiHeadAttention: `sliding_window` must be None or a positive "
                             f"integer. Received: sliding_window={sliding_window!r}")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.supports_masking = True
        self.num_heads, self.key_dim = num_heads, key_dim
        self.value_dim = value_dim or key_dim
        self.dropout, self.use_bias, self.use_gate = dropout, use_bias, use_gate
        if isinstance(output_shape, int):
            output_shape = (output_shape,)
        self._output_shape = tuple(output_shape) if output_shape else None
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            raise ValueError("MultiHeadAttention: `attention_axes` must be an int, list or "
                             f"tuple. Received: attention_axes={attention_axes!r}")
        self.attention_axes = None if attention_axes is None else tuple(attention_axes)
        self._given_attention_axes = self.attention_axes
        self.sliding_window = sliding_window
        self.flash_attention = flash_attention
        self.seed = seed
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._scale = 1.0 / math.sqrt(float(key_dim))

    def _projection(self, rank, bound_dims, last_dims, name, activation=None):
        equation, bias_axes, out_rank = projection_equation(rank - 1, bound_dims, len(last_dims))
        return EinsumDense(
            equation, _fixed_shape(out_rank - 1, last_dims), activation=activation,
            bias_axes=bias_axes if self.use_bias else None, name=name,
            kernel_initializer=self.kernel_initializer.__class__.from_config(
                self.kernel_initializer.get_config()),
            bias_initializer=self.bias_initializer.__class__.from_config(
                self.bias_initializer.get_config()),
            kernel_regularizer=self.kernel_regularizer, bias_regularizer=self.bias_regularizer,
            kernel_constraint=self.kernel_constraint, bias_constraint=self.bias_constraint,
            dtype=self.dtype_policy)

    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(f"Layer '{self.name}' (MultiHeadAttention): all dimensions of "
                             "`value` and `key` except the last must be equal. Received: "
                             f"value_shape={tuple(value_shape)}, key_shape={tuple(key_shape)}")
        heads = [self.num_heads, self.key_dim]
        self.query_dense = self._projection(len(query_shape), 1, heads, "query")
        self.query_dense.build(query_shape)
        self.key_dense = self._projection(len(key_shape), 1, heads, "key")
        self.key_dense.build(key_shape)
        if self.use_gate:
            self.gate_dense = self._projection(len(query_shape), 1,
                                               [self.num_heads, self.value_dim], "gate",
                                               activation="sigmoid")
            self.gate_dense.build(query_shape)
        self.value_dense = self._projection(len(value_shape), 1,
                                            [self.num_heads, self.value_dim], "value")
        self.value_dense.build(value_shape)
        rank = len(query_shape) + 1  # the projected tensors have a heads axis
        if self._given_attention_axes is None:
            self.attention_axes = tuple(range(1, rank - 2))
        else:
            self.attention_axes = tuple(a if a >= 0 else rank - 1 + a
                                        for a in self._given_attention_axes)
        self._dot_equation, self._combine_equation, self._scores_rank = attention_equations(
            rank, self.attention_axes)
        norm_axes = tuple(range(self._scores_rank - len(self.attention_axes), self._scores_rank))
        self._softmax = Softmax(axis=norm_axes, dtype=self.dtype_policy)
        self._dropout_layer = Dropout(rate=self.dropout, seed=self.seed, dtype=self.dtype_policy)
        self.output_dense = self._projection(
            len(query_shape), 2, list(self._output_shape or [query_shape[-1]]),
            "attention_output")
        self.output_dense.build(tuple(query_shape[:-1]) + (self.num_heads, self.value_dim))
        self.built = True

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        device = query.device
        value = torch.as_tensor(value, device=device)
        key = value if key is None else torch.as_tensor(key, device=device)
        # As in Keras, the query's mask is the one its tensor carries.
        query_mask = getattr(query, "_keras_mask", None)
        if value_mask is None:
            value_mask = getattr(value, "_keras_mask", None)
        if key_mask is None and key is not value:
            key_mask = getattr(key, "_keras_mask", None)
        mask = self._attention_mask(query, value, query_mask, value_mask, key_mask,
                                    attention_mask, use_causal_mask)
        gate = self.gate_dense(query) if self.use_gate else None
        q, k, v = self.query_dense(query), self.key_dense(key), self.value_dense(value)
        output, scores = self._attend(q, k, v, mask, training, return_attention_scores)
        output = self.output_dense(output * gate if gate is not None else output)
        return (output, scores) if return_attention_scores else output

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask,
                        use_causal_mask):
        """Keras's combination: query `[B, T, 1]`, value/key `[B, 1, S]`, causal, window, given."""
        masks = []
        if query_mask is not None:
            masks.append(torch.as_tensor(query_mask, device=query.device).bool()[..., None])
        for m in (value_mask, key_mask):
            if m is not None:
                masks.append(torch.as_tensor(m, device=query.device).bool()[..., None, :])
        t, s = query.shape[1], value.shape[1]
        if use_causal_mask:
            masks.append(torch.ones((t, s), dtype=torch.bool, device=query.device).tril()[None])
        if self.sliding_window is not None:
            rows = torch.arange(t, device=query.device)[:, None]
            cols = torch.arange(s, device=query.device)[None, :]
            masks.append(((rows - cols).abs() < self.sliding_window)[None])
        if attention_mask is not None:
            masks.insert(0, torch.as_tensor(attention_mask, device=query.device).bool())
        if not masks:
            return None
        combined = masks[0]
        for m in masks[1:]:
            combined = combined & m
        return combined

    def _attend(self, q, k, v, mask, training, return_scores):
        if mask is not None:  # [B, T, S] broadcast over the heads and non-attention axes
            for _ in range(self._scores_rank - mask.dim()):
                mask = mask.unsqueeze(-len(self.attention_axes) * 2 - 1)
        if not (self.dropout > 0.0 or return_scores or q.dim() != 4):
            # Fused kernel: (B, T, N, H) -> (B, N, T, H); a boolean mask becomes additive.
            bias = None
            if mask is not None:
                large_negative = -65500.0 * 0.7 if q.dtype == torch.float16 else -3.38953e38 * 0.7
                bias = torch.zeros(mask.shape, dtype=q.dtype, device=q.device).masked_fill(
                    ~mask, large_negative)
            out = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2),
                                                 v.transpose(1, 2), attn_mask=bias,
                                                 scale=self._scale)
            return out.transpose(1, 2), None
        scores = torch.einsum(self._dot_equation, k, q * self._scale)
        scores = self._softmax(scores, mask=mask)
        probs = self._dropout_layer(scores, training=training) if self.dropout > 0 else scores
        return torch.einsum(self._combine_equation, probs, v), scores

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        last = self._output_shape or (query_shape[-1],)
        return tuple(query_shape[:-1]) + tuple(last)

    def get_config(self):
        return {
            **super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
            "value_dim": self.value_dim, "dropout": self.dropout, "use_bias": self.use_bias,
            "use_gate": self.use_gate, "output_shape": self._output_shape,
            "attention_axes": self.attention_axes, "sliding_window": self.sliding_window,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        }
