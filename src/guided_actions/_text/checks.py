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

import operator
import re
import string
import weakref
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any, Literal

import attrs

from guided_actions._text.render import ref_type, render_check
from guided_actions.errors import short_repr

__all__ = ["Check", "Criterion", "Ref", "Role", "Value"]

Role = Literal["condition", "wait", "limit"]
_ROLES = ("condition", "wait", "limit")


@attrs.frozen
class Ref:
    """A record named in a check: its kind, its id and a detail a reader recognises it by.

    ``detail`` is a contact's address, a meeting's or task's title, a company's name (``None``
    when there is none). ``private`` marks a meeting shown to a super admin viewing another user:
    it renders as busy and shows neither title nor anything else about it.

    ``id`` is ``None`` for a record the viewer may not identify at all: a private meeting, or a
    follow-up task of one, that is the evidence of an action about another record (naming it
    would tell what the meeting is about). Such a reference is :meth:`unnamed`: it carries
    nothing but the generic kind ``"activity"`` and reads "an activity".
    """

    kind: str
    id: str | None
    detail: str | None = None
    private: bool = False

    @classmethod
    def unnamed(cls) -> Ref:
        """The reference to an activity the viewer may not identify: no id, no detail."""
        return _UNNAMED


_UNNAMED = Ref("activity", None, private=True)

_new = object.__new__
_set_ref_kind = Ref.__dict__["kind"].__set__
_set_ref_id = Ref.__dict__["id"].__set__
_set_ref_detail = Ref.__dict__["detail"].__set__
_set_ref_private = Ref.__dict__["private"].__set__


ref_type(Ref)


def make_ref(kind: str, rid: str | None, detail: str | None, private: bool = False) -> Ref:
    """``Ref(kind, rid, detail, private)``, equal to it, made without the frozen class's
    ``__setattr__`` guard: the rule context names hundreds of thousands of records in a batch."""
    ref = _new(Ref)
    _set_ref_kind(ref, kind)
    _set_ref_id(ref, rid)
    _set_ref_detail(ref, detail)
    _set_ref_private(ref, private)
    return ref


#: What a check's parameter may hold: plain data only, so checks compare, hash and pickle.
Value = str | int | bool | datetime | date | timedelta | Ref | tuple["Value", ...] | None


_ID = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_SCALARS = (str, int, date, timedelta, Ref)  # date: datetime is one too


#: The exact types of the common parameters, accepted without a closer look.
_PLAIN = frozenset({str, int, bool, datetime, date, timedelta, Ref, type(None)})


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
        raise ValueError(
            f"criterion role must be one of {', '.join(_ROLES)}, got {short_repr(value)}"
        )


@attrs.frozen
class Criterion:
    """A named test with a stable ``id`` and its English templates.

    ``met`` and ``unmet`` are :meth:`str.format` templates over the check's parameters, e.g.
    ``"{record} was created more than {wait} ago, at {since}"``; a threshold is a parameter that
    takes the configured value, so the text always says what was tested. Build the check of one
    evaluation with :meth:`check`; word it otherwise for absent data with :meth:`variant`.
    """

    id: str
    met: str
    unmet: str
    role: Role = attrs.field(default="condition", validator=_valid_role)
    #: The parameter names its templates use, read once when the criterion is made.
    fields: frozenset[str] = attrs.field(init=False, eq=False, repr=False)
    #: The same, sorted: the names of a check given exactly these parameters.
    _names: tuple[str, ...] = attrs.field(init=False, eq=False, repr=False)
    #: Reads the values of exactly these parameters, in the order of ``_names``, from the
    #: keyword arguments of :meth:`check` (``None`` without parameters, see :meth:`check`).
    _getter: Callable[[Mapping[str, Any]], Any] | None = attrs.field(
        init=False, eq=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.id, str) or not _ID.fullmatch(self.id):
            raise ValueError(
                f"criterion id must be ASCII lower_snake_case, got {short_repr(self.id)}"
            )
        fields = _template_fields(self.met) | _template_fields(self.unmet)
        object.__setattr__(self, "fields", fields)
        names = tuple(sorted(fields))
        object.__setattr__(self, "_names", names)
        object.__setattr__(self, "_getter", operator.itemgetter(*names) if names else None)

    def variant(self, *, met: str | None = None, unmet: str | None = None) -> Criterion:
        """The same criterion (same ``id`` and ``role``) worded otherwise, for a check whose data
        is partly absent: a template must not name a value that is not there ("completed at
        none"), so the function evaluating the criterion picks the variant whose templates name
        only what it has. Checks of either compare by ``id``; the texts differ."""
        return Criterion(
            self.id,
            met=self.met if met is None else met,
            unmet=self.unmet if unmet is None else unmet,
            role=self.role,
        )

    def check(self, met: bool, /, **params: Value) -> Check:
        """The outcome of one evaluation: whether it held, and the data that decided it."""
        names: tuple[str, ...] | None = self._names
        getter = self._getter
        count = len(params)
        if count != len(self._names):
            # More parameters than the templates name (a variant's wording names fewer): how
            # to read them is planned once per criterion and set of names, in call order.
            plan = _PLANS.get((id(self), tuple(params)))
            if plan is None or plan[0]() is not self:
                plan = _plan(self, tuple(params))
            names, getter = plan[1], plan[2]
        if names is not None:
            # The usual case, read in one step: exactly the planned parameters, of the common
            # types. The check shares the plan's sorted names and holds one tuple of values:
            # checks outlive the evaluation (actions carry them), so they are kept small.
            try:
                values = () if getter is None else getter(params)
            except KeyError:
                pass  # another parameter instead of one the templates name: said below
            else:
                if count == 1:
                    values = (values,)
                if _PLAIN.issuperset(map(type, values)):
                    check = _new(Check)  # as make_check does, one call less
                    _set_criterion(check, self)
                    _set_met(check, bool(met))
                    _set_names(check, names)
                    _set_values(check, values)
                    return check
        if not self.fields.issubset(params):
            missing = self.fields.difference(params)
            raise TypeError(
                f"criterion {self.id!r} needs parameter(s) {', '.join(sorted(missing))}"
            )
        if not _PLAIN.issuperset(map(type, params.values())):
            for name, value in params.items():
                if not _is_value(value):
                    raise TypeError(
                        f"criterion {self.id!r}: parameter {name!r} must be plain data (str, "
                        f"int, bool, datetime, date, timedelta, Ref, a tuple of those, None), got "
                        f"{short_repr(value)}"
                    )
        names = tuple(sorted(params))
        return Check._of(self, bool(met), names, tuple(map(params.__getitem__, names)))


