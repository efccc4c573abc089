"""Grouped-query attention (Ainslie et al., 2023) with Keras's weights and masking rules."""

import math

import torch
import torch.nn.functional as F

from cornu import constraints, initializers, regularizers
from cornu.backend.keras_tensor import KerasTensor
from cornu.layers.activations.softmax import Softmax
from cornu.layers.attention.multi_head_attention import _large_negative
from cornu.layers.core.einsum_dense import EinsumDense
from cornu.layers.layer import Layer
from cornu.layers.regularization.dropout import Dropout


def _positive_int(where, arg, value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{where}: `{arg}` must be a positive integer. "
                         f"Received: {arg}={value!r}")


class GroupedQueryAttention(Layer):
    """Attention where groups of query heads share one key/value head.

    Query is projected to `num_query_heads` heads, key and value to `num_key_value_heads`
    heads of size `head_dim`; each key/value head serves `num_query_heads //
    num_key_value_heads` consecutive query heads. `num_key_value_heads=1` is multi-query
    attention, `num_key_value_heads == num_query_heads` multi-head attention. Inputs are
    `(batch, positions, features)`; the output has the query's shape.

    Args:
        head_dim: size of each head.
        num_query_heads: number of query heads.
        num_key_value_heads: number of key/value heads; must divide `num_query_heads`.
        dropout: dropout rate on the attention probabilities.
        use_bias: whether the projections have biases.
        sliding_window: if set, each query position attends only to key positions closer
            than this (a symmetric band; combine with `use_causal_mask` for a causal one).
        flash_attention: None or False: torch picks its fused kernel when it can. True: as
            in Keras, dropout and `return_attention_scores` are refused.
        kernel_initializer, bias_initializer: initializers of the projections.
        kernel_regularizer, bias_regularizer, activity_regularizer: regularizers.
        kernel_constraint, bias_constraint: constraints of the projections.
        use_gate: multiply the attention output by a sigmoid gate computed from the query.
        seed: seed of the dropout.
    """

    # Keras's class is GroupedQueryAttention, exported (and serialized) as GroupQueryAttention.
    _keras_class_name = "GroupQueryAttention"

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0,
                 use_bias=True, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        where = f"Layer '{self.name}' (GroupQueryAttention)"
        _positive_int(where, "head_dim", head_dim)
        _positive_int(where, "num_query_heads", num_query_heads)
        _positive_int(where, "num_key_value_heads", num_key_value_heads)
        if num_query_heads % num_key_value_heads:
            raise ValueError(f"{where}: `num_query_heads` must be divisible by "
                             f"`num_key_value_heads`. Received: num_query_heads="
                             f"{num_query_heads}, num_key_value_heads={num_key_value_heads}")
        if sliding_window is not None:
            _positive_int(where, "sliding_window", sliding_window)
        if not isinstance(dropout, (int, float)) or not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{where}: `dropout` must be a number in [0, 1]. "
                             f"Received: dropout={dropout!r}")
        if flash_attention and dropout > 0.0:
            raise ValueError(f"{where}: dropout is not supported when flash attention is "
                             f"enabled. Received: dropout={dropout}, flash_attention=True")
        self.supports_masking = True
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout, self.use_bias, self.use_gate = dropout, use_bias, use_gate
        self.sliding_window = sliding_window
        self.flash_attention = flash_attention
        self.seed = seed
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._scale = 1.0 / math.sqrt(float(head_dim))

    @property
    def _where(self):
        return f"Layer '{self.name}' (GroupQueryAttention)"

    def _dense(self, equation, last_dims, bias_axes, name, activation=None):
        return EinsumDense(
            equation, (None,) + tuple(last_dims), activation=activation,
            bias_axes=bias_axes if self.use_bias else None, name=name,
            kernel_initializer=self.kernel_initializer.__class__.from_config(
                self.kernel_initializer.get_config()),
            bias_initializer=self.bias_initializer.__class__.from_config(
                self.bias_initializer.get_config()),
            kernel_regularizer=self.kernel_regularizer, bias_regularizer=self.bias_regularizer,
            kernel_constraint=self.kernel_constraint, bias_constraint=self.bias_constraint,
            dtype=self.dtype_policy)

    def _check_shapes(self, query_shape, value_shape, key_shape):
        if value_shape is None:
            raise ValueError(f"{self._where} must be called on `query` and `value` tensors: "
                             "layer(query, value) or layer(query, value, key). "
                             f"Received only query_shape={tuple(query_shape)}")
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        for arg, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(shape) != 3:
                raise ValueError(f"{self._where} expects `{arg}` of rank 3 (batch, positions, "
                                 f"features). Received: {arg}_shape={shape}")
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(f"{self._where}: all dimensions of `value` and `key` except the "
                             f"last must be equal. Received: value_shape={value_shape}, "
                             f"key_shape={key_shape}")
        return key_shape

    def build(self, query_shape, value_shape=None, key_shape=None):
        key_shape = self._check_shapes(query_shape, value_shape, key_shape)
        q_heads = (self.num_query_heads, self.head_dim)
        kv_heads = (self.num_key_value_heads, self.head_dim)
        self.feature_dim = query_shape[-1]
        self._query_dense = self._dense("bqm,muh->bquh", q_heads, "uh", "query")
        self._query_dense.build(query_shape)
        self._key_dense = self._dense("bkm,mvh->bkvh", kv_heads, "vh", "key")
        self._key_dense.build(key_shape)
        if self.use_gate:
            self._gate_dense = self._dense("bqm,muh->bquh", q_heads, "uh", "gate",
                                           activation="sigmoid")
            self._gate_dense.build(query_shape)
        self._value_dense = self._dense("bkm,mvh->bkvh", kv_heads, "vh", "value")
        self._value_dense.build(value_shape)
        self._softmax = Softmax(axis=-1, dtype=self.dtype_policy)
        self._dropout_layer = Dropout(rate=self.dropout, seed=self.seed, dtype=self.dtype_policy)
        self._output_dense = self._dense("bquh,uhm->bqm", (self.feature_dim,), "m",
                                         "attention_output")
        self._output_dense.build((None, None, self.num_query_heads, self.head_dim))
        self.built = True

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        """Attends from `query` to `value` (keyed by `key`, default `value`).

        Masks (True where attention is allowed) combine as in Keras: `query_mask` `[B, T]`,
        `value_mask` / `key_mask` `[B, S]` (default: the tensors' Keras masks), the causal
        and sliding-window masks and `attention_mask` `[B, T, S]`.
        """
        if self.flash_attention and return_attention_scores:
            raise ValueError(f"{self._where}: returning attention scores is not supported "
                             "when flash attention is enabled.")
        if query_mask is None:
            query_mask = getattr(query, "_keras_mask", None)
        if value_mask is None:
            value_mask = getattr(value, "_keras_mask", None)
        if key_mask is None and key is not None:
            key_mask = getattr(key, "_keras_mask", None)
        value = self._like(value, query)
        key = value if key is None else self._like(key, query)
        t, s = query.shape[1], value.shape[1]
        causal_only = (use_causal_mask and self.sliding_window is None and attention_mask is None
                       and query_mask is None and value_mask is None and key_mask is None)
        mask = None if causal_only else self._mask(
            query.device, t, s, query_mask, value_mask, key_mask, attention_mask,
            use_causal_mask)
        gate = self._gate_dense(query) if self.use_gate else None
        q = self._query_dense(query)
        k = self._key_dense(key).repeat_interleave(self.num_repeats, dim=2)
        v = self._value_dense(value).repeat_interleave(self.num_repeats, dim=2)
        output, scores = self._attend(q, k, v, mask, causal_only, training,
                                      return_attention_scores)
        output = self._output_dense(output * gate if gate is not None else output)
        return (output, scores) if return_attention_scores else output

    @staticmethod
    def _like(x, query):
        x = torch.as_tensor(x, device=query.device)
        if x.is_floating_point() and x.dtype != query.dtype:
            x = x.to(query.dtype)
        return x

    def _mask(self, device, t, s, query_mask, value_mask, key_mask, attention_mask, causal):
        """The combined boolean mask `[B or 1, 1, T, S]`, or None."""
        masks = []
        if query_mask is not None:
            masks.append(torch.as_tensor(query_mask, device=device).bool()[:, :, None])
        for m in (value_mask, key_mask):
            if m is not None:
                masks.append(torch.as_tensor(m, device=device).bool()[:, None, :])
        if causal:
            masks.append(torch.ones((1, t, s), dtype=torch.bool, device=device).tril())
        if self.sliding_window is not None:
            rows = torch.arange(t, device=device)[:, None]
            cols = torch.arange(s, device=device)[None, :]
            masks.append(((rows - cols).abs() < self.sliding_window)[None])
        if attention_mask is not None:
            masks.append(torch.as_tensor(attention_mask, device=device).bool())
        if not masks:
            return None
        combined = masks[0]
        for m in masks[1:]:
            combined = combined & m
        try:
            combined = combined.broadcast_to((combined.shape[0], t, s))
        except RuntimeError:
            raise ValueError(f"{self._where}: the attention mask must broadcast to (batch, "
                             f"query positions, key positions) = (batch, {t}, {s}). "
                             f"Received mask shape {tuple(combined.shape)}") from None
        return combined[:, None]

    def _attend(self, q, k, v, mask, causal, training, return_scores):
        # q, k, v: (B, T or S, heads, head_dim)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        if not return_scores and self.dropout == 0.0:
            bias = None
            if mask is not None:
                bias = torch.zeros(mask.shape, dtype=q.dtype, device=q.device).masked_fill(
                    ~mask, _large_negative(q.dtype))
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, is_causal=causal,
                                                 scale=self._scale)
            return out.transpose(1, 2), None
        if causal:
            mask = torch.ones((q.shape[2], k.shape[2]), dtype=torch.bool,
                              device=q.device).tril()[None, None]
        scores = (q * self._scale) @ k.transpose(-1, -2)
        scores = self._softmax(scores, mask=mask)
        probs = self._dropout_layer(scores, training=training) if self.dropout > 0 else scores
        return (probs @ v).transpose(1, 2), scores

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        key_shape = self._check_shapes(query_shape, value_shape, key_shape)
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(f"{self._where}: the last dimension of `query` and `value` must "
                             f"be equal. Received: query_shape={tuple(query_shape)}, "
                             f"value_shape={tuple(value_shape)}")
        return tuple(query_shape)

    def compute_output_spec(self, query, value, key=None, return_attention_scores=False,
                            **kwargs):
        key_shape = None if key is None else key.shape
        output = KerasTensor(self.compute_output_shape(query.shape, value.shape, key_shape),
                             dtype=self.compute_dtype)
        if not return_attention_scores:
            return output
        s = value.shape[1] if key is None else key.shape[1]
        scores = (query.shape[0], self.num_query_heads, query.shape[1], s)
        return output, KerasTensor(scores, dtype=self.compute_dtype)

    def get_config(self):
        return {
            **super().get_config(), "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads, "use_bias": self.use_bias,
            "use_gate": self.use_gate, "sliding_window": self.sliding_window,
            "dropout": self.dropout,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        }


GroupQueryAttention = GroupedQueryAttention
