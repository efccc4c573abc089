"""Elementwise merges: Add, Subtract, Multiply, Average, Maximum, Minimum, and their functions."""

import functools

import torch

from cornu.layers.merging.base_merge import Merge


class Add(Merge):
    """Sums a list of tensors."""

    def _merge_function(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out


class Subtract(Merge):
    """Subtracts the second of exactly two tensors from the first."""

    def build(self, input_shape):
        if isinstance(input_shape, (list, tuple)) and len(input_shape) != 2:
            raise ValueError(f"A `Subtract` layer ('{self.name}') should be called on exactly 2 "
                             f"inputs. Received: input_shape={input_shape}")
        super().build(input_shape)

    def _merge_function(self, inputs):
        return inputs[0] - inputs[1]


class Multiply(Merge):
    """Multiplies a list of tensors elementwise."""

    def _merge_function(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out * x
        return out


class Average(Merge):
    """Averages a list of tensors."""

    def _merge_function(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out / len(inputs)


class Maximum(Merge):
    """Elementwise maximum of a list of tensors."""

    def _merge_function(self, inputs):
        return functools.reduce(torch.maximum, inputs)


class Minimum(Merge):
    """Elementwise minimum of a list of tensors."""

    def _merge_function(self, inputs):
        return functools.reduce(torch.minimum, inputs)


def add(inputs, **kwargs):
    """Functional form of `Add`."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional form of `Subtract`."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional form of `Multiply`."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional form of `Average`."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional form of `Maximum`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional form of `Minimum`."""
    return Minimum(**kwargs)(inputs)
