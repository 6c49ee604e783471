"""Settings in layers: the organisation's, each team's, and each rep's own within the admin's
bounds; the effective :class:`~guided_actions.Config` of a user, and where each value came from.

A *setting* is one value of a :class:`~guided_actions.Config`, named by a dotted path. The paths
are derived from ``Config``'s fields, so that a field added to ``Config`` is layered with no more
work:

- a field holding one value (a duration, a number, true or false, a text) is one setting named
  like the field: ``feed_limit``, ``feed_window``;
- a field holding an attrs class (the ranking weights) has one setting per attribute:
  ``ranking.priority``;
- a field holding a set of names has one true-or-false setting per member, so that a layer adds
  or removes members one by one: ``engagement_kinds.page_view``;
- the fields keyed by rule, whose defaults live in the rules themselves: ``thresholds.<rule
  id>.<threshold>``, ``grouping.<rule id>``, and ``disabled_rules.<rule id>`` (a set of rule ids,
  layered member by member like the other sets).

A layer is a mapping of setting paths to values. The effective configuration of a user starts
from the organisation's ``Config``, then applies each of the user's teams in ``User.team_ids``
order (a later team overrides an earlier one), then the rep's own overrides, each of which the
admin must have bounded (:class:`Bound`). Nothing here reads a file: the TOML text is parsed with
the standard library's ``tomllib``, from a string.
"""

from __future__ import annotations

import functools
import math
import re
import tomllib
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any, Literal

import attrs

from guided_actions._engine.config import Config
from guided_actions._engine.evaluate import (
    RuleSetLike,
    choose_rules,
    prepare,
    resolve_viewer,
)
from guided_actions._model.frozen import FrozenDict
from guided_actions._model.records import User
from guided_actions._rules.rule import RULE_ID, Rule
from guided_actions._text.render import format_duration
from guided_actions.errors import InvalidConfigError, short_repr
from guided_actions.typing import SnapshotReader

__all__ = [
    "DEFAULT",
    "ORGANISATION",
    "Bound",
    "Layer",
    "Settings",
    "duration_text",
    "parse_duration",
]

#: The layer a value came from: ``"default"`` (the library's, or the rule's own),
#: ``"organisation"``, ``"team:<team id>"`` or ``"rep:<user id>"``.
Layer = str
DEFAULT: Layer = "default"
ORGANISATION: Layer = "organisation"

# -- durations as text ----------------------------------------------------------------------

_UNIT = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
_UNIT["s"] = timedelta(seconds=1)
_SHORT = re.compile(r"(\d{1,12})\s*([dhms])", re.IGNORECASE)
_ISO = re.compile(
    r"P(?:(?P<w>\d{1,12})W)?(?:(?P<d>\d{1,12})D)?"
    r"(?:T(?:(?P<h>\d{1,12})H)?(?:(?P<m>\d{1,12})M)?(?:(?P<s>\d{1,12})(?:[.,](?P<f>\d{1,6}))?S)?)?",
    re.IGNORECASE,
)
_DURATION_FORMS = "write 7d, 36h, 90m, 30s, or ISO-8601 such as P7D or PT36H"


def parse_duration(text: str) -> timedelta:
    """A duration from text: a whole number and a unit, ``d`` (days of 24 hours), ``h``, ``m``
    (minutes) or ``s`` (``"7d"``, ``"36h"``, ``"90m"``, ``"30s"``), or an ISO-8601 duration in
    weeks, days, hours, minutes and seconds (``"P7D"``, ``"PT36H"``, ``"P1DT12H"``,
    ``"PT0.5S"``). Years and months have no fixed length and are refused. Raises ``ValueError``.
    """
    stripped = text.strip()
    short = _SHORT.fullmatch(stripped)
    try:
        if short is not None:
            return int(short.group(1)) * _UNIT[short.group(2).lower()]
        iso = _ISO.fullmatch(stripped)
        if (
            iso is not None
            and stripped.upper() not in ("P", "PT")
            and not stripped.endswith(("T", "t"))
        ):
            parts = iso.groupdict()
            fraction = (parts["f"] or "").ljust(6, "0")
            return timedelta(
                weeks=int(parts["w"] or 0),
                days=int(parts["d"] or 0),
                hours=int(parts["h"] or 0),
                minutes=int(parts["m"] or 0),
                seconds=int(parts["s"] or 0),
                microseconds=int(fraction or 0),
            )
    except OverflowError:
        raise ValueError(f"{short_repr(text)} is too long a duration") from None
    if re.fullmatch(r"P[\dWD]*\d+[YM].*", stripped, re.IGNORECASE):
        raise ValueError(
            f"{short_repr(text)}: years and months have no fixed length; write days (P30D)"
        )
    raise ValueError(f"{short_repr(text)} is not a duration: {_DURATION_FORMS}")


