"""The rest of the sales workspace (SPEC §7): tasks, sequence cards, schedule, insights, feed.

Every view is a pure function of the snapshot, ``now`` and the user, read with the same time
semantics as the rules (a record created after ``now`` does not exist; an event stamped after
``now`` has not happened; "today" is the user's calendar day).

Its texts (a feed entry's, a private meeting's "Busy", the feedback verdicts) are messages of the
catalogues: each is kept as its English template and parameters, and ``to_dict(locale=...)``
makes it in the reader's language.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, get_args

import attrs

from guided_actions._engine.actions import Action, Result
from guided_actions._engine.config import Config
from guided_actions._engine.evaluate import (
    RuleSetLike,
    check_now,
    context_for,
    evaluate_prepared,
    prepare,
    resolve_viewer,
)
from guided_actions._engine.settings import Settings
from guided_actions._engine.tables import Column, actions_table, arrow_table, to_pandas, to_polars
from guided_actions._model.records import (
    CallStatus,
    Dashboard,
    Email,
    EngagementKind,
    Meeting,
    Task,
    User,
    Verdict,
)
from guided_actions._model.time import day_bounds, shift, utc_iso
from guided_actions._rules.context import RuleContext
from guided_actions._snapshot.snapshot import Snapshot
from guided_actions._text.checks import Value
from guided_actions._text.i18n import N_, SOURCE_LOCALE, resolve_locale, translate
from guided_actions._text.render import render_template
from guided_actions._workspace import display
from guided_actions.errors import short_repr
from guided_actions.typing import SnapshotReader

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl
    import pyarrow as pa  # type: ignore[import-untyped]

__all__ = [
    "FeedEntry",
    "FeedbackSummary",
    "SequenceCard",
    "Summary",
    "feedback_summary",
    "summarize",
    "visible_dashboards",
]

_PRIORITY_RANK = {"high": 0, "medium": 1, "low": 2, "none": 3}

#: The parts of a workspace as tables (``Summary.to_arrow(part)``), and their columns.
SummaryPart = Literal["actions", "tasks", "schedule", "feed"]
SUMMARY_PARTS: tuple[SummaryPart, ...] = get_args(SummaryPart)
TASK_COLUMNS: tuple[Column, ...] = (("view", "string", False), ("task_id", "string", False))
SCHEDULE_COLUMNS: tuple[Column, ...] = (
    ("meeting_id", "string", False),
    ("title", "string", True),
    ("start", "timestamp", False),
    ("end", "timestamp", False),
)
FEED_COLUMNS: tuple[Column, ...] = (
    ("kind", "string", False),
    ("id", "string", False),
    ("at", "timestamp", False),
    ("text", "string", False),
)


_NO_DUE_DATE = datetime.max.replace(tzinfo=UTC)

#: How a meeting the viewer may not see is shown (in the schedule, the feed and reasons).
BUSY = N_("Busy")
#: The feed's texts: one message per call status and engagement kind, so that each reads
#: whole in every language.
_CALL_TEXTS: dict[str | None, str] = {
    **{status: f"Call ({status})" for status in get_args(CallStatus)},
    None: N_("Call (no status)"),
}
_ENGAGEMENT_TEXTS: dict[str, str] = {kind: f"{{who}}: {kind}" for kind in get_args(EngagementKind)}
#: The feedback a rep gives on an action, by verdict, as the product words it.
VERDICT_LABELS: dict[Verdict, str] = {
    "yes": N_("Yes, keep it up"),
    "not_really": N_("Not really"),
}
#: Every workspace message that is not written out where it is used (the extractor lists
#: them): the texts made per call status and engagement kind.
WORKSPACE_MESSAGES: tuple[str, ...] = (*_CALL_TEXTS.values(), *_ENGAGEMENT_TEXTS.values())


def verdict_label(verdict: Verdict, locale: str | None = SOURCE_LOCALE) -> str:
    """A feedback verdict (``"yes"``, ``"not_really"``) as a reader is shown it."""
    return translate(locale, VERDICT_LABELS[verdict])


def queue_order(task: Task) -> tuple[datetime, int, str]:
    """A work queue: earliest due first (no due date last), then priority high → none, then id."""
    return (task.due_at or _NO_DUE_DATE, _PRIORITY_RANK[task.priority], task.id)


def _sort_queue(tasks: Iterable[Task]) -> list[Task]:
    return sorted(tasks, key=queue_order)


@attrs.frozen(kw_only=True)
class SequenceCard:
    """One sequence with open tasks of the user: its steps and all its tasks, in queue order."""

    sequence_id: str
    name: str | None
    steps: tuple[tuple[int, tuple[str, ...]], ...]
    task_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "sequence_id": self.sequence_id,
            "name": self.name,
            "steps": [{"step": step, "task_ids": list(ids)} for step, ids in self.steps],
            "task_ids": list(self.task_ids),
        }


@attrs.frozen(kw_only=True)
class FeedEntry:
    """One item of the activity feed. ``text`` is English; :meth:`localized_text` gives it in
    another language."""

    kind: str
    id: str
    at: datetime
    text: str
    #: The English template of ``text`` and its parameters, to make it in another language
    #: (``None``: ``text`` itself is the message).
    _template: str | None = attrs.field(default=None, eq=False, repr=False, alias="_template")
    _params: tuple[tuple[str, Value], ...] = attrs.field(
        default=(), eq=False, repr=False, alias="_params"
    )

    @classmethod
    def of(
        cls, kind: str, id: str, at: datetime, template: str, params: Mapping[str, Value]
    ) -> FeedEntry:
        """The entry whose text is ``template`` (a message) filled with ``params``."""
        pairs = tuple(sorted(params.items()))
        return cls(
            kind=kind,
            id=id,
            at=at,
            text=render_template(template, dict(params)),
            _template=template,
            _params=pairs,
        )

    def localized_text(self, locale: str | None = SOURCE_LOCALE) -> str:
        """``text`` in ``locale``'s language."""
        if self._template is None:
            return translate(locale, self.text)
        return render_template(self._template, dict(self._params), locale)

    def to_dict(self, locale: str | None = SOURCE_LOCALE) -> dict[str, Any]:
        """``{"kind", "id", "at", "text"}``, the text in ``locale``'s language."""
        return {
            "kind": self.kind,
            "id": self.id,
            "at": utc_iso(self.at),
            "text": self.localized_text(locale),
        }


