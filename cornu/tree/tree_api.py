"""Keras's `keras.tree`: flattening, mapping and rebuilding nested structures.

A structure is nested when it is a `list`, `tuple`, namedtuple, struct sequence (such as
`torch.return_types.max`), `dict`, `collections.OrderedDict`, `collections.defaultdict` or
`collections.deque` (exact types, as Keras's `optree` registry has them; other subclasses
are leaves). Everything else, `None` and strings included, is a leaf. Dicts and
defaultdicts are visited in sorted key order; OrderedDicts in their own order. Rebuilt
containers keep their type and, for dicts, their original key order.

This is the public, Keras-semantics tree. `cornu.utils.tree` is cornu's internal helper: it
visits dicts in insertion order, which the trainer and functional models rely on.
"""

import collections
import warnings

_SEQUENCE_TYPES = (list, tuple, collections.deque)
_MAPPING_TYPES = (dict, collections.OrderedDict, collections.defaultdict)


class MAP_TO_NONE:
    """Special value for use with `traverse()`."""


def _is_namedtuple(structure):
    cls = type(structure)
    return (isinstance(structure, tuple) and isinstance(getattr(cls, "_fields", None), tuple)
            and callable(getattr(cls, "_make", None)))


def _is_structseq(structure):
    cls = type(structure)
    return (isinstance(structure, tuple) and cls.__bases__ == (tuple,)
            and isinstance(getattr(cls, "n_sequence_fields", None), int))


def is_nested(structure):
    """Checks if a given structure is nested.

    Examples:

    >>> keras.tree.is_nested(42)
    False
    >>> keras.tree.is_nested({"foo": 42})
    True

    Args:
        structure: A structure to check.

    Returns:
        `True` if a given structure is nested, i.e. is a sequence, a mapping,
        or a namedtuple, and `False` otherwise.
    """
    cls = type(structure)
    return (cls in _SEQUENCE_TYPES or cls in _MAPPING_TYPES or _is_namedtuple(structure)
            or _is_structseq(structure))


def _sorted_keys(mapping):
    if type(mapping) is collections.OrderedDict:
        return list(mapping)
    try:
        return sorted(mapping)
    except TypeError:
        raise TypeError(
            "keras.tree: dictionaries with non-sortable keys are not supported. "
            f"Received keys: {list(mapping)}") from None


def _keys_and_children(structure):
    """`(path keys, children)` of a nested structure, in Keras's visiting order."""
    if isinstance(structure, dict):
        keys = _sorted_keys(structure)
        return keys, [structure[k] for k in keys]
    children = list(structure)
    return list(range(len(children))), children


def _rebuild(structure, children):
    """A container of `structure`'s type holding `children` (in visiting order)."""
    cls = type(structure)
    if isinstance(structure, dict):
        by_key = dict(zip(_sorted_keys(structure), children))
        items = [(k, by_key[k]) for k in structure]  # the original key order
        if cls is collections.defaultdict:
            return collections.defaultdict(structure.default_factory, items)
        return cls(items)
    if cls is list:
        return list(children)
    if cls is tuple:
        return tuple(children)
    if cls is collections.deque:
        return collections.deque(children, maxlen=structure.maxlen)
    if _is_namedtuple(structure):
        return cls(*children)
    return cls(children)  # struct sequence


