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
from guided_actions._adapters.cli.render import WIDTH, category_label, wrap
from guided_actions._engine.actions import PRIORITY_LABELS
from guided_actions._engine.ruleset import BUILTIN_PLUGIN
from guided_actions._plugins.loader import RuleSet
from guided_actions._text.i18n import N_, SOURCE_LOCALE, resolve_locale, translate
from guided_actions._text.render import format_duration

__all__ = ["OPENS_TEXTS", "catalogue", "catalogue_table"]

#: What a call to action opens, as the table says it.
OPENS_TEXTS = {"queue": N_("opens the queue"), "records": N_("opens the records")}
#: The plugin of a built-in rule, as the catalogue names it (JSON and table, in English).
BUILTIN = "builtin"


def _plugin_label(plugin: str | None) -> str:
    if plugin is None:
        return "-"
    return BUILTIN if plugin == BUILTIN_PLUGIN else plugin


def _text(lang: str, text: str) -> str:
    """A declared text (a doc, a label) in ``lang``, as declared when no catalogue has it."""
    return translate(lang, text) if text else text


def catalogue(ruleset: RuleSet, locale: str | None = SOURCE_LOCALE) -> list[dict[str, Any]]:
    """One JSON-ready entry per rule of ``ruleset``, in its order, its texts in ``locale``'s
    language (its keys, ids and values such as ``category`` never change)."""
    lang = resolve_locale(locale)
    entries = []
    for rule in ruleset:
        cls = type(rule)
        docs = cls.threshold_docs()
        entries.append(
            {
                "id": cls.id,
                "title": cls.localized_title(lang),
                "category": cls.category,
                "priority": cls.priority,
                "subject_kind": cls.subject_kind,
                "grouped": cls.grouped,
                "grouping": _text(lang, cls.grouping),
                "created_at": _text(lang, cls.created_at_doc),
                "expires": _text(lang, cls.expires_doc),
                "calls_to_action": [
                    {**c.to_dict(), "label": _text(lang, c.label)} for c in cls.calls_to_action
                ],
                "plugin": _plugin_label(ruleset.plugin_of(cls.id)),
                "enabled": cls.id not in ruleset.config.disabled_rules,
                "thresholds": [
                    {
                        "name": name,
                        "default": format_duration(default, lang),
                        "seconds": int(default.total_seconds()),
                        "doc": _text(lang, docs.get(name, "")),
                    }
                    for name, default in cls().thresholds().items()
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


def catalogue_table(entries: list[dict[str, Any]]) -> list[str]:
    """The lines of the entries of :func:`catalogue` as a table, one block per rule."""
    words = [_("plugin"), _("subject"), _("created at"), _("expires"), _("links"), _("thresholds")]
    width = max(len(word) for word in words) + 3
    plugin, subject, created, expires, links, thresholds = (w.ljust(width) for w in words)
    indent = " " * (2 + width)
    lines = [_catalogue_head(entries)]
    lang = language()
    for entry in entries:
        head = f"{entry['id']}  {entry['title']}"
        kind = _kind(entry)
        if len(head) + 2 + len(kind) <= WIDTH:
            lines.extend(["", f"{head}  {kind.rjust(WIDTH - 2 - len(head))}"])
        else:  # a long title: the category and priority on a line of their own
            lines.extend(["", head, kind.rjust(WIDTH)])
        disabled = " " + _("(disabled by the plugins' configuration)")
        shown = pgettext("plugin", "builtin") if entry["plugin"] == BUILTIN else entry["plugin"]
        lines.append(f"  {plugin}{shown}{disabled if not entry['enabled'] else ''}")
        noun = translate(lang, entry["subject_kind"], "record kind")
        grouping = entry["grouping"]
        if entry["grouped"]:
            grouping += " " + _("(grouped by default)")
        lines.append(f"  {subject}{noun}; {grouping}")
        lines.extend(wrap(entry["created_at"] or "-", f"  {created}", indent))
        lines.extend(wrap(entry["expires"] or "-", f"  {expires}", indent))
        if not entry["calls_to_action"]:
            lines.append(f"  {links}" + pgettext("no link", "none"))
        for i, c in enumerate(entry["calls_to_action"]):
            label = links if i == 0 else " " * width
            text = f"{c['label']} ({c['id']}; {_(OPENS_TEXTS[c['opens']])})"
            lines.extend(wrap(text, f"  {label}", indent + "  "))
        if not entry["thresholds"]:
            lines.append(f"  {thresholds}" + pgettext("no threshold", "none"))
        for i, t in enumerate(entry["thresholds"]):
            label = thresholds if i == 0 else " " * width
            text = _("{name} = {default}: {doc}").format(
                name=t["name"], default=t["default"], doc=t["doc"]
            )
            lines.extend(wrap(text, f"  {label}", indent + "  "))
    return lines