#: How :meth:`Criterion.check` reads parameters of other names than its templates':
#: ``(criterion, sorted names, getter)`` by ``(id(criterion), names in call order)``, the
#: criterion held by a weak reference: checked on use, so that its id cannot be another's, and
#: never kept alive by the cache.
_Plan = tuple[
    "weakref.ref[Criterion]", tuple[str, ...] | None, Callable[[Mapping[str, Any]], Any] | None
]
_PLANS: dict[tuple[int, tuple[str, ...]], _Plan] = {}


def _plan(criterion: Criterion, given: tuple[str, ...]) -> _Plan:
    """The plan of :meth:`Criterion.check` for parameters of these names; no names when they
    lack one the templates name (the check then says which)."""
    if not criterion.fields.issubset(given):
        return (weakref.ref(criterion), None, None)
    names = tuple(sorted(given))
    plan: _Plan = (weakref.ref(criterion), names, operator.itemgetter(*names) if names else None)
    if len(_PLANS) >= 4096:
        _PLANS.clear()
    _PLANS[(id(criterion), given)] = plan
    return plan


@attrs.frozen(init=False, repr=False)
class Check:
    """One criterion evaluated: which, whether it held (``met``), and its parameters.

    ``Check(criterion, met, params)``: ``params`` are ``(name, value)`` pairs sorted by name.
    Truthy when met. ``str(check)`` is its English text (see
    :func:`guided_actions._text.render.render_check`).
    """

    criterion: Criterion
    met: bool
    _names: tuple[str, ...]
    _values: tuple[Value, ...]

    def __init__(
        self, criterion: Criterion, met: bool, params: tuple[tuple[str, Value], ...] = ()
    ) -> None:
        pairs = sorted(params, key=lambda pair: pair[0])
        self.__attrs_init__(
            criterion, met, tuple(name for name, _ in pairs), tuple(v for _, v in pairs)
        )

    @classmethod
    def _of(
        cls, criterion: Criterion, met: bool, names: tuple[str, ...], values: tuple[Value, ...]
    ) -> Check:
        if cls is Check:
            return make_check(criterion, met, names, values)
        check = cls.__new__(cls)
        check.__attrs_init__(criterion, met, names, values)
        return check

    @property
    def params(self) -> tuple[tuple[str, Value], ...]:
        """The parameters as ``(name, value)`` pairs, sorted by name."""
        return tuple(zip(self._names, self._values, strict=True))

    def __repr__(self) -> str:
        return f"Check(criterion={self.criterion!r}, met={self.met!r}, params={self.params!r})"

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
        return dict(zip(self._names, self._values, strict=True))

    def __bool__(self) -> bool:
        return self.met

    def __str__(self) -> str:
        return render_check(self)


_set_criterion = Check.__dict__["criterion"].__set__
_set_met = Check.__dict__["met"].__set__
_set_names = Check.__dict__["_names"].__set__
_set_values = Check.__dict__["_values"].__set__


def make_check(
    criterion: Criterion, met: bool, names: tuple[str, ...], values: tuple[Value, ...]
) -> Check:
    """A :class:`Check` of these fields (``names`` sorted, ``values`` in their order), made
    without the frozen class's ``__setattr__`` guard: equal to ``Check._of`` and cheaper, since
    a batch makes hundreds of thousands of them."""
    check = _new(Check)
    _set_criterion(check, criterion)
    _set_met(check, met)
    _set_names(check, names)
    _set_values(check, values)
    return check
