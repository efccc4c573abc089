"""MultiHeadAttention (Vaswani et al., 2017) with Keras's weights and masking rules."""

import math
import string

import torch
import torch.nn.functional as F

from cornu import constraints, initializers, regularizers
from cornu.backend.keras_tensor import KerasTensor
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


def _large_negative(dtype):
    """Keras's stand-in for -inf in masked softmax."""
    return -65500.0 * 0.7 if dtype == torch.float16 else -3.38953e38 * 0.7


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
        flash_attention: None or False: torch picks its fused kernel when it can. True:
            as in Keras, dropout and `return_attention_scores` are refused.
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
        if flash_attention and dropout > 0.0:
            raise ValueError("MultiHeadAttention: dropout is not supported when flash attention "
                             f"is enabled. Received: dropout={dropout}, flash_attention=True")
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

    def _check_shapes(self, query_shape, value_shape, key_shape):
        where = f"Layer '{self.name}' (MultiHeadAttention)"
        if value_shape is None:
            raise ValueError(f"{where} must be called on `query` and `value` tensors: "
                             "layer(query, value) or layer(query, value, key). "
                             f"Received only query_shape={tuple(query_shape)}")
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if len(query_shape) < 3 or len(value_shape) != len(query_shape):
            raise ValueError(f"{where}: `query` and `value` must have the same rank, at least 3 "
                             f"(batch, positions..., features). Received: "
                             f"query_shape={query_shape}, value_shape={value_shape}")
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(f"{where}: all dimensions of `value` and `key` except the last must "
                             f"be equal. Received: value_shape={value_shape}, "
                             f"key_shape={key_shape}")
        rank = len(query_shape)
        for a in self._given_attention_axes or ():
            if not isinstance(a, int) or not 1 <= (a + rank if a < 0 else a) <= rank - 2:
                raise ValueError(f"{where}: `attention_axes` must name axes of the input "
                                 f"between the batch and the feature axis (1 to "
                                 f"{len(query_shape) - 2}). Received: "
                                 f"attention_axes={self._given_attention_axes} for inputs of "
                                 f"rank {len(query_shape)}")
        return key_shape

    def build(self, query_shape, value_shape=None, key_shape=None):
        key_shape = self._check_shapes(query_shape, value_shape, key_shape)
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
        """Attends from `query` to `value` (keyed by `key`, default `value`).

        Masks combine as in Keras: the query's own Keras mask (`[B, T, 1]`; an explicit
        `query_mask` is ignored, as in Keras), `value_mask` / `key_mask` (default: the
        tensors' Keras masks, `[B, 1, S]`), the causal and sliding-window masks and
        `attention_mask` (`[B, T, S]`, True where attention is allowed).
        """
        if self.flash_attention and return_attention_scores:
            raise ValueError(f"Layer '{self.name}' (MultiHeadAttention): returning attention "
                             "scores is not supported when flash attention is enabled.")
        query_mask = getattr(query, "_keras_mask", None)
        if value_mask is None:
            value_mask = getattr(value, "_keras_mask", None)
        if key_mask is None and key is not None:
            key_mask = getattr(key, "_keras_mask", None)
        value = self._like(value, query)
        key = value if key is None else self._like(key, query)
        scores_shape = self._scores_shape(query.shape, key.shape)
        causal_only = (use_causal_mask and self.sliding_window is None and attention_mask is None
                       and query_mask is None and value_mask is None and key_mask is None)
        mask = None if causal_only else self._attention_mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask,
            scores_shape)
        gate = self.gate_dense(query) if self.use_gate else None
        q, k, v = self.query_dense(query), self.key_dense(key), self.value_dense(value)
        output, scores = self._attend(q, k, v, mask, causal_only, training,
                                      return_attention_scores)
        output = self.output_dense(output * gate if gate is not None else output)
        return (output, scores) if return_attention_scores else output

    @staticmethod
    def _like(x, query):
        x = torch.as_tensor(x, device=query.device)
        if x.is_floating_point() and x.dtype != query.dtype:
            x = x.to(query.dtype)
        return x

    def _scores_shape(self, query_shape, key_shape):
        """(batch dims, heads, query attention dims, key attention dims)."""
        axes = self.attention_axes
        batch = [query_shape[i] for i in range(len(query_shape) - 1) if i not in axes]
        return tuple(batch + [self.num_heads] + [query_shape[a] for a in axes]
                     + [key_shape[a] for a in axes])

    def _expand(self, mask, scores_shape, what):
        """Keras's broadcast of a mask over the heads axis, checked against the scores."""
        mask = torch.as_tensor(mask).bool()
        received = tuple(mask.shape)
        for _ in range(len(scores_shape) - mask.dim()):
            mask = mask.unsqueeze(-2 * len(self.attention_axes) - 1)
        try:
            fits = torch.broadcast_shapes(mask.shape, scores_shape) == torch.Size(scores_shape)
        except RuntimeError:
            fits = False
        if not fits:
            heads_axis = len(scores_shape) - 2 * len(self.attention_axes) - 1
            expected = scores_shape[:heads_axis] + scores_shape[heads_axis + 1:]
            raise ValueError(f"Layer '{self.name}' (MultiHeadAttention): {what} must broadcast "
                             f"to (batch, query positions, key positions) = {tuple(expected)}. "
                             f"Received shape {received}")
        return mask

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask,
                        use_causal_mask, scores_shape):
        """Keras's combination: query `[B, T, 1]`, value/key `[B, 1, S]`, causal, window, given."""
        device = query.device
        masks = []
        if attention_mask is not None:
            masks.append(self._expand(attention_mask, scores_shape, "`attention_mask`"))
        if query_mask is not None:
            masks.append(self._expand(torch.as_tensor(query_mask).bool()[..., None],
                                      scores_shape, "the query's mask"))
        for m, what in ((value_mask, "`value_mask`"), (key_mask, "`key_mask`")):
            if m is not None:
                masks.append(self._expand(torch.as_tensor(m).bool()[..., None, :],
                                          scores_shape, what))
        t, s = query.shape[1], value.shape[1]
        if use_causal_mask:
            masks.append(self._expand(self._causal(t, s, device)[None], scores_shape,
                                      "the causal mask"))
        if self.sliding_window is not None:
            rows = torch.arange(t, device=device)[:, None]
            cols = torch.arange(s, device=device)[None, :]
            masks.append(self._expand(((rows - cols).abs() < self.sliding_window)[None],
                                      scores_shape, "the sliding-window mask"))
        if not masks:
            return None
        combined = masks[0].to(device)
        for m in masks[1:]:
            combined = combined & m.to(device)
        return combined

    @staticmethod
    def _causal(t, s, device):
        return torch.ones((t, s), dtype=torch.bool, device=device).tril()

    def _attend(self, q, k, v, mask, causal, training, return_scores):
        dropping = bool(training) and self.dropout > 0.0
        if not (return_scores or dropping) and self.attention_axes == (q.dim() - 3,):
            # One attention axis, just before the heads: torch's fused kernel on
            # (..., T, N, H) -> (..., N, T, H); a boolean mask becomes Keras's additive one.
            bias = None
            if mask is not None:
                bias = torch.zeros(mask.shape, dtype=q.dtype, device=q.device).masked_fill(
                    ~mask, _large_negative(q.dtype))
            out = F.scaled_dot_product_attention(
                q.transpose(-3, -2), k.transpose(-3, -2), v.transpose(-3, -2), attn_mask=bias,
                is_causal=causal, scale=self._scale)
            return out.transpose(-3, -2), None
        if causal:
            mask = self._causal(q.shape[1], k.shape[1], q.device)
            for _ in range(self._scores_rank - 2):
                mask = mask.unsqueeze(0)
        scores = torch.einsum(self._dot_equation, k, q * self._scale)
        scores = self._softmax(scores, mask=mask)
        probs = self._dropout_layer(scores, training=training) if dropping else scores
        return torch.einsum(self._combine_equation, probs, v), scores

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        if value_shape is not None:
            self._check_shapes(query_shape, value_shape, key_shape)
        last = self._output_shape or (query_shape[-1],)
        return tuple(query_shape[:-1]) + tuple(last)

    def compute_output_spec(self, query, value, key=None, return_attention_scores=False,
                            **kwargs):
        key_shape = None if key is None else key.shape
        output = KerasTensor(self.compute_output_shape(query.shape, value.shape, key_shape),
                             dtype=self.compute_dtype)
        if not return_attention_scores:
            return output
        scores = self._scores_shape(query.shape, value.shape if key is None else key.shape)
        return output, KerasTensor(scores, dtype=self.compute_dtype)

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
