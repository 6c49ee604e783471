"""The rule catalogue that ``guided-actions rules`` shows: one entry per rule of the rule set
(its declared data and calls to action, plugin and threshold defaults), printed as JSON or as a
table.

Both are in the language of the run (:mod:`.language`): in JSON, the texts (``title``, the calls
to action's ``label``, the docs) are translated, ids and keys never; in the table, its own words
too. A text that no catalogue translates (a plugin's doc, say) is shown as it is declared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from guided_actions._adapters.cli.language import _, language, ngettext, pgettext
from guided_actions._adapters.cli.render import (
    HEADING,
    LABEL,
    category_label,
    labelled,
    width,
)
from guided_actions._adapters.cli.terminal import Line, safe_text, styled
from guided_actions._engine.actions import PRIORITY_LABELS
from guided_actions._engine.ruleset import BUILTIN_PLUGIN
from guided_actions._plugins.loader import RuleSet
from guided_actions._rules.facts import rule_facts
from guided_actions._text.i18n import N_, SOURCE_LOCALE, resolve_locale, translate

__all__ = ["OPENS_TEXTS", "catalogue", "catalogue_table"]

#: What a call to action opens, as the table says it.
OPENS_TEXTS = {"queue": N_("opens the queue"), "records": N_("opens the records")}
#: The plugin of a built-in rule, as the catalogue names it (JSON and table, in English).
BUILTIN = "builtin"


def _plugin_label(plugin: str | None) -> str:
    if plugin is None:
        return "-"
    return BUILTIN if plugin == BUILTIN_PLUGIN else plugin


def catalogue(ruleset: RuleSet, locale: str | None = SOURCE_LOCALE) -> list[dict[str, Any]]:
    """One JSON-ready entry per rule of ``ruleset``, in its order, its texts in ``locale``'s
    language (its keys, ids and values such as ``category`` never change): the rule's facts
    (:func:`~guided_actions._rules.facts.rule_facts`, as the docs' rule pages show them), its
    plugin and whether it is enabled."""
    lang = resolve_locale(locale)
    entries = []
    for rule in ruleset:
        facts = rule_facts(type(rule), lang)
        entries.append(
            {
                "id": facts.id,
                "title": facts.title,
                "category": facts.category,
                "priority": facts.priority,
                "subject_kind": facts.subject_kind,
                "grouped": facts.grouped,
                "grouping": facts.grouping,
                "created_at": facts.created_at,
                "expires": facts.expires,
                "calls_to_action": [
                    {"id": c.id, "label": c.label, "opens": c.opens} for c in facts.calls_to_action
                ],
                "plugin": _plugin_label(ruleset.plugin_of(facts.id)),
                "enabled": facts.id not in ruleset.config.disabled_rules,
                "thresholds": [
                    {
                        "name": t.name,
                        "default": t.default_text,
                        "seconds": t.seconds,
                        "doc": t.doc,
                    }
                    for t in facts.thresholds
                ],
            }
        )
    return entries


def _catalogue_head(entries: Sequence[Mapping[str, Any]]) -> str:
    count = len(entries)
    builtin = sum(entry["plugin"] == BUILTIN for entry in entries)
    if builtin == count:
        return ngettext("{count} built-in rule", "{count} built-in rules", count).format(
            count=count
        )
    plugins = sorted({entry["plugin"] for entry in entries} - {BUILTIN})
    return ngettext(
        "{count} rules: {builtin} built-in, {others} from plugin {plugins}",
        "{count} rules: {builtin} built-in, {others} from plugins {plugins}",
        len(plugins),
    ).format(count=count, builtin=builtin, others=count - builtin, plugins=", ".join(plugins))


def _kind(entry: Mapping[str, Any]) -> str:
    """``deal, high priority``: the category (its label, from a small letter) and priority."""
    label = category_label(entry["category"])
    priority = _(PRIORITY_LABELS[entry["priority"]])
    return f"{label[:1].lower()}{label[1:]}, {priority}"


def catalogue_table(entries: list[dict[str, Any]]) -> list[Line]:
    """The lines of the entries of :func:`catalogue` as a table, one block per rule, as wide as
    the run's tables (:func:`~.render.width`)."""
    words = [_("plugin"), _("subject"), _("created at"), _("expires"), _("links"), _("thresholds")]
    label_width = max(len(word) for word in words) + 3
    plugin, subject, created, expires, links, thresholds = (w.ljust(label_width) for w in words)
    indent = " " * (2 + label_width)
    wide = width()
    lines: list[Line] = [styled((_catalogue_head(entries), "bold"))]
    lang = language()
    for entry in entries:
        rule_id, title = safe_text(entry["id"]), safe_text(entry["title"])
        head = f"{rule_id}  {title}"
        kind = _kind(entry)
        named = ((rule_id, HEADING), "  ", (title, "bold"))
        if len(head) + 2 + len(kind) <= wide:
            lines.extend(["", styled(*named, "  ", (kind.rjust(wide - 2 - len(head)), LABEL))])
        else:  # a long title: the category and priority on a line of their own
            lines.extend(["", styled(*named), styled((kind.rjust(wide), LABEL))])
        disabled = " " + _("(disabled by the plugins' configuration)")
        shown = pgettext("plugin", "builtin") if entry["plugin"] == BUILTIN else entry["plugin"]
        lines.extend(
            labelled(f"{shown}{disabled if not entry['enabled'] else ''}", f"  {plugin}", indent)
        )
        noun = translate(lang, entry["subject_kind"], "record kind")
        grouping = entry["grouping"]
        if entry["grouped"]:
            grouping += " " + _("(grouped by default)")
        lines.extend(labelled(f"{noun}; {grouping}", f"  {subject}", indent))
        lines.extend(labelled(entry["created_at"] or "-", f"  {created}", indent))
        lines.extend(labelled(entry["expires"] or "-", f"  {expires}", indent))
        if not entry["calls_to_action"]:
            lines.extend(labelled(pgettext("no link", "none"), f"  {links}", indent))
        for i, c in enumerate(entry["calls_to_action"]):
            label = links if i == 0 else " " * label_width
            text = f"{c['label']} ({c['id']}; {_(OPENS_TEXTS[c['opens']])})"
            lines.extend(labelled(text, f"  {label}", indent + "  "))
        if not entry["thresholds"]:
            lines.extend(labelled(pgettext("no threshold", "none"), f"  {thresholds}", indent))
        for i, t in enumerate(entry["thresholds"]):
            label = thresholds if i == 0 else " " * label_width
            text = _("{name} = {default}: {doc}").format(
                name=t["name"], default=t["default"], doc=t["doc"]
            )
            lines.extend(labelled(text, f"  {label}", indent + "  "))
    return lines