@attrs.frozen(kw_only=True, repr=False)
class Summary:
    """The workspace of one user at one instant, as a viewer sees it. ``to_dict()`` is pinned."""

    user_id: str
    viewer_id: str
    now: datetime
    due_today: tuple[str, ...]
    overdue: tuple[str, ...]
    due_tomorrow: tuple[str, ...]
    sequences: tuple[SequenceCard, ...]
    schedule: tuple[Mapping[str, Any], ...]
    meetings_today: tuple[str, ...]
    tasks_completed_today: tuple[str, ...]
    feed: tuple[FeedEntry, ...]
    #: The guided actions of ``evaluate`` for the same arguments.
    result: Result
    #: The schedule's meetings the viewer sees as busy (titled :data:`BUSY`), by id.
    _busy: frozenset[str] = attrs.field(default=frozenset(), eq=False, repr=False, alias="_busy")

    @property
    def actions(self) -> tuple[Action, ...]:
        """The guided actions, in order (``result.to_dicts()`` in ``to_dict()``)."""
        return self.result.actions

    def __repr__(self) -> str:
        return display.summary_repr(self)

    def _repr_html_(self) -> str:
        """The notebook's display: the task views, schedule, sequences, feed and actions."""
        return display.summary_html(self)

    def to_dict(self, locale: str | None = SOURCE_LOCALE) -> dict[str, Any]:
        """The pinned plain-dict form; ``locale`` translates its texts (the feed's, a busy
        meeting's title, the actions' titles, reasons and labels), never a key or an id."""
        lang = resolve_locale(locale)

        def count(ids: Sequence[str]) -> dict[str, Any]:
            return {"count": len(ids), "ids": list(ids)}

        scheduled = functools.partial(self._scheduled, lang=lang)
        return {
            "tasks": {
                "due_today": list(self.due_today),
                "overdue": list(self.overdue),
                "due_tomorrow": list(self.due_tomorrow),
            },
            "sequences": [card.to_dict() for card in self.sequences],
            "schedule": [scheduled(entry) for entry in self.schedule],
            "insights": {
                "meetings_today": count(self.meetings_today),
                "tasks_due_today": count(self.due_today),
                "overdue_tasks": count(self.overdue),
                "tasks_completed_today": count(self.tasks_completed_today),
            },
            "feed": [entry.to_dict(lang) for entry in self.feed],
            "actions": self.result.to_dicts(lang),
        }

    def _scheduled(self, entry: Mapping[str, Any], lang: str) -> dict[str, Any]:
        """A schedule entry as ``lang``'s reader is shown it (a busy meeting's title)."""
        shown = dict(entry)
        if lang != SOURCE_LOCALE and shown.get("meeting_id") in self._busy:
            shown["title"] = translate(lang, BUSY)
        return shown

    def to_arrow(
        self, part: SummaryPart = "actions", *, locale: str | None = SOURCE_LOCALE
    ) -> pa.Table:
        """One part of the workspace as a table (``docs/reference/frames.md``), texts in
        ``locale``'s language: ``"actions"`` (the tidy table of ``Result.to_arrow()``),
        ``"tasks"`` (``view, task_id``), ``"schedule"`` (``meeting_id, title, start, end``) or
        ``"feed"`` (``kind, id, at, text``). Needs pyarrow (``guided-actions[frames]``)."""
        return self._table(part, locale, "Summary.to_arrow()")

    def to_pandas(
        self, part: SummaryPart = "actions", *, locale: str | None = SOURCE_LOCALE
    ) -> pd.DataFrame:
        """:meth:`to_arrow` as a pandas ``DataFrame``. Needs pyarrow and pandas."""
        purpose = "Summary.to_pandas()"
        return to_pandas(self._table(part, locale, purpose), purpose)

    def to_polars(
        self, part: SummaryPart = "actions", *, locale: str | None = SOURCE_LOCALE
    ) -> pl.DataFrame:
        """:meth:`to_arrow` as a polars ``DataFrame``. Needs pyarrow and polars."""
        purpose = "Summary.to_polars()"
        return to_polars(self._table(part, locale, purpose), purpose)

    def _table(self, part: object, locale: str | None, purpose: str) -> pa.Table:
        lang = resolve_locale(locale)
        if part == "actions":
            return actions_table(self.result.actions, lang, purpose)
        if part == "tasks":
            views = (
                ("due_today", self.due_today),
                ("overdue", self.overdue),
                ("due_tomorrow", self.due_tomorrow),
                ("completed_today", self.tasks_completed_today),
            )
            rows: Iterable[tuple[object, ...]] = ((view, tid) for view, ids in views for tid in ids)
            return arrow_table(TASK_COLUMNS, rows, purpose)
        if part == "schedule":
            entries = (self._scheduled(entry, lang) for entry in self.schedule)
            rows = (
                (
                    e["meeting_id"],
                    e["title"],
                    datetime.fromisoformat(e["start"]),
                    datetime.fromisoformat(e["end"]),
                )
                for e in entries
            )
            return arrow_table(SCHEDULE_COLUMNS, rows, purpose)
        if part == "feed":
            rows = ((f.kind, f.id, f.at, f.localized_text(lang)) for f in self.feed)
            return arrow_table(FEED_COLUMNS, rows, purpose)
        *first, last = map(repr, SUMMARY_PARTS)
        raise ValueError(
            f"unknown part {short_repr(part)} of a summary; expected {', '.join(first)} or {last}"
        )