def _check_same_node(reference, other, none_is_leaf=True):
    ref_nested = is_nested(reference) or (reference is None and not none_is_leaf)
    other_nested = is_nested(other) or (other is None and not none_is_leaf)
    if not ref_nested and not other_nested:
        return
    if ref_nested != other_nested:
        raise ValueError(
            "The two structures don't have the same nested structure: "
            f"{_short(reference)} is {'' if ref_nested else 'not '}nested but "
            f"{_short(other)} is {'' if other_nested else 'not '}nested.")
    if reference is None or other is None:
        if reference is not other:
            raise ValueError("Structure mismatch: some arguments are None, others are not. "
                             f"Received: {_short(reference)} and {_short(other)}.")
        return
    if isinstance(reference, dict) and isinstance(other, dict):
        if set(reference) != set(other):
            raise ValueError(
                "The two structures don't have the same nested structure: dict keys "
                f"{sorted(map(repr, reference))} and {sorted(map(repr, other))} differ.")
        return
    if type(reference) is not type(other):
        raise ValueError(
            "The two structures don't have the same nested structure: "
            f"expected a {type(reference).__name__}, received a {type(other).__name__} "
            f"({_short(reference)} vs {_short(other)}).")
    if len(reference) != len(other):
        raise ValueError(
            "The two structures don't have the same nested structure: "
            f"a {type(reference).__name__} of {len(reference)} items and one of "
            f"{len(other)} items.")


def _short(structure, limit=80):
    text = repr(structure)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _children_like(reference, other):
    """`other`'s children, in the order of `reference`'s (their nodes already match)."""
    if isinstance(reference, dict):
        return [other[k] for k in _keys_and_children(reference)[0]]
    return list(other)


def flatten(structure):
    """Flattens a possibly nested structure into a list.

    In the case of dict instances, the sequence consists of the values,
    sorted by key to ensure deterministic behavior. However, instances of
    `collections.OrderedDict` are handled differently: their sequence order is
    used instead of the sorted keys. The same convention is followed in
    `pack_sequence_as`. This correctly unflattens dicts and `OrderedDict` after
    they have been flattened, or vice-versa.

    Dictionaries with non-sortable keys are not supported.

    Examples:

    >>> keras.tree.flatten([[1, 2, 3], [4, [5], [[6]]]])
    [1, 2, 3, 4, 5, 6]
    >>> keras.tree.flatten(None)
    [None]
    >>> keras.tree.flatten(1)
    [1]
    >>> keras.tree.flatten({100: 'world!', 6: 'Hello'})
    ['Hello', 'world!']

    Args:
        structure: An arbitrarily nested structure.

    Returns:
        A list, the flattened version of the input `structure`.
    """
    return [leaf for _, leaf in _iter_with_path(structure, ())]


def _iter_with_path(structure, path):
    # Iterative depth-first walk, so deep structures cannot exhaust Python's stack.
    stack = [(path, structure)]
    while stack:
        path, node = stack.pop()
        if not is_nested(node):
            yield path, node
            continue
        keys, children = _keys_and_children(node)
        stack.extend((path + (k,), c) for k, c in zip(reversed(keys), reversed(children)))


def flatten_with_path(structure):
    """Flattens a possibly nested structure into a list.

    This is a variant of flattens() which produces a
    list of pairs: `(path, item)`. A path is a tuple of indices and/or keys
    which uniquely identifies the position of the corresponding item.

    Dictionaries with non-sortable keys are not supported.

    Examples:

    >>> keras.flatten_with_path([{"foo": 42}])
    [((0, 'foo'), 42)]

    Args:
        structure: An arbitrarily nested structure.

    Returns:
        A list of `(path, item)` pairs corresponding to the flattened
        version of the input `structure`.
    """
    return list(_iter_with_path(structure, ()))


def _check_callable(func):
    if not callable(func):
        raise TypeError(f"`func` must be callable. Received: func={func!r}")


