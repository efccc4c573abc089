"""`cornu.tree` against `keras.tree` on many structures.

The reference is Keras's tree API over its optree implementation, which Keras uses on every
backend but torch and whose behaviour Keras documents. Keras's torch-backend implementation
departs from it in two places: a dict held directly in a dict is not sorted by key, and a
namedtuple's path entries are numbered by sorted field name. `map_structure_up_to` is
compared with the torch implementation: the optree one rejects `None` in the shallow
structure, even in Keras's own docstring example.
"""

import collections

import keras
import numpy as np
import pytest
import torch

import cornu
from keras.src.tree import optree_impl, tree_api


TORCH_IMPL = tree_api.tree_impl


@pytest.fixture(autouse=True)
def keras_optree(monkeypatch):
    monkeypatch.setattr(tree_api, "tree_impl", optree_impl)

Point = collections.namedtuple("Point", ["a", "b"])
Other = collections.namedtuple("Point", ["a", "b"])


def _structures():
    array = np.arange(3)
    tensor = torch.ones(2)
    return [
        1, None, "text", array, tensor, [], (), {},
        [1, 2, 3], (1, [2, (3, None)]), [[1, 2, 3], [4, [5], [[6]]]],
        {"b": 1, "a": 2, "c": {"z": 3, "y": None}},
        {100: "world!", 6: "Hello"},
        collections.OrderedDict([("b", 1), ("a", [2, 3])]),
        collections.defaultdict(list, {"b": 1, "a": (2,)}),
        collections.deque([3, [4, 5]]),
        Point(1, {"y": 2, "x": [3]}),
        [{"foo": 42}, (None,), Point(None, 7)],
        {"in": [array, tensor], "mask": None},
        torch.max(torch.arange(6.0).reshape(2, 3), 0),
        [(), [], {}, [[]]],
    ]


STRUCTURES = _structures()