def _sequence_cards(ctx: RuleContext, open_tasks: Sequence[Task]) -> tuple[SequenceCard, ...]:
    by_sequence: dict[str, list[Task]] = defaultdict(list)
    for task in open_tasks:
        if task.sequence_id is not None:
            by_sequence[task.sequence_id].append(task)
    cards = []
    for sequence_id, tasks in by_sequence.items():
        queue = _sort_queue(tasks)
        steps: dict[int, list[str]] = defaultdict(list)
        for task in queue:
            if task.sequence_step is not None:
                steps[task.sequence_step].append(task.id)
        sequence = ctx.snapshot.sequence(sequence_id)
        cards.append(
            SequenceCard(
                sequence_id=sequence_id,
                name=sequence.name if sequence is not None else None,
                steps=tuple((step, tuple(ids)) for step, ids in sorted(steps.items())),
                task_ids=tuple(t.id for t in queue),
            )
        )
    cards.sort(key=lambda c: (c.name or "", c.sequence_id))
    return tuple(cards)


def _meeting_text(meeting: Meeting, private: bool) -> tuple[str, dict[str, Value]]:
    if private:
        return N_("Meeting (Busy) started"), {}
    if meeting.title:
        return N_("Meeting {title} started"), {"title": repr(meeting.title)}
    return N_("Meeting started"), {}