def map_structure(func, *structures, none_is_leaf=True):
    """Maps `func` through given structures.

    Examples:

    >>> structure = [[1], [2], [3]]
    >>> keras.tree.map_structure(lambda v: v**2, structure)
    [[1], [4], [9]]
    >>> keras.tree.map_structure(lambda x, y: x * y, structure, structure)
    [[1], [4], [9]]

    >>> Foo = collections.namedtuple('Foo', ['a', 'b'])
    >>> structure = Foo(a=1, b=2)
    >>> keras.tree.map_structure(lambda v: v * 2, structure)
    Foo(a=2, b=4)

    Args:
        func: A callable that accepts as many arguments as there are structures.
        *structures: Arbitrarily nested structures of the same layout.
        none_is_leaf: If True, `func` will be called on `None` leaves. If False,
            `None` values are not passed to `func` and are returned in the
            output directly.

    Returns:
        A new structure with the same layout as the given ones.

    Raises:
        TypeError: If `structures` is empty or `func` is not callable.
        ValueError: If there is more than one items in `structures` and some of
            the nested structures don't match according to the rules of
            `assert_same_structure`.
    """
    if not structures:
        raise ValueError("Must provide at least one structure")
    _check_callable(func)

    def walk(nodes):
        reference = nodes[0]
        for other in nodes[1:]:
            _check_same_node(reference, other, none_is_leaf)
        if reference is None and not none_is_leaf:
            return None
        if not is_nested(reference):
            return func(*nodes)
        columns = [_keys_and_children(reference)[1]]
        columns += [_children_like(reference, other) for other in nodes[1:]]
        return _rebuild(reference, [walk(group) for group in zip(*columns)])

    return walk(structures)


def map_structure_up_to(shallow_structure, func, *structures):
    """Maps `func` through given structures up to `shallow_structure`.

    This is a variant of `map_structure` which only maps the given structures
    up to `shallow_structure`. All further nested components are retained as-is.

    Examples:

    >>> shallow_structure = [None, None]
    >>> structure = [[1, 1], [2, 2]]
    >>> keras.tree.map_structure_up_to(shallow_structure, len, structure)
    [2, 2]

    >>> shallow_structure = [None, [None, None]]
    >>> keras.tree.map_structure_up_to(shallow_structure, str, structure)
    ['[1, 1]', ['2', '2']]

    Args:
        shallow_structure: A structure with layout common to all `structures`.
        func: A callable that accepts as many arguments as there are structures.
        *structures: Arbitrarily nested structures of the same layout.

    Returns:
        A new structure with the same layout as `shallow_structure`.

    Raises:
        TypeError: If `structures` is empty or `func` is not callable.
        ValueError: If one of the items in `structures` doesn't match the
            nested structure of `shallow_structure` according to the rules of
            `assert_same_structure`. Items in `structures` are allowed to be
            nested deeper than `shallow_structure`, but they cannot be
            shallower.
    """
    if not structures:
        raise ValueError("Must provide at least one structure")
    _check_callable(func)

    def walk(shallow, nodes):
        if not is_nested(shallow):
            return func(*nodes)
        for other in nodes:
            _check_same_node(shallow, other)
        columns = [_children_like(shallow, other) for other in nodes]
        return _rebuild(shallow, [walk(s, group) for s, group in
                                  zip(_keys_and_children(shallow)[1], zip(*columns))])

    return walk(shallow_structure, structures)


def assert_same_structure(a, b, check_types=None):
    """Asserts that two structures are nested in the same way.

    This function verifies that the nested structures match. The leafs can be of
    any type. At each level, the structures must be of the same type and have
    the same number of elements. Instances of `dict`, `OrderedDict` and
    `defaultdict` are all considered the same as long as they have the same set
    of keys. However, `list`, `tuple`, `namedtuple` and `deque` are not the same
    structures. Two namedtuples with identical fields and even identical names
    are not the same structures.

    Examples:

    >>> keras.tree.assert_same_structure([(0, 1)], [(2, 3)])

    >>> Foo = collections.namedtuple('Foo', ['a', 'b'])
    >>> AlsoFoo = collections.namedtuple('Foo', ['a', 'b'])
    >>> keras.tree.assert_same_structure(Foo(0, 1), Foo(2, 3))
    >>> keras.tree.assert_same_structure(Foo(0, 1), AlsoFoo(2, 3))
    Traceback (most recent call last):
        ...
    ValueError: The two structures don't have the same nested structure.
    ...

    Args:
        a: an arbitrarily nested structure.
        b: an arbitrarily nested structure.
        check_types: Deprecated. The behavior of this flag was inconsistent, it
            no longer has any effect. For a looser check, use
            `assert_same_paths` instead, which considers `list`, `tuple`,
            `namedtuple` and `deque` as matching structures.

    Raises:
        ValueError: If the two structures `a` and `b` don't match.
    """
    if check_types is not None:
        warnings.warn(
            "The `check_types` argument is deprecated and no longer has any effect"
            + (", please remove." if check_types else
               ". For a looser check, use `keras.tree.assert_same_paths()`, which considers "
               "`list`, `tuple`, `namedtuple` and `deque` as matching"),
            DeprecationWarning, stacklevel=2)
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        _check_same_node(x, y)
        if is_nested(x):
            stack.extend(zip(_keys_and_children(x)[1], _children_like(x, y)))


