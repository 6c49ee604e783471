"""Criteria as data: what a rule tests, the outcome of the test, and the records it names.

A :class:`Criterion` is a named, reusable test with a stable id (``deal_open``,
``created_more_than``…) and two English message templates, one for when it holds and one for when
it does not. Evaluating it gives a :class:`Check`: the criterion, whether it held, and the
parameters that decided it (records as :class:`Ref`, instants, thresholds). No text is made here:
the renderer (:mod:`guided_actions._text.render`) turns a check into text late, at the edge, so
that configuration shows (a threshold is a parameter, never a word in a template) and so that
another language can be added in one place.

A criterion has a **role** that says how it relates to time, which the "why not" explanation uses:

- ``"condition"``: data must change for it to change (the deal is open, you have not emailed);
- ``"wait"``: only time has to pass for it to hold (created more than 7 days ago); an action
  whose conditions hold but which is still waiting is *pending*;
- ``"limit"``: it holds until a time limit passes (within 14 days of the reply); an action whose
  conditions hold but whose limit has passed is *expired*.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

import attrs

from guided_actions._text.render import render_check

__all__ = ["Check", "Criterion", "Ref", "Role", "Value"]

Role = Literal["condition", "wait", "limit"]
_ROLES = ("condition", "wait", "limit")


@attrs.frozen
class Ref:
    """A record named in a check: its kind, its id and a detail a reader recognises it by.

    ``detail`` is a contact's address, a meeting's or task's title, a company's name (``None``
    when there is none). ``private`` marks a meeting shown to a super admin viewing another user:
    it renders as busy and shows neither title nor anything else about it.
    """

    kind: str
    id: str
    detail: str | None = None
    private: bool = False


#: What a check's parameter may hold: plain data only, so checks compare, hash and pickle.
Value = str | int | bool | datetime | timedelta | Ref | tuple["Value", ...] | None


_ID = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_SCALARS = (str, int, datetime, timedelta, Ref)


def _is_value(value: object) -> bool:
    if value is None or isinstance(value, _SCALARS):
        return True
    return isinstance(value, tuple) and all(_is_value(v) for v in value)


def _template_fields(template: str) -> frozenset[str]:
    return frozenset(
        name.split(".")[0].split("[")[0]
        for _text, name, _spec, _conv in string.Formatter().parse(template)
        if name
    )


def _valid_role(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value not in _ROLES:
        raise ValueError(f"criterion role must be one of {', '.join(_ROLES)}, got {value!r}")


@attrs.frozen
class Criterion:
    """A named test with a stable ``id`` and its English templates.

    ``met`` and ``unmet`` are :meth:`str.format` templates over the check's parameters, e.g.
    ``"deal {deal} was created more than {age} ago"``; a parameter named like one of the rule's
    thresholds takes the configured value, so the text always says what was tested. Build the
    check of one evaluation with :meth:`check`.
    """

    id: str
    met: str
    unmet: str
    role: Role = attrs.field(default="condition", validator=_valid_role)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.id, str) or not _ID.fullmatch(self.id):
            raise ValueError(f"criterion id must be ASCII lower_snake_case, got {self.id!r}")

    @property
    def fields(self) -> frozenset[str]:
        """The parameter names its templates use."""
        return _template_fields(self.met) | _template_fields(self.unmet)

    def check(self, met: bool, /, **params: Value) -> Check:
        """The outcome of one evaluation: whether it held, and the data that decided it."""
        missing = self.fields - params.keys()
        if missing:
            raise TypeError(
                f"criterion {self.id!r} needs parameter(s) {', '.join(sorted(missing))}"
            )
        for name, value in params.items():
            if not _is_value(value):
                raise TypeError(
                    f"criterion {self.id!r}: parameter {name!r} must be plain data (str, int, "
                    f"bool, datetime, timedelta, Ref, a tuple of those, None), got {value!r}"
                )
        return Check(self, bool(met), tuple(sorted(params.items())))


@attrs.frozen
class Check:
    """One criterion evaluated: which, whether it held (``met``), and its parameters.

    Truthy when met. ``str(check)`` is its English text (see
    :func:`guided_actions._text.render.render_check`).
    """

    criterion: Criterion
    met: bool
    params: tuple[tuple[str, Value], ...] = ()

    @property
    def id(self) -> str:
        """The criterion's stable id."""
        return self.criterion.id

    @property
    def role(self) -> Role:
        """``condition``, ``wait`` or ``limit`` (see the module documentation)."""
        return self.criterion.role

    @property
    def values(self) -> Mapping[str, Value]:
        """The parameters by name."""
        return dict(self.params)

    def __bool__(self) -> bool:
        return self.met

    def __str__(self) -> str:
        return render_check(self)