def _email_text(email: Email) -> tuple[str, dict[str, Value]]:
    if email.direction == "outbound":
        if email.to:
            return N_("Email sent to {recipients}"), {"recipients": tuple(email.to)}
        return N_("Email sent to no recipient"), {}
    if email.from_address:
        return N_("Email received from {sender}"), {"sender": email.from_address}
    return N_("Email received from unknown sender"), {}


def _feed(ctx: RuleContext, limit: int, window: timedelta) -> tuple[FeedEntry, ...]:
    now, since = ctx.now, shift(ctx.now, -window)
    snap, uid = ctx.snapshot, ctx.user.id
    entries: list[FeedEntry] = []

    def add(kind: str, rid: str, at: datetime | None, text: tuple[str, dict[str, Value]]) -> None:
        if at is not None and since < at <= now:
            template, params = text
            entries.append(FeedEntry.of(kind, rid, at, template, params))

    for email in snap.emails_in_mailbox(uid):
        add("email", email.id, email.sent_at, _email_text(email))
    for call in snap.calls_owned_by(uid):
        status = call.status or None
        call_text = _CALL_TEXTS.get(status)
        add(
            "call",
            call.id,
            call.started_at,
            (call_text, {}) if call_text is not None else ("Call ({status})", {"status": status}),
        )
    for meeting in snap.meetings_owned_by(uid):
        add("meeting", meeting.id, meeting.start, _meeting_text(meeting, ctx.busy(meeting)))
    # Tasks and contacts as of now: one created after now is not there yet.
    for task in ctx.tasks_owned():
        if task.status == "completed" and task.completed_at is not None:
            done: tuple[str, dict[str, Value]]
            if task.title:
                done = (N_("Task {title} completed"), {"title": repr(task.title)})
            else:
                done = (N_("Task completed"), {})
            add("task", task.id, task.completed_at, done)
    for contact in ctx.contacts_owned():
        for event in ctx.engagements(contact.id):
            who = contact.email or contact.id
            template = _ENGAGEMENT_TEXTS.get(event.kind, "{who}: {kind}")
            add(
                "engagement_event",
                event.id,
                event.occurred_at,
                (template, {"who": who, "kind": event.kind}),
            )
    entries.sort(key=lambda e: (-e.at.timestamp(), e.kind, e.id))
    return tuple(entries[:limit])