def assert_same_paths(a, b):
    """Asserts that two structures have identical paths in their tree structure.

    This function verifies that two nested structures have the same paths.
    Unlike `assert_same_structure`, this function only checks the paths
    and ignores the collection types.
    For Sequences, to path is the index: 0, 1, 2, etc. For Mappings, the path is
    the key, for instance "a", "b", "c". Note that namedtuples also use indices
    and not field names for the path.

    Examples:

    >>> keras.tree.assert_same_paths([0, 1], (2, 3))
    >>> Point1 = collections.namedtuple('Point1', ['x', 'y'])
    >>> Point2 = collections.namedtuple('Point2', ['x', 'y'])
    >>> keras.tree.assert_same_paths(Point1(0, 1), Point2(2, 3))

    Args:
        a: an arbitrarily nested structure.
        b: an arbitrarily nested structure.

    Raises:
        ValueError: If the paths in structure `a` don't match the paths in
            structure `b`. The error message will include the specific paths
            that differ.
    """
    a_paths = {path for path, _ in flatten_with_path(a)}
    b_paths = {path for path, _ in flatten_with_path(b)}
    if a_paths != b_paths:
        msg = "`a` and `b` don't have the same paths."
        if a_paths - b_paths:
            msg += f"\nPaths in `a` missing in `b`:\n{a_paths - b_paths}"
        if b_paths - a_paths:
            msg += f"\nPaths in `b` missing in `a`:\n{b_paths - a_paths}"
        raise ValueError(msg)


def pack_sequence_as(structure, flat_sequence):
    """Returns a given flattened sequence packed into a given structure.

    If `structure` is an atom, `flat_sequence` must be a single-item list; in
    this case the return value is `flat_sequence[0]`.

    If `structure` is or contains a dict instance, the keys will be sorted to
    pack the flat sequence in deterministic order. However, instances of
    `collections.OrderedDict` are handled differently: their sequence order is
    used instead of the sorted keys. The same convention is followed in
    `flatten`. This correctly repacks dicts and `OrderedDicts` after they have
    been flattened, or vice-versa.

    Dictionaries with non-sortable keys are not supported.

    Examples:

    >>> structure = {"key3": "", "key1": "", "key2": ""}
    >>> flat_sequence = ["value1", "value2", "value3"]
    >>> keras.tree.pack_sequence_as(structure, flat_sequence)
    {"key3": "value3", "key1": "value1", "key2": "value2"}

    >>> structure = (("a", "b"), ("c", "d", "e"), "f")
    >>> flat_sequence = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    >>> keras.tree.pack_sequence_as(structure, flat_sequence)
    ((1.0, 2.0), (3.0, 4.0, 5.0), 6.0)

    Args:
        structure: Arbitrarily nested structure.
        flat_sequence: Flat sequence to pack.

    Returns:
        `flat_sequence` converted to have the same recursive structure as
        `structure`.

    Raises:
        TypeError: If `flat_sequence` is not iterable.
        ValueError: If `flat_sequence` cannot be repacked as `structure`; for
            instance, if `flat_sequence` has too few or too many elements.
    """
    try:
        flat = list(flat_sequence)
    except TypeError:
        raise TypeError("`flat_sequence` must be an iterable (such as a list). Received: "
                        f"flat_sequence={_short(flat_sequence)}") from None
    count = len(flatten(structure))
    if len(flat) != count:
        raise ValueError(
            f"`flat_sequence` has {len(flat)} items but the structure {_short(structure)} "
            f"holds {count} leaves.")
    leaves = iter(flat)
    return map_structure(lambda _: next(leaves), structure)


