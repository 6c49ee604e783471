"""The rule catalogue that ``guided-actions rules`` shows: one entry per rule of the rule set
(its declared data, plugin and threshold defaults), printed as JSON or as a table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from guided_actions._adapters.cli.render import WIDTH, wrap
from guided_actions._engine.ruleset import BUILTIN_PLUGIN
from guided_actions._plugins.loader import RuleSet
from guided_actions._text.render import format_duration

__all__ = ["catalogue", "catalogue_table"]


def _plugin_label(plugin: str | None) -> str:
    if plugin is None:
        return "-"
    return "builtin" if plugin == BUILTIN_PLUGIN else plugin


def catalogue(ruleset: RuleSet) -> list[dict[str, Any]]:
    """One JSON-ready entry per rule of ``ruleset``, in its order."""
    entries = []
    for rule in ruleset:
        cls = type(rule)
        docs = cls.threshold_docs()
        entries.append(
            {
                "id": cls.id,
                "title": cls.title,
                "category": cls.category,
                "priority": cls.priority,
                "subject_kind": cls.subject_kind,
                "grouped": cls.grouped,
                "grouping": cls.grouping,
                "created_at": cls.created_at_doc,
                "expires": cls.expires_doc,
                "plugin": _plugin_label(ruleset.plugin_of(cls.id)),
                "enabled": cls.id not in ruleset.config.disabled_rules,
                "thresholds": [
                    {
                        "name": name,
                        "default": format_duration(default),
                        "seconds": int(default.total_seconds()),
                        "doc": docs.get(name, ""),
                    }
                    for name, default in cls().thresholds().items()
                ],
            }
        )
    return entries


def _catalogue_head(entries: Sequence[Mapping[str, Any]]) -> str:
    builtin = sum(entry["plugin"] == "builtin" for entry in entries)
    if builtin == len(entries):
        return f"{len(entries)} built-in rules"
    plugins = sorted({entry["plugin"] for entry in entries} - {"builtin"})
    return (
        f"{len(entries)} rules: {builtin} built-in, {len(entries) - builtin} from "
        f"plugin{'s' if len(plugins) != 1 else ''} {', '.join(plugins)}"
    )


def catalogue_table(entries: list[dict[str, Any]]) -> list[str]:
    """The lines of the entries of :func:`catalogue` as a table, one block per rule."""
    lines = [_catalogue_head(entries)]
    for entry in entries:
        head = f"{entry['id']}  {entry['title']}"
        kind = f"{entry['category']}, {entry['priority']} priority"
        lines.extend(["", f"{head}  {kind.rjust(WIDTH - 2 - len(head))}"])
        disabled = "" if entry["enabled"] else " (disabled by the plugins' configuration)"
        lines.append(f"  plugin       {entry['plugin']}{disabled}")
        grouping = entry["grouping"] + (" (grouped by default)" if entry["grouped"] else "")
        lines.append(f"  subject      {entry['subject_kind']}; {grouping}")
        lines.extend(wrap(entry["created_at"] or "-", "  created at   ", " " * 15))
        lines.extend(wrap(entry["expires"] or "-", "  expires      ", " " * 15))
        if not entry["thresholds"]:
            lines.append("  thresholds   none")
        for i, t in enumerate(entry["thresholds"]):
            label = "thresholds   " if i == 0 else " " * 13
            lines.extend(wrap(f"{t['name']} = {t['default']}: {t['doc']}", f"  {label}", " " * 17))
    return lines
