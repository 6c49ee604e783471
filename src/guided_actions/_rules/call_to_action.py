"""Calls to action: the links a card offers under its title, declared by each rule as data.

The product article gives each guided action a first link that launches a queue of the work
("Start tasks", "Enroll new contacts in a sequence") and, for some, a second link to work or view
the records one by one. A rule declares them in ``Rule.calls_to_action``; every action and card
of the rule carries them, and ``to_dict()`` writes them as ``{"id", "label", "opens"}``. The
library never follows a link: what a CRM does when the rep clicks one is the CRM's.
"""

from __future__ import annotations

import re
from typing import Any, Literal, get_args

import attrs

from guided_actions.errors import short_repr

__all__ = ["OPENS", "CallToAction", "Opens", "call_to_action_problem"]

#: What a call to action opens: a queue of the work, or the records one by one.
Opens = Literal["queue", "records"]
OPENS: tuple[str, ...] = get_args(Opens)

#: A call to action's id: ASCII lower_snake_case, 1 to 100 characters.
_ID = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_MAX_ID = 100
#: A label is read on one line of a card: at most this many characters.
_MAX_LABEL = 100


def _field_problem(name: str, value: object) -> str | None:
    """What one field of a call to action must be, when ``value`` is not that."""
    if name == "id":
        if type(value) is str and len(value) <= _MAX_ID and _ID.fullmatch(value):
            return None
        return f"ASCII lower_snake_case of at most {_MAX_ID} characters"
    if name == "label":
        if (
            type(value) is str
            and value.strip() == value
            and value
            and len(value) <= _MAX_LABEL
            and value.isprintable()
        ):
            return None
        return (
            f"a non-empty, printable, one-line str of at most {_MAX_LABEL} characters, "
            "without surrounding spaces"
        )
    if type(value) is str and value in OPENS:
        return None
    return "one of " + ", ".join(map(repr, OPENS))


def call_to_action_problem(value: object) -> str | None:
    """What makes ``value`` not a valid :class:`CallToAction`, or ``None``: the message names
    the field and the value (``opens must be one of 'queue', 'records', got 'page'``)."""
    if type(value) is not CallToAction:
        return f"expected a CallToAction, got {short_repr(value)}"
    for name in ("id", "label", "opens"):
        field = getattr(value, name)
        expected = _field_problem(name, field)
        if expected is not None:
            return f"{name} must be {expected}, got {short_repr(field)}"
    return None


def _valid(instance: CallToAction, attribute: attrs.Attribute[Any], value: object) -> None:
    expected = _field_problem(attribute.name, value)
    if expected is not None:
        error = ValueError if type(value) is str else TypeError
        raise error(f"call to action {attribute.name} must be {expected}, got {short_repr(value)}")


@attrs.frozen
class CallToAction:
    """A link a card offers: a stable ``id``, an English ``label`` and what it ``opens``.

    - ``id``: ASCII lower_snake_case (``start_tasks``), unique within its rule; a CRM maps it to
      what the link does, so it never changes with the wording.
    - ``label``: the English text of the link (``"Start tasks"``), the message id a translation
      catalogue translates.
    - ``opens``: ``"queue"``, a queue of the card's work (the first link of a card), or
      ``"records"``, the records one by one (a second link).

    A bad value is a ``TypeError`` (not a ``str``) or a ``ValueError`` naming the field.
    """

    id: str = attrs.field(validator=_valid)
    label: str = attrs.field(validator=_valid)
    opens: Opens = attrs.field(validator=_valid)

    def to_dict(self) -> dict[str, str]:
        """``{"id", "label", "opens"}``: the form ``Action.to_dict()`` and the catalogue write."""
        return {"id": self.id, "label": self.label, "opens": self.opens}