def traverse(func, structure, top_down=True):
    """Traverses the given nested structure, applying the given function.

    The traversal is depth-first. If `top_down` is True (default), parents
    are returned before their children (giving the option to avoid traversing
    into a sub-tree).

    Examples:

    >>> v = []
    >>> keras.tree.traverse(v.append, [(1, 2), [3], {"a": 4}], top_down=True)
    [(1, 2), [3], {'a': 4}]
    >>> v
    [[(1, 2), [3], {'a': 4}], (1, 2), 1, 2, [3], 3, {'a': 4}, 4]

    >>> v = []
    >>> keras.tree.traverse(v.append, [(1, 2), [3], {"a": 4}], top_down=False)
    [(1, 2), [3], {'a': 4}]
    >>> v
    [1, 2, (1, 2), 3, [3], 4, {'a': 4}, [(1, 2), [3], {'a': 4}]]

    Args:
        func: The function to be applied to each sub-nest of the structure.

        When traversing top-down:
            If `func(subtree) is None` the traversal continues into the
            sub-tree.
            If `func(subtree) is not None` the traversal does not continue
            into the sub-tree. The sub-tree will be replaced by `func(subtree)`
            in the returned structure (to replace the sub-tree with `None`, use
            the special value `MAP_TO_NONE`).

        When traversing bottom-up:
            If `func(subtree) is None` the traversed sub-tree is returned
            unaltered.
            If `func(subtree) is not None` the sub-tree will be replaced by
            `func(subtree)` in the returned structure (to replace the sub-tree
            with None, use the special value `MAP_TO_NONE`).

        structure: The structure to traverse.
        top_down: If True, parent structures will be visited before their
            children.

    Returns:
        The structured output from the traversal.

    Raises:
        TypeError: If `func` is not callable.
    """
    _check_callable(func)

    def children_done(node):
        if not is_nested(node):
            return node
        return _rebuild(node, [walk(c) for c in _keys_and_children(node)[1]])

    def walk(node):
        if top_down:
            result = func(node)
            if result is None:
                return children_done(node)
        else:
            node = children_done(node)
            result = func(node)
            if result is None:
                return node
        return None if result is MAP_TO_NONE else result

    return walk(structure)


def lists_to_tuples(structure):
    """Returns the structure with list instances changed to tuples.

    Args:
        structure: Arbitrarily nested structure.

    Returns:
        The same structure but with tuples instead of lists.
    """
    return traverse(lambda node: tuple(node) if isinstance(node, list) else None,
                    structure, top_down=False)


def _is_shape_tuple(x):
    return isinstance(x, (list, tuple)) and all(isinstance(e, (int, type(None))) for e in x)


def map_shape_structure(func, structure):
    """Variant of keras.tree.map_structure that operates on shape tuples.

    Tuples containing ints and Nones are considered shapes and passed to `func`.

    Args:
        structure: Arbitrarily nested structure.

    Returns:
        The same structure with `func` applied.
    """
    _check_callable(func)

    def walk(node):
        if _is_shape_tuple(node) or not is_nested(node):
            return func(node)
        return _rebuild(node, [walk(c) for c in _keys_and_children(node)[1]])

    return walk(structure)