def _same(a, b):
    """Equal structures with the same container types, comparing leaves by identity."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, (list, tuple, collections.deque)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    else:
        assert a is b or (not isinstance(a, (np.ndarray, torch.Tensor)) and a == b), (a, b)


class Leaf:
    """A non-nested marker: which leaf (or leaves) `func` received."""

    def __init__(self, *values):
        self.ids = tuple(id(v) for v in values)

    def __eq__(self, other):
        return isinstance(other, Leaf) and self.ids == other.ids

    def __repr__(self):
        return f"Leaf{self.ids}"


@pytest.mark.parametrize("structure", STRUCTURES, ids=range(len(STRUCTURES)))
def test_flatten_and_paths_match_keras(structure):
    flat = cornu.tree.flatten(structure)
    expected = keras.tree.flatten(structure)
    assert len(flat) == len(expected)
    assert all(x is y for x, y in zip(flat, expected))
    assert cornu.tree.is_nested(structure) == keras.tree.is_nested(structure)
    paths = cornu.tree.flatten_with_path(structure)
    expected_paths = keras.tree.flatten_with_path(structure)
    assert [p for p, _ in paths] == [p for p, _ in expected_paths]
    assert all(x is y for (_, x), (_, y) in zip(paths, expected_paths))


@pytest.mark.parametrize("structure", STRUCTURES, ids=range(len(STRUCTURES)))
def test_pack_map_traverse_match_keras(structure):
    flat = [f"leaf{i}" for i in range(len(keras.tree.flatten(structure)))]
    packed = cornu.tree.pack_sequence_as(structure, flat)
    _same(packed, keras.tree.pack_sequence_as(structure, flat))
    assert cornu.tree.flatten(packed) == flat

    _same(cornu.tree.map_structure(Leaf, structure), keras.tree.map_structure(Leaf, structure))
    _same(cornu.tree.map_structure(Leaf, structure, structure),
          keras.tree.map_structure(Leaf, structure, structure))
    _same(cornu.tree.lists_to_tuples(structure), keras.tree.lists_to_tuples(structure))

    for top_down in (True, False):
        seen, seen_keras = [], []
        _same(cornu.tree.traverse(lambda x: seen.append(id(x)), structure, top_down=top_down),
              keras.tree.traverse(lambda x: seen_keras.append(id(x)), structure,
                                  top_down=top_down))
        if top_down:  # bottom-up visits rebuilt containers: compare only the order of leaves
            assert seen == seen_keras


def test_dict_order_and_container_types():
    structure = {"key3": "", "key1": "", "key2": ""}
    packed = cornu.tree.pack_sequence_as(structure, ["value1", "value2", "value3"])
    assert packed == keras.tree.pack_sequence_as(structure, ["value1", "value2", "value3"])
    assert list(packed) == ["key3", "key1", "key2"]  # the structure's own key order
    od = collections.OrderedDict([("b", 0), ("a", 0)])
    _same(cornu.tree.pack_sequence_as(od, [5, 6]), keras.tree.pack_sequence_as(od, [5, 6]))
    dd = collections.defaultdict(list, {"b": 1, "a": 2})
    packed = cornu.tree.pack_sequence_as(dd, [5, 6])
    assert packed.default_factory is list and packed == keras.tree.pack_sequence_as(dd, [5, 6])
    _same(cornu.tree.pack_sequence_as(Point(0, 0), [1, 2]), Point(1, 2))
    dq = cornu.tree.map_structure(lambda x: x * 2, collections.deque([1, 2], maxlen=4))
    assert isinstance(dq, collections.deque) and dq.maxlen == 4 and list(dq) == [2, 4]
    result = cornu.tree.map_structure(lambda x: x + 1, torch.max(torch.ones(2, 2), 0))
    assert type(result) is torch.return_types.max
    assert cornu.tree.pack_sequence_as(1, [5]) == keras.tree.pack_sequence_as(1, [5]) == 5
    assert cornu.tree.pack_sequence_as([], []) == keras.tree.pack_sequence_as([], [])


def test_map_structure_several_structures_and_none():
    a = {"a": 1, "b": [2, None]}
    b = collections.OrderedDict([("b", [20, None]), ("a", 10)])
    func = lambda x, y: (x, y)  # noqa: E731
    assert cornu.tree.map_structure(func, a, b) == keras.tree.map_structure(func, a, b)
    assert cornu.tree.map_structure(func, b, a) == keras.tree.map_structure(func, b, a)
    x, y = [1, None, (3,)], [4, None, (6,)]
    for none_is_leaf in (True, False):
        assert (cornu.tree.map_structure(func, x, y, none_is_leaf=none_is_leaf)
                == keras.tree.map_structure(func, x, y, none_is_leaf=none_is_leaf))
    with pytest.raises(ValueError, match="None"):
        cornu.tree.map_structure(func, [1, None], [3, 4], none_is_leaf=False)
    with pytest.raises(ValueError):
        keras.tree.map_structure(func, [1, None], [3, 4], none_is_leaf=False)
    # A leaf of the first structure facing a sub-structure is a mismatch, as in Keras's
    # optree implementation (its torch backend passes the sub-structure to `func`).
    with pytest.raises(ValueError, match="nested structure"):
        cornu.tree.map_structure(func, [1, 2], [[1], 2])
    with pytest.raises(ValueError, match="Must provide at least one structure"):
        cornu.tree.map_structure(func)
    with pytest.raises(TypeError, match="callable"):
        cornu.tree.map_structure(3, [1])
    assert cornu.tree.map_structure(lambda v: v * 2, Point(1, 2)) == Point(2, 4)


@pytest.mark.parametrize("a, b", [
    ([1, 2], (1, 2)), ([1, 2], [1]), ([1, 2], [[1], 2]), (Point(1, 2), Other(1, 2)),
    (Point(1, 2), (1, 2)), ({"a": 1}, {"b": 1}), ([1], collections.deque([1])),
])
def test_assert_same_structure_mismatches(a, b):
    with pytest.raises(ValueError):
        keras.tree.assert_same_structure(a, b)
    with pytest.raises(ValueError, match="nested structure"):
        cornu.tree.assert_same_structure(a, b)


@pytest.mark.parametrize("a, b", [
    ([(0, 1)], [(2, 3)]), ({"a": 1, "b": 2}, collections.OrderedDict([("b", 1), ("a", 2)])),
    ([1, None], ["x", np.zeros(2)]), (Point(0, [1]), Point("a", ["b"])),
])
def test_assert_same_structure_matches(a, b):
    assert keras.tree.assert_same_structure(a, b) is None
    assert cornu.tree.assert_same_structure(a, b) is None
    with pytest.warns(DeprecationWarning, match="check_types"):
        cornu.tree.assert_same_structure(a, b, check_types=True)


def test_assert_same_paths():
    for a, b in [([0, 1], (2, 3)), (Point(0, 1), Other(2, 3)), ({"a": [1]}, {"a": (2,)})]:
        keras.tree.assert_same_paths(a, b)
        cornu.tree.assert_same_paths(a, b)
    with pytest.raises(ValueError) as ours:
        cornu.tree.assert_same_paths({"a": 1}, [1])
    with pytest.raises(ValueError) as theirs:
        keras.tree.assert_same_paths({"a": 1}, [1])
    assert str(ours.value) == str(theirs.value)


def test_map_structure_up_to(monkeypatch):
    monkeypatch.setattr(tree_api, "tree_impl", TORCH_IMPL)
    structure = [[1, 1], [2, 2]]
    for shallow, func in [([None, None], len), ([None, [None, None]], str)]:
        assert (cornu.tree.map_structure_up_to(shallow, func, structure)
                == keras.tree.map_structure_up_to(shallow, func, structure))
    args = ([None, {"a": None}], lambda a, b: (a, b), [[1], {"a": [2]}], [3, {"a": 4}])
    assert cornu.tree.map_structure_up_to(*args) == keras.tree.map_structure_up_to(*args)
    for bad in ([[1]], [[1], 2]):
        with pytest.raises(ValueError):
            keras.tree.map_structure_up_to([None, [None]], len, bad)
        with pytest.raises(ValueError, match="nested structure"):
            cornu.tree.map_structure_up_to([None, [None]], len, bad)


def test_traverse_and_map_to_none():
    structure = [(1, 2), [3], {"a": 4}]
    for top_down in (True, False):
        ours, theirs = [], []
        assert (cornu.tree.traverse(ours.append, structure, top_down=top_down)
                == keras.tree.traverse(theirs.append, structure, top_down=top_down))
        assert ours == theirs

    def drop_singletons(x, map_to_none):
        return map_to_none if isinstance(x, list) and len(x) == 1 else None

    data = [1, [2], (3, [4])]
    assert (cornu.tree.traverse(lambda x: drop_singletons(x, cornu.tree.MAP_TO_NONE), data)
            == keras.tree.traverse(lambda x: drop_singletons(x, keras.tree.MAP_TO_NONE), data)
            == [1, None, (3, None)])
    assert (cornu.tree.traverse(lambda x: "short" if x == (3, [4]) else None, data)
            == keras.tree.traverse(lambda x: "short" if x == (3, [4]) else None, data))
    with pytest.raises(TypeError, match="callable"):
        cornu.tree.traverse(None, data)


def test_lists_to_tuples_and_shapes():
    structure = {"b": [1, [2]], "a": Point([3], 4)}
    assert cornu.tree.lists_to_tuples(structure) == keras.tree.lists_to_tuples(structure)
    shapes = [(), [], (1, None), 3, None, {"k": [2, "x"], "j": [(None, 4), (5,)]}]
    for func in (lambda s: s, lambda s: ("shape", tuple(s)) if isinstance(s, (list, tuple))
                 else ("leaf", s)):
        assert (cornu.tree.map_shape_structure(func, shapes)
                == keras.tree.map_shape_structure(func, shapes))


def test_errors():
    with pytest.raises(ValueError, match="1 items but the structure"):
        cornu.tree.pack_sequence_as([0, 0], [1])
    with pytest.raises(ValueError, match="3 items"):
        cornu.tree.pack_sequence_as([0, 0], [1, 2, 3])
    with pytest.raises(TypeError, match="flat_sequence"):
        cornu.tree.pack_sequence_as([0], 5)
    with pytest.raises(TypeError, match="non-sortable keys"):
        cornu.tree.flatten({1: "a", "b": 2})


def test_deep_structures_flatten_without_recursion_limit():
    deep = 0
    for _ in range(5000):
        deep = [deep]
    assert cornu.tree.flatten(deep) == [0]


def test_namespace_names_match_keras():
    public = {n for n in dir(keras.tree) if not n.startswith("_")}
    assert public <= set(dir(cornu.tree))
