import numpy as np
import pytest
import torch
from torch.utils.data import Dataset, Subset

from cornu.utils.dataset_utils import split_dataset, split_sizes


def values(subset):
    return [subset[i][0].item() if subset[i][0].dim() == 0 else subset[i][0].tolist()
            for i in range(len(subset))]


def test_numpy_array_float_split():
    data = np.arange(10)
    left, right = split_dataset(data, left_size=0.8)
    assert isinstance(left, Subset) and isinstance(right, Subset)
    assert values(left) == list(range(8)) and values(right) == [8, 9]


def test_int_sizes_and_right_size_only():
    data = np.arange(10)
    left, right = split_dataset(data, right_size=3)
    assert (len(left), len(right)) == (7, 3)
    left, right = split_dataset(data, left_size=2, right_size=5)
    assert values(left) == [0, 1] and values(right) == [5, 6, 7, 8, 9]


def test_tuple_of_arrays_keeps_samples_together():
    x = np.arange(20, dtype="float32").reshape(10, 2)
    y = np.arange(10)
    left, right = split_dataset((x, y), left_size=0.5, shuffle=True, seed=3)
    assert len(left) == len(right) == 5
    for part in (left, right):
        for i in range(len(part)):
            xi, yi = part[i]
            assert xi.tolist() == x[yi.item()].tolist()
    seen = sorted(left[i][1].item() for i in range(5)) + sorted(right[i][1].item() for i in range(5))
    assert sorted(seen) == list(range(10))


def test_shuffle_is_seeded():
    data = np.arange(100)
    a = values(split_dataset(data, left_size=0.3, shuffle=True, seed=1)[0])
    b = values(split_dataset(data, left_size=0.3, shuffle=True, seed=1)[0])
    c = values(split_dataset(data, left_size=0.3, shuffle=True, seed=2)[0])
    assert a == b and a != c and a != list(range(30))


def test_torch_dataset():
    class Squares(Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return torch.tensor(i * i), torch.tensor(i)

    left, right = split_dataset(Squares(), left_size=4)
    assert [left[i][0].item() for i in range(4)] == [0, 1, 4, 9]
    assert [right[i][0].item() for i in range(2)] == [16, 25]


def test_torch_tensor_and_loader():
    left, _ = split_dataset(torch.ones(8, 3), left_size=0.25)
    batch = next(iter(torch.utils.data.DataLoader(left, batch_size=4)))
    assert batch[0].shape == (2, 3)


def test_errors():
    data = np.arange(10)
    with pytest.raises(ValueError, match="At least one"):
        split_dataset(data)
    with pytest.raises(ValueError, match="left_size=12"):
        split_dataset(data, left_size=12)
    with pytest.raises(ValueError, match="right_size=1.5"):
        split_dataset(data, right_size=1.5)
    with pytest.raises(TypeError, match="left_size='a'"):
        split_dataset(data, left_size="a")
    with pytest.raises(ValueError, match="must not exceed"):
        split_dataset(data, left_size=6, right_size=6)
    with pytest.raises(ValueError, match="at most 1"):
        split_dataset(data, left_size=0.6, right_size=0.6)
    with pytest.raises(ValueError, match="same length"):
        split_dataset((np.ones(3), np.ones(4)), left_size=1)
    with pytest.raises(TypeError, match="dataset"):
        split_dataset({"x": 1}, left_size=1)
    with pytest.raises(ValueError, match="empty split"):
        split_dataset(np.arange(3), left_size=0.1)


def test_split_sizes():
    assert split_sizes(0.8, None, 10) == (8, 2)
    assert split_sizes(None, 0.25, 8) == (6, 2)
    assert split_sizes(3, 0.5, 10) == (3, 5)


def test_preferred_backend_torch_or_none():
    left, _ = split_dataset(np.arange(4), left_size=2, preferred_backend="torch")
    assert values(left) == [0, 1]
    with pytest.raises(ValueError, match="preferred_backend='tensorflow'"):
        split_dataset(np.arange(4), left_size=2, preferred_backend="tensorflow")
