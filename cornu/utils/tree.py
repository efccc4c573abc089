"""Minimal helpers for nested structures (lists, tuples, dicts) of tensors."""


def flatten(structure):
    """Leaves of a nested list / tuple / dict structure, in order (dicts by insertion)."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for value in structure.values() for leaf in flatten(value)]
    return [structure]


def map_structure(fn, structure):
    """Applies `fn` to every leaf, keeping the structure."""
    if isinstance(structure, list):
        return [map_structure(fn, s) for s in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


def pack_as(structure, flat):
    """Rebuilds `structure` with the leaves taken in order from `flat`."""
    it = iter(flat)
    return map_structure(lambda _: next(it), structure)


def is_nested(structure):
    return isinstance(structure, (list, tuple, dict))
