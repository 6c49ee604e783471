"""FrozenDict: a read-only mapping that compares with dicts, hashes and pickles."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType

import pytest

from guided_actions._model.frozen import FrozenDict


def test_reads_like_the_dict_it_copies() -> None:
    """Items, order, length, membership and get are those of the source."""
    source = {"b": 2, "a": 1}
    frozen = FrozenDict(source)
    assert isinstance(frozen, Mapping)
    assert list(frozen) == ["b", "a"]
    assert list(frozen.items()) == [("b", 2), ("a", 1)]
    assert len(frozen) == 2
    assert "a" in frozen
    assert "c" not in frozen
    assert frozen["a"] == 1
    assert frozen.get("c") is None
    with pytest.raises(KeyError):
        frozen["c"]
    assert FrozenDict([("a", 1)]) == {"a": 1}
    assert FrozenDict() == {}


def test_a_copy_of_its_source() -> None:
    """Changing the source afterwards changes nothing."""
    source = {"a": 1}
    frozen = FrozenDict(source)
    source["a"] = 2
    source["b"] = 3
    assert frozen == {"a": 1}


def test_cannot_be_changed() -> None:
    """No item assignment, no deletion, no attribute assignment."""
    frozen = FrozenDict({"a": 1})
    with pytest.raises(TypeError):
        frozen["a"] = 2  # type: ignore[index]
    with pytest.raises(TypeError):
        del frozen["a"]  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        frozen._data = {}
    with pytest.raises(AttributeError):
        del frozen._data
    assert not hasattr(frozen, "update")
    assert frozen == {"a": 1}


def test_equality() -> None:
    """Equal to any mapping with the same items, whatever the order; not to other things."""
    frozen = FrozenDict({"a": 1, "b": 2})
    assert frozen == {"b": 2, "a": 1}
    assert {"b": 2, "a": 1} == frozen  # noqa: SIM300 - the dict on the left, on purpose
    assert frozen == FrozenDict({"b": 2, "a": 1})
    assert frozen == MappingProxyType({"a": 1, "b": 2})
    assert frozen != {"a": 1}
    assert frozen != {"a": 1, "b": 3}
    assert frozen != [("a", 1), ("b", 2)]
    assert frozen != "ab"


def test_hash() -> None:
    """Equal frozen dicts hash alike, whatever the order; unhashable values make it unhashable."""
    assert hash(FrozenDict({"a": 1, "b": 2})) == hash(FrozenDict({"b": 2, "a": 1}))
    assert len({FrozenDict({"a": 1}), FrozenDict({"a": 1}), FrozenDict({"a": 2})}) == 2
    nested = FrozenDict({"x": FrozenDict({"lifetime": timedelta(days=3)})})
    assert hash(nested) == hash(FrozenDict({"x": FrozenDict({"lifetime": timedelta(days=3)})}))
    with pytest.raises(TypeError):
        hash(FrozenDict({"a": [1]}))


def test_repr() -> None:
    """The repr names the type and shows the items."""
    assert repr(FrozenDict({"a": 1})) == "FrozenDict({'a': 1})"
    assert repr(FrozenDict()) == "FrozenDict({})"


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickles(protocol: int) -> None:
    """A round trip gives an equal FrozenDict, nested ones included, in the same order."""
    frozen = FrozenDict({"z": FrozenDict({"lifetime": timedelta(days=3)}), "a": FrozenDict()})
    back = pickle.loads(pickle.dumps(frozen, protocol))
    assert type(back) is FrozenDict
    assert back == frozen
    assert list(back) == ["z", "a"]
    assert type(back["z"]) is FrozenDict
    assert hash(back) == hash(frozen)


def test_copies() -> None:
    """copy and deepcopy give equal frozen dicts."""
    frozen = FrozenDict({"a": FrozenDict({"b": 1})})
    assert copy.copy(frozen) == frozen
    assert copy.deepcopy(frozen) == frozen