def duration_text(value: timedelta) -> str:
    """A non-negative duration as :func:`parse_duration` reads it back, in the largest unit that
    measures it exactly: ``"7d"``, ``"36h"``, ``"90m"``, ``"30s"``, else ISO-8601
    (``"PT1.5S"``)."""
    if value < timedelta(0):
        raise ValueError(f"a negative duration has no text form: {value!r}")
    for unit in ("d", "h", "m", "s"):
        if value % _UNIT[unit] == timedelta(0):
            return f"{value // _UNIT[unit]}{unit}"
    seconds, micro = divmod(value // timedelta(microseconds=1), 1_000_000)
    return f"PT{seconds}.{micro:06d}".rstrip("0") + "S"


# -- the kinds of values a setting holds ----------------------------------------------------


@attrs.frozen
class _Kind:
    """What a setting holds: its name in messages, how a raw value is read, whether it has an
    order (so that a bound may give ``low`` and ``high``), and how a value is shown."""

    name: str
    read: Callable[[object], object]
    ordered: bool
    show: Callable[[Any], str]


def _read_duration(raw: object) -> timedelta:
    if isinstance(raw, timedelta):
        return raw
    if isinstance(raw, str):
        return parse_duration(raw)
    raise ValueError(f"must be a duration ({_DURATION_FORMS}), got {short_repr(raw)}")


def _read_integer(raw: object) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    raise ValueError(f"must be a whole number, got {short_repr(raw)}")


def _read_number(raw: object) -> float:
    if isinstance(raw, int | float) and not isinstance(raw, bool) and math.isfinite(raw):
        return float(raw)
    raise ValueError(f"must be a finite number, got {short_repr(raw)}")


def _read_switch(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    raise ValueError(f"must be true or false, got {short_repr(raw)}")


def _read_text(raw: object) -> str:
    if isinstance(raw, str):
        return raw
    raise ValueError(f"must be a text, got {short_repr(raw)}")


DURATION = _Kind("duration", _read_duration, True, format_duration)
INTEGER = _Kind("whole number", _read_integer, True, str)
NUMBER = _Kind("number", _read_number, True, lambda v: f"{v:g}")
SWITCH = _Kind("true or false", _read_switch, False, lambda v: "true" if v else "false")
TEXT = _Kind("text", _read_text, False, short_repr)
#: The kind of a setting by the type ``Config`` annotates it with.
_KINDS: dict[object, _Kind] = {
    timedelta: DURATION,
    bool: SWITCH,
    int: INTEGER,
    float: NUMBER,
    str: TEXT,
}

# -- the settings of Config, derived from its fields ----------------------------------------

Shape = Literal["value", "nested", "members", "thresholds", "per_rule", "rule_members"]
#: The fields keyed by rule id: their settings and defaults come from the rules evaluated.
_RULE_KEYED: dict[str, Shape] = {
    "thresholds": "thresholds",
    "grouping": "per_rule",
    "disabled_rules": "rule_members",
}


@attrs.frozen
class _Field:
    """One field of ``Config`` and the shape of its settings."""

    name: str
    shape: Shape
    kind: _Kind
    #: For a ``nested`` field: the kind of each attribute, by name.
    parts: Mapping[str, _Kind] = FrozenDict()

    @property
    def pattern(self) -> str:
        """How its setting paths are written, for messages."""
        if self.shape == "value":
            return self.name
        if self.shape == "nested":
            return f"{self.name}.<{'|'.join(self.parts)}>"
        if self.shape == "thresholds":
            return f"{self.name}.<rule id>.<threshold>"
        if self.shape == "members":
            return f"{self.name}.<member>"
        return f"{self.name}.<rule id>"


def _kind_of(owner: type, name: str, hint: object) -> _Kind:
    kind = _KINDS.get(hint)
    if kind is None:
        raise TypeError(
            f"{owner.__name__}.{name} ({hint!r}) cannot be layered: a setting holds a duration, "
            "a number, true or false, or a text"
        )
    return kind


@functools.cache
def config_fields() -> tuple[_Field, ...]:
    """The fields of ``Config``, each with the shape of its settings, in field order."""
    hints = typing.get_type_hints(Config)
    out = []
    for field in attrs.fields(Config):
        hint = hints[field.name]
        origin = typing.get_origin(hint)
        if field.name in _RULE_KEYED:
            shape = _RULE_KEYED[field.name]
            inner = typing.get_args(hint)[-1]
            if shape == "thresholds":
                inner = typing.get_args(inner)[-1]
            kind = SWITCH if shape == "rule_members" else _kind_of(Config, field.name, inner)
            out.append(_Field(field.name, shape, kind))
        elif origin is Mapping:
            raise TypeError(
                f"Config.{field.name} is a mapping: say in {__name__} what it is keyed by"
            )
        elif origin in (frozenset, set, typing.AbstractSet):
            out.append(_Field(field.name, "members", SWITCH))
        elif isinstance(hint, type) and attrs.has(hint):
            nested = typing.get_type_hints(hint)
            parts = {f.name: _kind_of(hint, f.name, nested[f.name]) for f in attrs.fields(hint)}
            # A nested field's kinds are its attributes' (``parts``); ``kind`` is unused.
            out.append(_Field(field.name, "nested", SWITCH, FrozenDict(parts)))
        else:
            out.append(_Field(field.name, "value", _kind_of(Config, field.name, hint)))
    return tuple(out)


@attrs.frozen
class _Path:
    """A setting path, read: its field, and the rule id, member, attribute or threshold."""

    text: str
    field: _Field
    key: str | None = None
    name: str | None = None

    @property
    def kind(self) -> _Kind:
        if self.field.shape == "nested":
            assert self.key is not None
            return self.field.parts[self.key]
        return self.field.kind

    @property
    def rule(self) -> str | None:
        """The rule id the setting names, if its field is keyed by rule."""
        return self.key if self.field.shape in ("thresholds", "per_rule", "rule_members") else None


def _patterns() -> str:
    return ", ".join(f.pattern for f in config_fields())


@functools.lru_cache(maxsize=4096)
def _read_path(text: str) -> _Path:
    """The path ``text`` names; ``ValueError`` saying what is wrong with it."""
    head, dot, rest = text.partition(".")
    field = next((f for f in config_fields() if f.name == head), None)
    if field is None:
        raise ValueError(f"unknown setting {short_repr(text)}; the settings are {_patterns()}")
    shape = field.shape
    wrong = ValueError(f"setting {short_repr(text)} must be written {field.pattern}")
    if shape == "value":
        if dot:
            raise wrong
        return _Path(text, field)
    if shape == "nested":
        if rest not in field.parts:
            raise wrong
        return _Path(text, field, rest)
    if shape == "thresholds":
        rule, _, name = rest.rpartition(".")
        if not RULE_ID.fullmatch(rule) or not name.isidentifier():
            raise wrong
        return _Path(text, field, rule, name)
    if shape in ("per_rule", "rule_members") and not RULE_ID.fullmatch(rest):
        raise wrong
    if not rest:
        raise wrong
    return _Path(text, field, rest)


def _apply(config: Config, overrides: Mapping[str, object]) -> Config:
    """``config`` with the (read, checked) ``overrides`` set: ``Config`` checks the result."""
    changes: dict[str, Any] = {}
    for text, value in overrides.items():
        path = _read_path(text)
        name = path.field.name
        shape = path.field.shape
        if shape == "value":
            changes[name] = value
            continue
        assert path.key is not None
        if shape == "thresholds":
            assert path.name is not None
            table = changes.setdefault(
                name, {rule: dict(values) for rule, values in config.thresholds.items()}
            )
            table.setdefault(path.key, {})[path.name] = value
        elif shape == "per_rule":
            changes.setdefault(name, dict(getattr(config, name)))[path.key] = value
        elif shape == "nested":
            changes.setdefault(name, {})[path.key] = value
        else:
            members = changes.setdefault(name, set(getattr(config, name)))
            if value:
                members.add(path.key)
            else:
                members.discard(path.key)
    for field in config_fields():
        if field.shape == "nested" and field.name in changes:
            changes[field.name] = attrs.evolve(getattr(config, field.name), **changes[field.name])
    return attrs.evolve(config, **changes)


def setting_values(
    config: Config, rules: Iterable[Rule], mentioned: Iterable[str] = ()
) -> dict[str, object]:
    """The effective value of every setting of ``config`` for ``rules``, by path, in ``Config``'s
    field order (and the rules' order): a rule's own threshold or grouping where ``config`` sets
    none. A set lists its default members, its members and the ``mentioned`` paths."""
    rules = list(rules)
    extra: dict[str, set[str]] = {}
    for text in mentioned:
        path = _read_path(text)
        if path.field.shape == "members" and path.key is not None:
            extra.setdefault(path.field.name, set()).add(path.key)
    default = Config()
    out: dict[str, object] = {}
    for field in config_fields():
        name = field.name
        if field.shape == "thresholds":
            for rule in rules:
                overrides = config.thresholds.get(rule.id, {})
                for threshold, value in rule.thresholds().items():
                    out[f"{name}.{rule.id}.{threshold}"] = overrides.get(threshold, value)
        elif field.shape == "per_rule":
            for rule in rules:
                out[f"{name}.{rule.id}"] = config.grouped(rule)
        elif field.shape == "rule_members":
            members = getattr(config, name)
            for rule in rules:
                out[f"{name}.{rule.id}"] = rule.id in members
        elif field.shape == "members":
            members = getattr(config, name)
            universe = set(getattr(default, name)) | set(members) | extra.get(name, set())
            for member in sorted(universe):
                out[f"{name}.{member}"] = member in members
        elif field.shape == "nested":
            nested = getattr(config, name)
            for part in field.parts:
                out[f"{name}.{part}"] = getattr(nested, part)
        else:
            out[name] = getattr(config, name)
    return out


def show_value(path: str, value: object) -> str:
    """A setting's value as messages and tables show it (``7 days``, ``true``, ``50``)."""
    return _read_path(path).kind.show(value)


# -- layers and bounds ----------------------------------------------------------------------


def _team_label(team_id: str) -> str:
    return f"team {short_repr(team_id)}"


def _rep_label(user_id: str) -> str:
    return f"rep {short_repr(user_id)}"


def _read_value(where: str, text: str, raw: object) -> object:
    """One value of a layer or a bound, read as its setting's kind and checked by ``Config``."""
    path = _read_path(text)
    try:
        value = path.kind.read(raw)
    except ValueError as exc:
        raise InvalidConfigError(f"{where}, setting {short_repr(text)}: {exc}") from None
    # Config checks the value (a positive duration, a known engagement kind, a weight in
    # bounds…); a member is checked as added, so that removing an unknown one is refused too.
    probe = True if path.field.shape in ("members", "rule_members") else value
    try:
        _apply(Config(), {text: probe})
    except InvalidConfigError as exc:
        raise InvalidConfigError(f"{where}, setting {short_repr(text)}: {exc}") from None
    return value


def _layer(where: str, raw: object) -> FrozenDict[str, object]:
    """A layer's overrides, each path read and each value read and checked."""
    if not isinstance(raw, Mapping):
        raise InvalidConfigError(
            f"{where} must be a mapping of setting to value, got {short_repr(raw)}"
        )
    out: dict[str, object] = {}
    for text, value in raw.items():
        if not isinstance(text, str):
            raise InvalidConfigError(
                f"{where}: a setting is named by a str, got {short_repr(text)}"
            )
        try:
            _read_path(text)
        except ValueError as exc:
            raise InvalidConfigError(f"{where}: {exc}") from None
        out[text] = _read_value(where, text, value)
    return FrozenDict(out)


def _organisation(value: object) -> Config:
    if isinstance(value, Config):
        return value
    overrides = _layer("organisation", value)
    try:
        return _apply(Config(), overrides)
    except InvalidConfigError as exc:
        raise InvalidConfigError(f"organisation: {exc}") from None


def _layers(value: object, label: Callable[[str], str], what: str) -> FrozenDict[str, Any]:
    """``{id: overrides}`` of the teams or the reps, each layer read and checked."""
    if not isinstance(value, Mapping):
        raise InvalidConfigError(
            f"{what} must be a mapping of id to overrides, got {short_repr(value)}"
        )
    out: dict[str, FrozenDict[str, object]] = {}
    for key, overrides in value.items():
        if not isinstance(key, str) or not key:
            raise InvalidConfigError(
                f"{what}: an id must be a non-empty str, got {short_repr(key)}"
            )
        out[key] = _layer(label(key), overrides)
    return FrozenDict(out)


def _teams(value: object) -> FrozenDict[str, Any]:
    return _layers(value, _team_label, "teams")


def _reps(value: object) -> FrozenDict[str, Any]:
    return _layers(value, _rep_label, "reps")


def _allowed(value: object) -> frozenset[object] | None:
    if value is None:
        return None
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise InvalidConfigError(
            f"Bound allowed must be a collection of values, got {short_repr(value)}"
        )
    try:
        return frozenset(value)
    except TypeError:
        raise InvalidConfigError(
            f"Bound allowed must hold plain values, got {short_repr(value)}"
        ) from None


def _duration_text(value: object) -> object:
    """An end of a bound: a duration given as text (``"3d"``, ``"P3D"``) is read as one, so
    that :meth:`Bound.admits` compares durations; anything else is kept as it is."""
    if isinstance(value, str):
        try:
            return parse_duration(value)
        except ValueError:
            raise InvalidConfigError(f"a Bound's end {short_repr(value)}: not a duration") from None
    return value


@attrs.frozen
class Bound:
    """What a rep may set a setting to: between ``low`` and ``high`` (each included; either may
    be left open) for a duration or a number, or one of ``allowed`` for any setting.
    ``Bound()`` lets reps set any valid value. Values may be given as the layers give them
    (a duration as ``timedelta(days=3)`` or ``"3d"``)."""

    low: object = attrs.field(default=None, converter=_duration_text)
    high: object = attrs.field(default=None, converter=_duration_text)
    allowed: frozenset[object] | None = attrs.field(default=None, converter=_allowed)

    def __attrs_post_init__(self) -> None:
        if self.allowed is not None and (self.low is not None or self.high is not None):
            raise InvalidConfigError("a Bound gives either low and high, or allowed, not both")
        if self.allowed is not None and not self.allowed:
            raise InvalidConfigError("a Bound's allowed values may not be empty")

    def admits(self, value: object) -> bool:
        """Whether a rep may set the value (both ends included)."""
        if self.allowed is not None:
            return value in self.allowed
        low: Any = self.low
        high: Any = self.high
        return (low is None or low <= value) and (high is None or value <= high)

    def describe(self, show: Callable[[Any], str] = str) -> str:
        """The bound in words: ``3 days to 14 days``, ``at least 3``, ``one of …``."""
        if self.allowed is not None:
            return "one of " + ", ".join(sorted(show(v) for v in self.allowed))
        if self.low is not None and self.high is not None:
            return f"{show(self.low)} to {show(self.high)}"
        if self.low is not None:
            return f"at least {show(self.low)}"
        if self.high is not None:
            return f"at most {show(self.high)}"
        return "any value"


def _bounds(value: object) -> FrozenDict[str, Bound]:
    """The admin's bounds, each path read and each value read as its setting's kind."""
    if not isinstance(value, Mapping):
        raise InvalidConfigError(
            f"bounds must be a mapping of setting to Bound, got {short_repr(value)}"
        )
    out: dict[str, Bound] = {}
    for text, bound in value.items():
        if not isinstance(text, str):
            raise InvalidConfigError(f"bounds: a setting is named by a str, got {short_repr(text)}")
        try:
            path = _read_path(text)
        except ValueError as exc:
            raise InvalidConfigError(f"bounds: {exc}") from None
        if not isinstance(bound, Bound):
            raise InvalidConfigError(
                f"bounds, setting {short_repr(text)}: must be a Bound, got {short_repr(bound)}"
            )
        if not path.kind.ordered and (bound.low is not None or bound.high is not None):
            raise InvalidConfigError(
                f"bounds, setting {short_repr(text)}: a {path.kind.name} has no order; "
                "give the allowed values instead of low and high"
            )

        def read(raw: object, text: str = text) -> object:
            return None if raw is None else _read_value("bounds", text, raw)

        read_bound = Bound(
            low=read(bound.low),
            high=read(bound.high),
            allowed=None
            if bound.allowed is None
            else [_read_value("bounds", text, v) for v in bound.allowed],
        )
        low: Any = read_bound.low
        if low is not None and read_bound.high is not None and low > read_bound.high:
            raise InvalidConfigError(
                f"bounds, setting {short_repr(text)}: low is above high "
                f"({read_bound.describe(path.kind.show)})"
            )
        out[text] = read_bound
    return FrozenDict(out)


#: At most this many bounded settings are named when a rep changes one that is not.
_LISTED = 10


@attrs.frozen(kw_only=True)
class Settings:
    """Configuration in layers: the organisation's, each team's, each rep's own.

    - ``organisation``: a :class:`~guided_actions.Config`, or a mapping of setting paths to
      values applied to the library's defaults;
    - ``teams``: ``{team_id: {setting: value}}``, applied in each user's ``team_ids`` order, a
      later team overriding an earlier one; teams are set by admins and are not bounded;
    - ``reps``: ``{user_id: {setting: value}}``, the rep's own overrides, applied last: each
      must name a setting the admin bounded, with a value within its bound;
    - ``bounds``: ``{setting: Bound}``, what reps may change, and to what.

    A setting is named by a dotted path derived from ``Config``: ``thresholds.<rule>.<name>``,
    ``grouping.<rule>``, ``disabled_rules.<rule>`` and ``engagement_kinds.<kind>`` (true or
    false: sets are layered member by member), ``feed_limit``, ``feed_window``,
    ``snooze_high``, ``ranking.<weight>``…; a duration may be a ``timedelta`` or text (``"7d"``,
    ``"36h"``, ``"PT90M"``). Everything is checked when the settings are built, except the rule
    ids and threshold names, which are checked against the rules evaluated (as ``Config``'s are):
    :class:`~guided_actions.errors.InvalidConfigError` names the layer, the setting, the value
    and, for a rep, the bounds. Settings are immutable, compare, hash and pickle.

    Pass them as ``config=`` to ``evaluate``, ``evaluate_all``, ``explain`` or ``summarize``:
    each user is evaluated with their own effective ``Config``.
    """

    organisation: Config = attrs.field(factory=Config, converter=_organisation)
    teams: Mapping[str, Mapping[str, object]] = attrs.field(factory=dict, converter=_teams)
    reps: Mapping[str, Mapping[str, object]] = attrs.field(factory=dict, converter=_reps)
    bounds: Mapping[str, Bound] = attrs.field(factory=dict, converter=_bounds)

    def __attrs_post_init__(self) -> None:
        for user_id, overrides in self.reps.items():
            for text, value in overrides.items():
                self._check_rep(user_id, text, value)

    def _check_rep(self, user_id: str, text: str, value: object) -> None:
        bound = self.bounds.get(text)
        if bound is None:
            bounded = sorted(self.bounds)
            if not bounded:
                allows = "the admin has bounded no setting, so reps may change none"
            else:
                named = ", ".join(map(short_repr, bounded[:_LISTED]))
                more = f" and {len(bounded) - _LISTED} more" if len(bounded) > _LISTED else ""
                allows = f"the admin allows: {named}{more}"
            raise InvalidConfigError(
                f"{_rep_label(user_id)} may not change {short_repr(text)}; {allows}"
            )
        if not bound.admits(value):
            show = _read_path(text).kind.show
            raise InvalidConfigError(
                f"{_rep_label(user_id)} may not set {short_repr(text)} to {show(value)}: "
                f"the admin's bounds are {bound.describe(show)}"
            )

    # -- reading the layers from plain data and TOML ----------------------------------------

    @classmethod
    def from_dict(cls, data: object, *, base: Config | None = None) -> Settings:
        """Settings from plain data, as a TOML or JSON document holds them: the tables
        ``organisation``, ``teams`` (one table per team id), ``reps`` (one per user id) and
        ``bounds`` (one ``{low, high}`` or ``{allowed}`` table per setting), each optional.

        A setting may be written as one dotted key or as nested tables (``feed_limit``,
        ``thresholds.email_replies.lifetime``). The organisation's settings apply to ``base``
        (default: the library's defaults; a rule set's ``config`` keeps what plugins adjusted).
        """
        if not isinstance(data, Mapping):
            raise InvalidConfigError(f"settings must be a table, got {short_repr(data)}")
        unknown = [k for k in data if k not in _TABLES]
        if unknown:
            raise InvalidConfigError(
                f"unknown table {short_repr(unknown[0])}; the tables are organisation, "
                "teams.<team id>, reps.<user id> and bounds"
            )
        overrides = _layer("organisation", _flat("organisation", data.get("organisation", {})))
        try:
            org = _apply(base if base is not None else Config(), overrides)
        except InvalidConfigError as exc:
            raise InvalidConfigError(f"organisation: {exc}") from None
        teams = {tid: _flat(_team_label(tid), table) for tid, table in _ids("teams", data).items()}
        reps = {uid: _flat(_rep_label(uid), table) for uid, table in _ids("reps", data).items()}
        bounds = data.get("bounds", {})
        if not isinstance(bounds, Mapping):
            raise InvalidConfigError(f"bounds must be a table, got {short_repr(bounds)}")
        return cls(organisation=org, teams=teams, reps=reps, bounds=_bound_tables(bounds))

    @classmethod
    def from_toml(cls, text: str, *, base: Config | None = None) -> Settings:
        """Settings from the text of a TOML document (see :meth:`from_dict`), parsed with the
        standard library: a syntax error is an ``InvalidConfigError`` giving its line."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidConfigError(f"not valid TOML: {exc}") from None
        return cls.from_dict(data, base=base)

    # -- resolving a user's configuration ---------------------------------------------------

    def layers_of(self, user: User) -> list[tuple[Layer, Mapping[str, object]]]:
        """The layers above the organisation that apply to ``user``, in the order they apply:
        the user's teams in ``team_ids`` order, then the rep's own."""
        layers: list[tuple[Layer, Mapping[str, object]]] = [
            (f"team:{tid}", self.teams[tid]) for tid in user.team_ids if tid in self.teams
        ]
        if user.id in self.reps:
            layers.append((f"rep:{user.id}", self.reps[user.id]))
        return layers

    def config_of(self, user: User, rules: Sequence[Rule]) -> Config:
        """The effective ``Config`` of ``user`` (a record), its layers checked against
        ``rules``: what the engine calls; :meth:`config_for` is the public form."""
        layers = self.layers_of(user)
        self._check_names(layers, rules, organisation=True)
        config = self.organisation
        for layer, overrides in layers:
            try:
                config = _apply(config, overrides)
            except InvalidConfigError as exc:
                raise InvalidConfigError(f"{_describe(layer)}: {exc}") from None
        return config

    def config_for(
        self, snapshot: SnapshotReader, user: str | User, *, rules: RuleSetLike | None = None
    ) -> Config:
        """The effective ``Config`` of ``user`` (an id or a ``User``, looked up in
        ``snapshot`` for its teams): what ``evaluate(..., config=settings)`` evaluates with."""
        target, _viewer, _private = resolve_viewer(snapshot, user, None)
        return prepare(rules, self, target).config

    def provenance(
        self, snapshot: SnapshotReader, user: str | User, *, rules: RuleSetLike | None = None
    ) -> dict[str, Layer]:
        """For every effective setting of ``user``, by path, the layer its value came from:
        ``"default"``, ``"organisation"``, ``"team:<id>"`` or ``"rep:<id>"``.

        A team or a rep's layer is named for every setting it lists; the organisation (a whole
        ``Config``) for every value that differs from the library's default.
        """
        target, chosen, _config = self._resolve(snapshot, user, rules)
        layers = self.layers_of(target)
        mentioned = [text for _layer, overrides in layers for text in overrides]
        defaults = setting_values(Config(), chosen, mentioned)
        ours = setting_values(self.organisation, chosen, mentioned)
        out: dict[str, Layer] = {
            path: ORGANISATION if ours[path] != defaults[path] else DEFAULT for path in ours
        }
        for layer, overrides in layers:
            for text in overrides:
                out[text] = layer
        return out

    def effective(
        self, snapshot: SnapshotReader, user: str | User, *, rules: RuleSetLike | None = None
    ) -> dict[str, object]:
        """The effective value of every setting of ``user``, by path, in the order of
        :meth:`provenance`: ``config_for``'s ``Config``, setting by setting."""
        target, chosen, config = self._resolve(snapshot, user, rules)
        mentioned = [text for _layer, overrides in self.layers_of(target) for text in overrides]
        return setting_values(config, chosen, mentioned)

    def check(self, rules: RuleSetLike | None = None) -> None:
        """Check every layer and bound against ``rules`` (default: the built-in rules): each
        rule id and threshold name they use must exist. ``evaluate`` checks the layers of the
        user it evaluates; this checks them all at once (the command line does, on loading)."""
        chosen = choose_rules(rules).rules
        layers: list[tuple[Layer, Mapping[str, object]]] = [
            *((f"team:{tid}", overrides) for tid, overrides in self.teams.items()),
            *((f"rep:{uid}", overrides) for uid, overrides in self.reps.items()),
            ("bounds", self.bounds),
        ]
        self._check_names(layers, chosen, organisation=True)

    def _resolve(
        self, snapshot: SnapshotReader, user: str | User, rules: RuleSetLike | None
    ) -> tuple[User, tuple[Rule, ...], Config]:
        target, _viewer, _private = resolve_viewer(snapshot, user, None)
        chosen = choose_rules(rules).rules
        return target, chosen, self.config_of(target, chosen)

    def _check_names(
        self,
        layers: Iterable[tuple[Layer, Mapping[str, object]]],
        rules: Sequence[Rule],
        *,
        organisation: bool,
    ) -> None:
        """Every rule id and threshold name the layers use exists among ``rules``."""
        if organisation:
            try:
                self.organisation.apply(rules)
            except InvalidConfigError as exc:
                raise InvalidConfigError(f"organisation: {exc}") from None
        known = {rule.id: rule for rule in rules}
        for layer, overrides in layers:
            for text in overrides:
                path = _read_path(text)
                if path.rule is None:
                    continue
                rule = known.get(path.rule)
                if rule is None:
                    raise InvalidConfigError(
                        f"{_describe(layer)}, setting {short_repr(text)}: no rule "
                        f"{short_repr(path.rule)} is evaluated"
                    )
                if path.name is not None and path.name not in rule.thresholds():
                    declared = ", ".join(rule.thresholds()) or "none"
                    raise InvalidConfigError(
                        f"{_describe(layer)}, setting {short_repr(text)}: rule "
                        f"{short_repr(rule.id)} has no threshold {short_repr(path.name)}; its "
                        f"thresholds: {declared}"
                    )


def _describe(layer: Layer) -> str:
    """A layer as messages name it: ``team 'emea'``, ``rep 'u1'``, ``organisation``."""
    kind, _, key = layer.partition(":")
    if kind == "team":
        return _team_label(key)
    if kind == "rep":
        return _rep_label(key)
    return layer


# -- plain data (a TOML document) -----------------------------------------------------------

_TABLES = ("organisation", "teams", "reps", "bounds")
_BOUND_KEYS = ("low", "high", "allowed")


def _ids(table: str, data: Mapping[str, object]) -> Mapping[str, object]:
    value = data.get(table, {})
    if not isinstance(value, Mapping):
        raise InvalidConfigError(
            f"{table} must be a table of {table[:-1]} ids, got {short_repr(value)}"
        )
    return value


def _flat(where: str, table: object, prefix: str = "") -> dict[str, object]:
    """A table of settings with its nested tables joined into dotted paths."""
    if not isinstance(table, Mapping):
        raise InvalidConfigError(f"{where} must be a table of settings, got {short_repr(table)}")
    out: dict[str, object] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        items = _flat(where, value, f"{path}.") if isinstance(value, Mapping) else {path: value}
        for text, item in items.items():
            if text in out:
                raise InvalidConfigError(f"{where}: setting {short_repr(text)} is given twice")
            out[text] = item
    return out


def _bound_tables(table: Mapping[str, object], prefix: str = "") -> dict[str, Bound]:
    """The ``bounds`` table: a table without nested tables is one bound, the rest paths."""
    out: dict[str, Bound] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if not isinstance(value, Mapping):
            raise InvalidConfigError(
                f"bounds, setting {short_repr(path)}: must be a table such as "
                "{ low = ..., high = ... } or { allowed = [...] }, got "
                f"{short_repr(value)}"
            )
        if any(isinstance(v, Mapping) for v in value.values()):
            items = _bound_tables(value, f"{path}.")
        else:
            items = {path: _bound_table(path, value)}
        for text, bound in items.items():
            if text in out:
                raise InvalidConfigError(f"bounds: setting {short_repr(text)} is given twice")
            out[text] = bound
    return out


def _bound_table(path: str, table: Mapping[str, object]) -> Bound:
    unknown = [k for k in table if k not in _BOUND_KEYS]
    if unknown:
        raise InvalidConfigError(
            f"bounds, setting {short_repr(path)}: unknown key {short_repr(unknown[0])}; "
            "a bound has low and high, or allowed"
        )
    allowed = table.get("allowed")
    if allowed is not None and not isinstance(allowed, list):
        raise InvalidConfigError(
            f"bounds, setting {short_repr(path)}: allowed must be a list, got {short_repr(allowed)}"
        )
    try:
        return Bound(low=table.get("low"), high=table.get("high"), allowed=allowed)
    except InvalidConfigError as exc:
        raise InvalidConfigError(f"bounds, setting {short_repr(path)}: {exc}") from None
