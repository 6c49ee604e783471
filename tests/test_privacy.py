"""Private meetings (SPEC §7): what a super admin viewing another user may know, on every surface.

A meeting, and a follow-up task of a meeting (which lists what its meeting lists), is never named
as the evidence of an action about another record: it is "an activity", with no id. A meeting is
shown only as itself (the subject of a meeting rule, the schedule, the feed): its id, its times
and "Busy". The user viewing themself sees everything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guided_actions import (
    Deal,
    Lead,
    Meeting,
    Result,
    Snapshot,
    Task,
    User,
    evaluate,
    explain,
    summarize,
)
from guided_actions._adapters.cli import main
from guided_actions._engine.actions import Action
from guided_actions._engine.explain import Explanation
from guided_actions._model.records import Record
from guided_actions.criteria import Check, Ref
from guided_actions.testing import (
    NOW,
    at,
    build,
    company,
    contact,
    deal,
    issued,
    lead,
    meeting,
    task,
)
from strategies import SMALL_STEPS, snapshots
from test_properties import all_records, lifecycle_of, scaled

Case = tuple[Snapshot, datetime, str]

# -- one snapshot, every surface ----------------------------------------------------------------

#: What the super admin must not learn: the meetings' titles, the follow-up task's title, the
#: attendees, their company and its name.
SECRETS = (
    "Secret board dinner",
    "Send the board pack",
    "Quiet merger chat",
    "chair@board.test",
    "Board Holdings",
)
#: Ids that must not appear, as whole words: the private meeting m1, its follow-up task t1, the
#: attendee c9 and the attendee's company co9.
HIDDEN_IDS = ("m1", "t1", "c9", "co9")


def _snapshot() -> Snapshot:
    """Private meeting m1 about deal d1 and lead l1 (ended 10 days ago), its follow-up task t1
    (completed 9 days ago), and meeting m2 about deal d2 (ended 3 days ago: still a follow-up
    action of its own). Both deals need their next steps updated after those activities."""
    return build(
        company("co9", name="Board Holdings"),
        contact("c1", created_at=at(days=-30)),
        contact("c9", owner_id="u2", email="chair@board.test", company_ids=("co9",)),
        deal("d1", stage_id="new", created_at=at(days=-20), contact_ids=("c1",)),
        deal("d2", stage_id="proposal", created_at=at(days=-5), contact_ids=("c1",)),
        lead("l1", contact_id="c1", created_at=at(days=-12)),
        meeting(
            "m1",
            title="Secret board dinner",
            start=at(days=-10),
            end=at(days=-10, hours=2),
            contact_ids=("c9",),
            company_ids=("co9",),
            deal_ids=("d1",),
            lead_ids=("l1",),
        ),
        task(
            "t1",
            title="Send the board pack",
            meeting_id="m1",
            created_at=at(days=-10, hours=3),
            status="completed",
            completed_at=at(days=-9),
        ),
        meeting(
            "m2",
            title="Quiet merger chat",
            start=at(days=-3),
            end=at(days=-3, hours=1),
            contact_ids=("c9",),
            deal_ids=("d2",),
        ),
    )


SNAPSHOT = _snapshot()
#: Records explained, whether or not they have an action.
EXPLAINED = ("deal:d1", "deal:d2", "lead:l1", "meeting:m1", "meeting:m2", "task:t1")


def _flat(text: str) -> str:
    """Whitespace collapsed: a table may wrap a title over two lines."""
    return " ".join(text.split())


def _words(ids: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, ids)) + r")(?![\w-])")


def _param_strings(value: object) -> Iterator[str]:
    """Every string a check parameter holds, a record reference's id and detail included."""
    if isinstance(value, tuple):
        for v in value:
            yield from _param_strings(v)
    elif isinstance(value, Ref):
        yield f"{value.kind} {value.id} {value.detail}"
    elif value is not None:
        yield str(value)


def _checks_text(checks: Iterable[Check]) -> str:
    return " | ".join(s for c in checks for _name, v in c.params for s in _param_strings(v))


