"""The record kinds: one declaration of every list, that every other part reads."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Iterable

import attrs
import pytest

import guided_actions
from guided_actions import Snapshot
from guided_actions._model.kinds import BY_CLASS, BY_NAME, KINDS, NAMES, Kind
from guided_actions._model.records import Record, Stage

#: The interchange lists, in the order of the format's reference.
INTERCHANGE_ORDER = (
    "users",
    "pipelines",
    "companies",
    "contacts",
    "leads",
    "deals",
    "emails",
    "calls",
    "meetings",
    "tasks",
    "notes",
    "sequences",
    "engagement_events",
    "feedback",
    "dismissals",
    "snoozes",
    "issued_actions",
    "dashboards",
)

#: Id-like fields that are not references, and why.
NOT_REFERENCES = {
    ("users", "team_ids"),  # the CRM's teams, which the snapshot does not hold
    ("issued_actions", "contact_ids"),  # may name records deleted since the action was shown
    ("issued_actions", "company_ids"),
    ("snoozes", "subject_ids"),  # a card's members when snoozed: may have been deleted since
    ("leads", "stage_id"),  # checked against the lead's pipeline's stages
    ("deals", "stage_id"),  # checked against the deal's pipeline's stages
}


def _is_id_field(name: str) -> bool:
    return name.endswith(("_id", "_ids")) or name == "in_reply_to"


def test_names_in_interchange_order() -> None:
    """The kinds are the interchange lists, each once, in the format's order."""
    assert NAMES == INTERCHANGE_ORDER
    assert tuple(kind.name for kind in KINDS) == NAMES
    assert list(BY_NAME) == list(NAMES)


def test_every_record_class_appears_once() -> None:
    """Every public record class but Stage (part of a pipeline) is the class of exactly one list."""
    classes = [kind.cls for kind in KINDS]
    assert len(set(classes)) == len(classes)
    public = {
        obj
        for name in guided_actions.__all__
        if isinstance(obj := getattr(guided_actions, name), type) and issubclass(obj, Record)
    }
    assert set(classes) == public - {Stage}
    assert all(BY_CLASS[kind.cls] is kind for kind in KINDS)


def test_name_is_the_record_kind() -> None:
    """A list's name is what its records name themselves in problems, and names no other list."""
    for kind in KINDS:
        assert kind.name == kind.cls.record_kind
        assert BY_NAME[kind.name] is kind
    assert len(BY_NAME) == len(KINDS)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_id_field(kind: Kind) -> None:
    """The unique field is ``id``, ``key`` for issued actions, none for feedback, dismissals and
    snoozes."""
    expected = {
        "feedback": None,
        "dismissals": None,
        "snoozes": None,
        "issued_actions": "key",
    }.get(kind.name, "id")
    assert kind.id_field == expected
    if kind.id_field is not None:
        assert typing.get_type_hints(kind.cls)[kind.id_field] is str


def test_references_cover_every_id_field() -> None:
    """Every *_id / *_ids field (and in_reply_to) is a reference, but the documented exceptions."""
    for kind in KINDS:
        fields = {
            f.name
            for f in attrs.fields(typing.cast("type[attrs.AttrsInstance]", kind.cls))
            if _is_id_field(f.name)
        }
        expected = {f for f in fields if (kind.name, f) not in NOT_REFERENCES}
        assert set(kind.references) == expected, kind.name


def test_references_name_lists_with_ids() -> None:
    """A reference names a field of the record and a list whose records have a unique id."""
    for kind in KINDS:
        names = {f.name for f in attrs.fields(typing.cast("type[attrs.AttrsInstance]", kind.cls))}
        for field, target in kind.references.items():
            assert field in names, (kind.name, field)
            assert BY_NAME[target].id_field == "id", (kind.name, field)


def test_references_are_read_only() -> None:
    """The declaration cannot be changed by a caller."""
    with pytest.raises(TypeError):
        BY_NAME["contacts"].references["owner_id"] = "companies"  # type: ignore[index]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        BY_NAME["contacts"].name = "people"  # type: ignore[misc]


def test_snapshot_keywords_are_the_kinds() -> None:
    """Snapshot(...) takes one keyword list per kind, in order, typed with the kind's class."""
    signature = inspect.signature(Snapshot.__init__)
    params = [p for p in signature.parameters.values() if p.name != "self"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params)
    assert [p.name for p in params] == [*NAMES, "lifecycle_stages"]
    hints = typing.get_type_hints(Snapshot.__init__)
    for kind in KINDS:
        assert hints[kind.name] == Iterable[kind.cls], kind.name  # type: ignore[name-defined]