def summarize(
    snapshot: SnapshotReader,
    now: datetime,
    user: str | User,
    *,
    viewer: str | User | None = None,
    config: Config | Settings | None = None,
    rules: RuleSetLike | None = None,
) -> Summary:
    """The sales workspace of ``user`` at ``now``, as ``viewer`` sees it (SPEC §7).

    A user may view their own workspace; only a super admin may view another user's, and then
    every meeting is private (only its id, times and "Busy"). Anyone else gets
    :class:`~guided_actions.errors.ViewerPermissionError`. ``config`` and ``rules`` are those of
    :func:`~guided_actions.evaluate` (a :class:`RuleSet`'s configuration applies unless
    ``config`` is given; :class:`Settings` are resolved for the user), and ``config`` also
    bounds the feed.
    """
    now_utc = check_now(now)
    target, looker, private = resolve_viewer(snapshot, user, viewer)
    prepared = prepare(rules, config, target)
    result = evaluate_prepared(snapshot, now_utc, target, private, prepared, strict=False)
    config = prepared.config
    ctx = context_for(snapshot, now_utc, target, private, config)
    today_start, tomorrow_start = ctx.today()
    _, day_after = day_bounds(tomorrow_start, ctx.zone)

    mine = [t for t in snapshot.tasks_owned_by(target.id) if ctx.exists(t)]
    open_tasks = _sort_queue(t for t in mine if ctx.task_is_open(t))

    def due_between(start: datetime | None, end: datetime) -> tuple[str, ...]:
        return tuple(
            t.id
            for t in open_tasks
            if t.due_at is not None and (start is None or start <= t.due_at) and t.due_at < end
        )

    completed_today = sorted(
        (
            t
            for t in mine
            if not ctx.task_is_open(t)
            and t.completed_at is not None
            and today_start <= t.completed_at <= ctx.now
        ),
        key=lambda t: (t.completed_at, t.id),
    )
    meetings = sorted(
        (
            m
            for m in snapshot.meetings_owned_by(target.id)
            if today_start <= m.start < tomorrow_start
        ),
        key=lambda m: (m.start, m.id),
    )
    schedule = tuple(
        {
            "meeting_id": m.id,
            "start": utc_iso(m.start),
            "end": utc_iso(m.end),
            "title": BUSY if ctx.busy(m) else m.title,
        }
        for m in meetings
    )
    return Summary(
        user_id=target.id,
        viewer_id=looker.id,
        now=result.now,
        due_today=due_between(today_start, tomorrow_start),
        overdue=due_between(None, today_start),
        due_tomorrow=due_between(tomorrow_start, day_after),
        sequences=_sequence_cards(ctx, open_tasks),
        schedule=schedule,
        meetings_today=tuple(m.id for m in meetings),
        tasks_completed_today=tuple(t.id for t in completed_today),
        feed=_feed(ctx, config.feed_limit, config.feed_window),
        result=result,
        _busy=frozenset(m.id for m in meetings if ctx.busy(m)),
    )


def visible_dashboards(dashboards: Iterable[Dashboard], user: User) -> list[Dashboard]:
    """The dashboards ``user`` sees: confirmed ones, for everyone or for one of the user's teams.

    An unconfirmed dashboard (``view_access_confirmed`` false) is shown to nobody.
    """
    teams = set(user.team_ids)
    return [
        d
        for d in dashboards
        if d.view_access_confirmed and (d.access == "everyone" or teams.intersection(d.access))
    ]


@attrs.frozen(kw_only=True)
class FeedbackSummary:
    """Counts of ``yes`` / ``not_really`` verdicts per rule, and per user and rule."""

    by_rule: Mapping[str, Mapping[str, int]]
    by_user: Mapping[str, Mapping[str, Mapping[str, int]]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "by_rule": {rule: dict(counts) for rule, counts in self.by_rule.items()},
            "by_user": {
                user: {rule: dict(c) for rule, c in rules.items()}
                for user, rules in self.by_user.items()
            },
        }


def _rule_of(action_key: str) -> str:
    return action_key.split(":", 1)[0]


def feedback_summary(snapshot: Snapshot) -> FeedbackSummary:
    """How useful reps found each rule: counts of each verdict per rule and per user.

    Feedback never hides an action; this is for admins tuning rules. The rule is read from the
    action key's prefix (``rule_id:…``). Rules and users are sorted; both verdicts always appear.
    """
    per_rule: dict[str, Counter[str]] = defaultdict(Counter)
    per_user: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for fb in snapshot.feedback:
        rule = _rule_of(fb.action_key)
        per_rule[rule][fb.verdict] += 1
        per_user[fb.user_id][rule][fb.verdict] += 1

    def counts(c: Counter[str]) -> dict[str, int]:
        return {"yes": c["yes"], "not_really": c["not_really"]}

    return FeedbackSummary(
        by_rule={rule: counts(per_rule[rule]) for rule in sorted(per_rule)},
        by_user={
            user: {rule: counts(per_user[user][rule]) for rule in sorted(per_user[user])}
            for user in sorted(per_user)
        },
    )