def _action_surfaces(action: Action) -> dict[str, str]:
    return {
        "to_dict": json.dumps(action.to_dict()),
        "reasons": " | ".join(action.reasons),
        "checks": _checks_text(action.checks),
        "explain()": action.explain(),
    }


def _explanation_surfaces(explanation: Explanation) -> dict[str, str]:
    return {
        "to_dict": json.dumps(explanation.to_dict()),
        "checks": " | ".join(_checks_text(r.checks) for r in explanation),
    }


def _cli(capsys: pytest.CaptureFixture[str], path: Path, *args: str) -> str:
    assert main([*args[:1], str(path), "--user", "u1", "--now", NOW.isoformat(), *args[1:]]) == 0
    return capsys.readouterr().out


def surfaces(viewer: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> dict[str, str]:
    """Every text the viewer can see of u1's actions, explanations and workspace, by surface;
    a surface about one record is keyed ``"<surface> <kind>:<id>"``."""
    result = evaluate(SNAPSHOT, NOW, "u1", viewer=viewer, strict=True)
    out = {"evaluate to_dicts": json.dumps(result.to_dicts())}
    for action in result:
        subject = ",".join(f"{k}:{i}" for k, i in action.subjects)
        for name, text in _action_surfaces(action).items():
            out[f"action {name} {subject}"] = text
    subjects = {f"{k}:{i}" for action in result for k, i in action.subjects}
    for subject in sorted(subjects | set(EXPLAINED)):
        for name, text in _explanation_surfaces(
            explain(SNAPSHOT, NOW, "u1", subject, viewer=viewer)
        ).items():
            out[f"explain {name} {subject}"] = text
    out["summarize to_dict"] = json.dumps(summarize(SNAPSHOT, NOW, "u1", viewer=viewer).to_dict())
    path = tmp_path / "crm.json"
    path.write_text(json.dumps(SNAPSHOT.to_dict()), encoding="utf-8")
    for fmt in ("table", "json"):
        for command in ("evaluate", "workspace"):
            out[f"cli {command} {fmt}"] = _cli(
                capsys, path, command, "--viewer", viewer, "--format", fmt
            )
        for subject in EXPLAINED:
            out[f"cli explain {fmt} {subject}"] = _cli(
                capsys, path, "explain", "--viewer", viewer, "--subject", subject, "--format", fmt
            )
    return {name: _flat(text) for name, text in out.items()}


class TestEverySurface:
    def test_the_super_admin_learns_nothing_of_the_private_meeting(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        """Viewed by a super admin, no surface names m1, t1, a meeting's title or attendee,
        except the explanations of m1 and t1 themselves, which name their subject only."""
        seen = surfaces("admin", capsys, tmp_path)
        hidden = _words(HIDDEN_IDS)
        for name, text in seen.items():
            for secret in SECRETS:
                if secret == "Send the board pack" and name.endswith("task:t1"):
                    continue  # the task explained is named as the user sees it (below)
                assert secret not in text, (name, secret)
            found = set(hidden.findall(text))
            if name.endswith("meeting:m1"):
                assert found <= {"m1"}, (name, found)
            elif name.endswith("task:t1"):
                assert found <= {"t1"}, (name, found)
            else:
                assert not found, (name, found)

    def test_a_meeting_is_named_only_as_itself(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        """m2 is the subject of its own follow-up action (busy, no association) and a feed entry;
        the update of d2's next step, which m2 alone causes, does not name it."""
        seen = surfaces("admin", capsys, tmp_path)
        m2 = _words(["m2"])
        for name, text in seen.items():
            if name.startswith(("action", "explain")) and not name.endswith("meeting:m2"):
                assert not m2.search(text), name
        result = evaluate(SNAPSHOT, NOW, "u1", viewer="admin")
        [follow_up] = result.filter(rule="meeting_follow_up")
        assert follow_up.subjects == (("meeting", "m2"),)
        assert (follow_up.contact_ids, follow_up.company_ids) == ((), ())
        assert "meeting m2 (Busy) started at 2026-11-23T12:00+00:00" in follow_up.reasons
        assert "Meeting (Busy) started" in seen["summarize to_dict"]

    def test_evidence_reads_an_activity(self) -> None:
        """Where the user reads the meeting or its task, the super admin reads "an activity",
        and the check holds a reference with no id at all."""
        result = evaluate(SNAPSHOT, NOW, "u1", viewer="admin", strict=True)
        [d1] = result.about("deal", "d1").filter(rule="update_next_steps")
        assert d1.reasons[2] == "an activity listing deal d1 ended at 2026-11-17T12:00+00:00"
        assert "an activity ended more than 1 day ago, at 2026-11-17T12:00+00:00" in d1.reasons
        assert dict(d1.checks[2].params)["activity"] == Ref("activity", None, private=True)
        why = explain(SNAPSHOT, NOW, "u1", "deal:d1", viewer="admin").get("initial_outreach_needed")
        assert why is not None
        assert "deal d1 is listed by an activity, an activity" in [str(c) for c in why.checks]
        lead_why = explain(SNAPSHOT, NOW, "u1", "lead:l1", viewer="admin").get(
            "newly_assigned_leads"
        )
        assert lead_why is not None
        assert any(
            str(c).startswith("you logged an activity listing lead l1 at") for c in lead_why.checks
        )

    def test_the_user_sees_everything(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        """The other side: viewing themself, u1 reads the meeting, its task and their titles
        where the super admin reads "an activity"."""
        seen = surfaces("u1", capsys, tmp_path)
        d1 = seen["action reasons deal:d1"]
        assert "task t1 'Send the board pack' listing deal d1 ended at" in d1
        assert "meeting m2 'Quiet merger chat' listing deal d2" in seen["action reasons deal:d2"]
        why = seen["explain to_dict deal:d1"]
        assert "listed by meeting m1 'Secret board dinner', task t1 'Send the board pack'" in why
        assert (
            "you logged meeting m1 'Secret board dinner' listing lead l1"
            in seen["explain to_dict lead:l1"]
        )
        assert "Secret board dinner" in seen["cli explain table deal:d1"]
        assert "Send the board pack" in seen["cli evaluate json"]
        [follow_up] = evaluate(SNAPSHOT, NOW, "u1").filter(rule="meeting_follow_up")
        assert follow_up.contact_ids == ("c9",)

    def test_explaining_the_meeting_or_its_task(self) -> None:
        """Explained to a super admin, m1 is busy and t1 is the user's task, named as the user
        sees it; neither names the other, nor what they are about."""
        m1 = explain(SNAPSHOT, NOW, "u1", "meeting:m1", viewer="admin")
        text = json.dumps(m1.to_dict())
        assert "meeting m1 (Busy)" in text
        assert "Secret board dinner" not in text
        t1 = explain(SNAPSHOT, NOW, "u1", "task:t1", viewer="admin")
        texts = [str(c) for r in t1 for c in r.checks]
        assert "task t1 'Send the board pack' was completed at 2026-11-17T12:00+00:00" in texts
        assert not any(re.search(r"\bm1\b|\bd1\b|Secret", t) for t in texts)

    def test_frozen_associations_of_a_private_meeting_are_not_shown(self) -> None:
        """Associations frozen by ``issued_actions`` do not show through a busy meeting."""
        [own] = evaluate(SNAPSHOT, NOW, "u1").filter(rule="meeting_follow_up")
        frozen = Snapshot.from_records(
            [*all_records(SNAPSHOT), issued(own.key, contact_ids=["c9"], company_ids=["co9"])]
        )
        [seen] = evaluate(frozen, NOW, "u1", viewer="admin").filter(rule="meeting_follow_up")
        assert (seen.contact_ids, seen.company_ids) == ((), ())
        [mine] = evaluate(frozen, NOW, "u1").filter(rule="meeting_follow_up")
        assert (mine.contact_ids, mine.company_ids) == (("c9",), ("co9",))


# -- the same, over generated CRMs ---------------------------------------------------------------

ADMIN = User(id="boss", email="boss@acme.test", super_admin=True)


def _evidence(data: st.DataObject, case: Case) -> list[Record]:
    """A meeting of the user's and perhaps a follow-up task of it, listing a deal and a lead of
    the user's, ended around the rules' thresholds: evidence for actions about other records."""
    _snapshot, now, user_id = case
    hours = data.draw(st.sampled_from((-1, 0, 1, 23, 24, 25, 24 * 7, 24 * 9, 24 * 40)))
    end = now - timedelta(hours=hours) + data.draw(st.sampled_from(SMALL_STEPS))
    held = Meeting(
        id="mx",
        owner_id=user_id,
        start=end - timedelta(hours=1),
        end=end,
        contact_ids=data.draw(st.sampled_from(((), ("c1",)))),
        deal_ids=("dx",),
        lead_ids=("lx",),
    )
    out: list[Record] = [
        held,
        Deal(
            id="dx",
            owner_id=user_id,
            pipeline_id="deals",
            stage_id=data.draw(st.sampled_from(("new", "proposal"))),
            created_at=now - timedelta(days=data.draw(st.sampled_from((3, 8, 20)))),
            contact_ids=("c1",),
        ),
        Lead(
            id="lx",
            contact_id="c1",
            owner_id=user_id,
            pipeline_id="leads",
            stage_id="new",
            created_at=held.start - timedelta(days=data.draw(st.sampled_from((-1, 1, 20)))),
        ),
    ]
    if data.draw(st.booleans()):
        done = data.draw(st.sampled_from((None, 0, 1, 30)))
        out.append(
            Task(
                id="fx",
                owner_id=user_id,
                created_at=end,
                meeting_id="mx",
                status="not_started" if done is None else "completed",
                completed_at=None if done is None else end + timedelta(hours=done),
            )
        )
    return out


def _with_secrets(case: Case, extra: Iterable[Record] = ()) -> Case:
    """The generated snapshot with a super admin, ``extra`` records, every meeting titled
    ``Hush <id>`` and every follow-up task ``Hush <id>`` too, so that a title in the output
    names its record."""
    snapshot, now, user_id = case
    records = []
    for record in all_records(snapshot):
        if isinstance(record, Meeting) or (isinstance(record, Task) and record.meeting_id):
            record = attrs.evolve(record, title=f"Hush {record.id}")
        records.append(record)
    rebuilt = Snapshot.from_records(
        [*records, *extra, ADMIN], lifecycle_stages=lifecycle_of(snapshot)
    )
    return rebuilt, now, user_id


def _is_private(snapshot: Snapshot, ref: Ref) -> bool:
    if ref.kind == "meeting":
        return True
    found = snapshot.task(ref.id) if ref.kind == "task" and ref.id is not None else None
    return found is not None and found.meeting_id is not None


def _mask(snapshot: Snapshot, value: Any, kind: str) -> Any:
    """What a super admin sees of one check parameter the user sees, for a rule about ``kind``
    (the test's own statement of the masking, independent of the library's)."""
    if isinstance(value, tuple):
        masked = tuple(_mask(snapshot, v, kind) for v in value)
        if value and all(isinstance(v, Ref) for v in masked):
            masked = tuple(sorted(masked, key=lambda r: (r.kind, r.id or "")))
        return masked
    if not isinstance(value, Ref) or not _is_private(snapshot, value):
        return value
    if value.kind != kind:
        return Ref("activity", None, None, private=True)
    if value.kind == "meeting":
        return Ref("meeting", value.id, None, private=True)
    return value


def _masked_checks(snapshot: Snapshot, checks: Iterable[Check], kind: str) -> tuple[Check, ...]:
    masked = (
        Check(c.criterion, c.met, tuple((n, _mask(snapshot, v, kind)) for n, v in c.params))
        for c in checks
    )
    return tuple(dict.fromkeys(masked))


def _ids(snapshot: Snapshot) -> tuple[set[str], set[str]]:
    meetings = {m.id for m in snapshot.records("meetings") if isinstance(m, Meeting)}
    follow_ups = {
        t.id for t in snapshot.records("tasks") if isinstance(t, Task) and t.meeting_id is not None
    }
    return meetings, follow_ups


def _assert_action_masked(snapshot: Snapshot, own: Action, seen: Action) -> None:
    kind = own.subjects[0][0]
    assert seen.key == own.key
    assert seen.subjects == own.subjects
    if kind == "meeting":
        assert (seen.contact_ids, seen.company_ids) == ((), ())
    else:
        assert (seen.contact_ids, seen.company_ids) == (own.contact_ids, own.company_ids)
    members = own.members or (own,)
    assert seen.checks == _masked_checks(snapshot, (c for m in members for c in m.checks), kind)
    meetings, follow_ups = _ids(snapshot)
    text = json.dumps(seen.to_dict())
    shown = set(_words(meetings | follow_ups).findall(text)) if meetings | follow_ups else set()
    allowed = {i for _k, i in seen.subjects}
    if kind == "meeting":
        allowed |= meetings  # a rule about meetings names meetings, busy
    assert shown <= allowed, (seen.rule, shown - allowed)
    titles = {f"Hush {i}" for i in meetings | (follow_ups - allowed)}
    assert not any(t in text for t in titles), seen.rule


@settings(max_examples=scaled(150), deadline=None)
@given(snapshots(), st.data())
def test_masked_output_never_names_a_private_meeting(case: Case, data: st.DataObject) -> None:
    """For a super admin, every action and explanation is the user's own with each meeting and
    follow-up task that is evidence about another record replaced by "an activity" (no id), each
    meeting named by a meeting rule made busy, no association on a meeting's action; no meeting
    title appears anywhere, and the workspace shows meetings only as busy."""
    extra = _evidence(data, case) if data.draw(st.booleans()) else []
    snapshot, now, user_id = _with_secrets(case, extra)
    own = evaluate(snapshot, now, user_id, strict=True)
    seen = evaluate(snapshot, now, user_id, viewer=ADMIN.id, strict=True)
    assert len(seen) == len(own)
    for mine, theirs in zip(own, seen, strict=True):
        _assert_action_masked(snapshot, mine, theirs)
    meetings, follow_ups = _ids(snapshot)
    records = [("meeting", i) for i in sorted(meetings)] + [("task", i) for i in sorted(follow_ups)]
    records += [("deal", d.id) for d in snapshot.records("deals") if isinstance(d, Deal)]
    records += [("lead", x.id) for x in snapshot.records("leads") if isinstance(x, Lead)]
    for subject in records:
        mine_why = explain(snapshot, now, user_id, subject)
        their_why = explain(snapshot, now, user_id, subject, viewer=ADMIN.id)
        for a, b in zip(mine_why, their_why, strict=True):
            assert (a.rule, a.status, a.key) == (b.rule, b.status, b.key)
            assert b.checks == _masked_checks(snapshot, a.checks, subject[0])
        text = json.dumps(their_why.to_dict())
        assert not any(f"Hush {m}" in text for m in meetings), subject
    summary = summarize(snapshot, now, user_id, viewer=ADMIN.id).to_dict()
    text = json.dumps(summary)
    assert not any(f"Hush {m}" in text for m in meetings)
    assert all(entry["title"] == "Busy" for entry in summary["schedule"])
    for entry in summary["feed"]:
        if entry["kind"] == "meeting":
            assert entry["text"] == "Meeting (Busy) started"


def test_masking_leaves_results_without_meetings_alone() -> None:
    """With no meeting at all, the super admin sees exactly what the user sees."""
    snapshot = build(
        contact("c1"),
        deal("d1", stage_id="proposal", contact_ids=("c1",)),
        task("t2", deal_ids=("d1",), status="completed", completed_at=at(days=-2)),
    )
    own: Result = evaluate(snapshot, NOW, "u1", strict=True)
    assert [a.rule for a in own] == ["update_next_steps"]
    assert evaluate(snapshot, NOW, "u1", viewer="admin").to_dicts() == own.to_dicts()
