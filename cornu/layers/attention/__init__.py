"""Attention layers."""

from cornu.layers.attention.attention import AdditiveAttention, Attention  # noqa: F401
from cornu.layers.attention.multi_head_attention import MultiHeadAttention  # noqa: F401
from cornu.layers.attention.grouped_query_attention import (  # noqa: F401
    GroupedQueryAttention, GroupQueryAttention)
