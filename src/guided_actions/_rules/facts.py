"""A rule's facts, as a catalogue shows them: one function for every place that lists the rules.

:func:`rule_facts` reads a rule class's declared data (its title and the title's translation in
each shipped language, its thresholds with their defaults rendered, its criteria's texts at those
defaults, its calls to action, grouping, ``created_at`` and expiry docs) and returns them as
:class:`RuleFacts`, its texts in one language. The command line's ``rules`` catalogue and the
docs' rule pages are both written from these facts, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta

import attrs

from guided_actions._rules.rule import Rule
from guided_actions._text.i18n import SOURCE_LOCALE, resolve_locale, shipped_locales, translate
from guided_actions._text.render import format_duration, render_template

__all__ = [
    "CallToActionFacts",
    "CriterionFacts",
    "RuleFacts",
    "ThresholdFacts",
    "placeholder",
    "rule_facts",
]


def placeholder(name: str) -> str:
    """How a criterion's text shows a value that varies case by case: ``{deal}``."""
    return f"{{{name}}}"


@attrs.frozen(kw_only=True)
class ThresholdFacts:
    """A threshold: its name, default (as a duration, its text and in seconds) and doc."""

    name: str
    default: timedelta
    default_text: str
    seconds: int
    doc: str


@attrs.frozen(kw_only=True)
class CriterionFacts:
    """A criterion: its stable id, role, and its texts when met and not, at the defaults."""

    id: str
    role: str
    met: str
    unmet: str


@attrs.frozen(kw_only=True)
class CallToActionFacts:
    """A call to action: its id, label and what it opens (``queue`` or ``records``)."""

    id: str
    label: str
    opens: str


@attrs.frozen(kw_only=True)
class RuleFacts:
    """Everything a catalogue says about one rule, its texts in one language (``locale``).

    ``titles`` holds the title in every shipped language but English, by locale. A declared
    text that no catalogue translates (a plugin's doc, say) is as declared.
    """

    id: str
    class_name: str
    locale: str
    title: str
    titles: Mapping[str, str]
    category: str
    priority: str
    subject_kind: str
    grouped: bool
    grouping: str
    created_at: str
    expires: str
    thresholds: tuple[ThresholdFacts, ...]
    criteria: tuple[CriterionFacts, ...]
    calls_to_action: tuple[CallToActionFacts, ...]


def _text(lang: str, text: str) -> str:
    return translate(lang, text) if text else text


def rule_facts(
    cls: type[Rule],
    locale: str | None = SOURCE_LOCALE,
    *,
    show_field: Callable[[str], str] = placeholder,
) -> RuleFacts:
    """The facts of the rule class ``cls``, its texts in ``locale``'s language. A criterion's
    text shows its rule's default thresholds, and each other field as ``show_field(name)``
    (default ``{name}``)."""
    lang = resolve_locale(locale)
    defaults = cls().thresholds()
    docs = cls.threshold_docs()
    return RuleFacts(
        id=cls.id,
        class_name=cls.__name__,
        locale=lang,
        title=cls.localized_title(lang),
        titles={
            other: cls.localized_title(other)
            for other in shipped_locales()
            if other != SOURCE_LOCALE
        },
        category=cls.category,
        priority=cls.priority,
        subject_kind=cls.subject_kind,
        grouped=cls.grouped,
        grouping=_text(lang, cls.grouping),
        created_at=_text(lang, cls.created_at_doc),
        expires=_text(lang, cls.expires_doc),
        thresholds=tuple(
            ThresholdFacts(
                name=name,
                default=default,
                default_text=format_duration(default, lang),
                seconds=int(default.total_seconds()),
                doc=_text(lang, docs.get(name, "")),
            )
            for name, default in defaults.items()
        ),
        criteria=tuple(
            CriterionFacts(
                id=c.id,
                role=c.role,
                met=_criterion_text(c.met, c.fields, defaults, lang, show_field),
                unmet=_criterion_text(c.unmet, c.fields, defaults, lang, show_field),
            )
            for c in cls.criteria
        ),
        calls_to_action=tuple(
            CallToActionFacts(id=c.id, label=_text(lang, c.label), opens=c.opens)
            for c in cls.calls_to_action
        ),
    )


def _criterion_text(
    template: str,
    fields: frozenset[str],
    defaults: Mapping[str, timedelta],
    lang: str,
    show_field: Callable[[str], str],
) -> str:
    params: dict[str, object] = {name: defaults.get(name, show_field(name)) for name in fields}
    return render_template(template, params, lang)
