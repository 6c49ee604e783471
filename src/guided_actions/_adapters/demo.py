"""The demo snapshot shipped with the package: a small sales team on a Wednesday morning.

Northwind Analytics sells to logistics, health, retail and industrial companies. Claire Martin
(``u-claire``, Paris) is the demo rep; Marcus Lee (``u-marcus``, New York) is her colleague and
Priya Shah (``u-priya``, London) the super admin. Evaluating Claire at :data:`DEMO_NOW` gives at
least one action of every built-in rule; the comment above each block of records says which rule
it feeds. Her workspace (``guided-actions demo --workspace``) has something in every section:
tasks due today, overdue and due tomorrow, a sequence with open tasks in two steps, two meetings
today, a task completed this morning and a week of activity in the feed.

Every instant is written relative to :data:`DEMO_NOW`, either as a duration (``_ago(hours=18)``)
or as a wall-clock time on a calendar day around it (``_day(-2, "14:00")``: two days before, at
14:00 in Paris), so the story is easy to read and to change. ``guided-actions demo --export FILE``
writes :func:`demo_document` as JSON to start from.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from guided_actions._snapshot.snapshot import Snapshot

__all__ = ["DEMO_NOW", "DEMO_USER", "demo_document", "demo_snapshot"]

#: Wednesday 14 May 2025, 09:30 in Paris.
DEMO_NOW = datetime(2025, 5, 14, 7, 30, tzinfo=UTC)
#: The rep the demo evaluates by default.
DEMO_USER = "u-claire"

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


def _ago(*, days: float = 0, hours: float = 0, minutes: float = 0) -> str:
    """The instant that long before DEMO_NOW, in UTC."""
    return (DEMO_NOW - timedelta(days=days, hours=hours, minutes=minutes)).isoformat()


def _in(*, days: float = 0, hours: float = 0, minutes: float = 0) -> str:
    """The instant that long after DEMO_NOW, in UTC."""
    return (DEMO_NOW + timedelta(days=days, hours=hours, minutes=minutes)).isoformat()


def _day(offset: int, clock: str, zone: ZoneInfo = PARIS) -> str:
    """``clock`` (``"HH:MM"``) on the calendar day ``offset`` days from DEMO_NOW's, in ``zone``."""
    day = DEMO_NOW.astimezone(zone).date() + timedelta(days=offset)
    local = datetime.combine(day, time.fromisoformat(clock), tzinfo=zone)
    return local.isoformat()


def _users() -> list[dict[str, Any]]:
    return [
        {
            "id": "u-claire",
            "email": "claire.martin@northwind.example",
            "timezone": "Europe/Paris",
            "team_ids": ["emea"],
        },
        {
            "id": "u-marcus",
            "email": "marcus.lee@northwind.example",
            "timezone": "America/New_York",
            "team_ids": ["americas"],
        },
        {
            "id": "u-priya",
            "email": "priya.shah@northwind.example",
            "timezone": "Europe/London",
            "super_admin": True,
            "team_ids": ["emea", "americas"],
        },
    ]


def _pipelines() -> list[dict[str, Any]]:
    return [
        {
            "id": "sales",
            "object": "deal",
            "stages": [
                {"id": "appointment", "label": "Appointment scheduled"},
                {"id": "qualified", "label": "Qualified to buy"},
                {"id": "proposal", "label": "Proposal sent"},
                {"id": "won", "label": "Closed won", "closed": True, "won": True},
                {"id": "lost", "label": "Closed lost", "closed": True},
            ],
        },
        {
            "id": "leads",
            "object": "lead",
            "stages": [
                {"id": "new", "label": "New"},
                {"id": "attempting", "label": "Attempting"},
                {"id": "connected", "label": "Connected"},
                {"id": "qualified", "label": "Qualified", "closed": True, "won": True},
                {"id": "disqualified", "label": "Disqualified", "closed": True},
            ],
        },
    ]


def _companies() -> list[dict[str, Any]]:
    return [
        {
            "id": "co-acme",
            "name": "Acme Logistics",
            "domain": "acme-logistics.example",
            "owner_id": "u-claire",
            "target_account": True,
        },
        {
            "id": "co-bluefin",
            "name": "Bluefin Health",
            "domain": "bluefin.example",
            "owner_id": "u-claire",
        },
        {
            "id": "co-elbe",
            "name": "Elbe Maschinenbau",
            "domain": "elbe.example",
            "owner_id": "u-claire",
        },
        {
            "id": "co-harbor",
            "name": "Harborview Hotels",
            "domain": "harborview.example",
            "owner_id": "u-claire",
        },
        {
            "id": "co-cedar",
            "name": "Cedar & Pine Retail",
            "domain": "cedarpine.example",
            "owner_id": "u-marcus",
        },
        {
            "id": "co-dunmore",
            "name": "Dunmore Capital",
            "domain": "dunmore.example",
            "owner_id": "u-marcus",
            "target_account": True,
        },
    ]


def _contact(
    cid: str,
    email: str,
    owner: str,
    companies: list[str],
    *,
    stage: str,
    created: str,
    assigned: str | None = None,
) -> dict[str, Any]:
    return {
        "id": cid,
        "email": email,
        "owner_id": owner,
        "owner_assigned_at": assigned or created,
        "lifecycle_stage": stage,
        "company_ids": companies,
        "created_at": created,
    }


def _contacts() -> list[dict[str, Any]]:
    acme, bluefin, elbe = ["co-acme"], ["co-bluefin"], ["co-elbe"]
    return [
        # Claire's long-standing contacts.
        _contact(
            "c-sophie",
            "sophie.laurent@acme-logistics.example",
            "u-claire",
            acme,
            stage="customer",
            created=_ago(days=210),
        ),
        _contact(
            "c-tom",
            "tom.becker@acme-logistics.example",
            "u-claire",
            acme,
            stage="salesqualifiedlead",
            created=_ago(days=120),
        ),
        _contact(
            "c-paul",
            "paul.girard@acme-logistics.example",
            "u-claire",
            acme,
            stage="opportunity",
            created=_ago(days=65),
        ),
        _contact(
            "c-ines",
            "ines.moreau@bluefin.example",
            "u-claire",
            bluefin,
            stage="marketingqualifiedlead",
            created=_ago(days=80),
        ),
        _contact(
            "c-grace",
            "grace.miller@bluefin.example",
            "u-claire",
            bluefin,
            stage="opportunity",
            created=_ago(days=75),
        ),
        _contact(
            "c-karl",
            "karl.hoffmann@elbe.example",
            "u-claire",
            elbe,
            stage="opportunity",
            created=_ago(days=95),
        ),
        _contact(
            "c-jonas",
            "jonas.weber@elbe.example",
            "u-claire",
            elbe,
            stage="lead",
            created=_ago(days=100),
        ),
        _contact(
            "c-felix",
            "felix.braun@elbe.example",
            "u-claire",
            elbe,
            stage="lead",
            created=_ago(days=40),
        ),
        # newly_assigned_contacts: handed to Claire this week, not contacted yet.
        _contact(
            "c-amara",
            "amara.okafor@northbeam.example",
            "u-claire",
            [],
            stage="lead",
            created=_ago(days=20),
            assigned=_day(-2, "11:00"),
        ),
        _contact(
            "c-lucas",
            "lucas.petit@bluefin.example",
            "u-claire",
            bluefin,
            stage="subscriber",
            created=_day(-1, "16:20"),
        ),
        # newly_assigned_leads: Noor's lead came to Claire from Marcus on Sunday.
        _contact(
            "c-noor",
            "noor.haddad@harborview.example",
            "u-claire",
            ["co-harbor"],
            stage="lead",
            created=_ago(days=5),
            assigned=_day(-3, "08:45"),
        ),
        # Marcus's contacts, two of whom wrote to Claire.
        _contact(
            "c-olivia",
            "olivia.chen@cedarpine.example",
            "u-marcus",
            ["co-cedar"],
            stage="opportunity",
            created=_ago(days=150),
        ),
        _contact(
            "c-hannah",
            "hannah.kim@cedarpine.example",
            "u-marcus",
            ["co-cedar"],
            stage="salesqualifiedlead",
            created=_ago(days=60),
        ),
        _contact(
            "c-diego",
            "diego.alvarez@dunmore.example",
            "u-marcus",
            ["co-dunmore"],
            stage="lead",
            created=_ago(days=12),
        ),
    ]


def _leads() -> list[dict[str, Any]]:
    return [
        # reengaged_contacts: Jonas's lead was disqualified in March; he is back on the site.
        {
            "id": "l-jonas",
            "contact_id": "c-jonas",
            "owner_id": "u-claire",
            "pipeline_id": "leads",
            "stage_id": "disqualified",
            "stage_changed_at": _ago(days=45),
            "created_at": _ago(days=70),
        },
        # newly_assigned_leads: still in the first stage, nothing logged since the handover.
        {
            "id": "l-noor",
            "contact_id": "c-noor",
            "owner_id": "u-claire",
            "owner_assigned_at": _day(-3, "08:45"),
            "pipeline_id": "leads",
            "stage_id": "new",
            "created_at": _ago(days=5),
        },
        # recently_engaged_leads: Felix opened Claire's email on Monday.
        {
            "id": "l-felix",
            "contact_id": "c-felix",
            "owner_id": "u-claire",
            "pipeline_id": "leads",
            "stage_id": "connected",
            "stage_changed_at": _ago(days=10),
            "created_at": _ago(days=25),
        },
        # leads_awaiting_reply: Marcus's lead, but Diego wrote to Claire.
        {
            "id": "l-diego",
            "contact_id": "c-diego",
            "owner_id": "u-marcus",
            "pipeline_id": "leads",
            "stage_id": "attempting",
            "stage_changed_at": _ago(days=8),
            "created_at": _ago(days=12),
        },
    ]


def _deal(
    did: str,
    owner: str,
    stage: str,
    *,
    created: str,
    contacts: list[str],
    companies: list[str],
    **more: Any,
) -> dict[str, Any]:
    return {
        "id": did,
        "owner_id": owner,
        "pipeline_id": "sales",
        "stage_id": stage,
        "created_at": created,
        "contact_ids": contacts,
        "company_ids": companies,
        **more,
    }


def _deals() -> list[dict[str, Any]]:
    return [
        # reply_to_email: Sophie (on this deal) wrote on Monday; prepare_next_meeting: the QBR.
        _deal(
            "d-acme-renewal",
            "u-claire",
            "proposal",
            created=_ago(days=40),
            contacts=["c-sophie"],
            companies=["co-acme"],
            next_step="Send the revised three-year pricing",
            next_step_updated_at=_day(-1, "09:10"),
        ),
        # buyer_follow_up: Grace opened the proposal and has been silent since.
        _deal(
            "d-bluefin-expansion",
            "u-claire",
            "qualified",
            created=_ago(days=30),
            contacts=["c-grace"],
            companies=["co-bluefin"],
            next_step="Book a call with their IT lead",
            next_step_updated_at=_day(-1, "10:00"),
        ),
        # update_next_steps: a discovery call and a note since the next step was last touched.
        _deal(
            "d-elbe-retrofit",
            "u-claire",
            "qualified",
            created=_ago(days=35),
            contacts=["c-karl"],
            companies=["co-elbe"],
            next_step="Site visit",
            next_step_updated_at=_ago(days=12),
        ),
        # initial_outreach_needed: created nine days ago, nothing logged on it yet.
        _deal(
            "d-acme-warehouse",
            "u-claire",
            "appointment",
            created=_ago(days=9),
            contacts=["c-paul"],
            companies=["co-acme"],
        ),
        # add_contact_to_deal: opened from a trade-show badge scan, nobody attached.
        _deal(
            "d-harborview",
            "u-claire",
            "qualified",
            created=_ago(days=11),
            contacts=[],
            companies=["co-harbor"],
        ),
        # Closed deals never fire.
        _deal(
            "d-acme-pilot",
            "u-claire",
            "won",
            created=_ago(days=200),
            contacts=["c-sophie"],
            companies=["co-acme"],
            closed_at=_ago(days=160),
        ),
        _deal(
            "d-cedar-rollout",
            "u-marcus",
            "proposal",
            created=_ago(days=50),
            contacts=["c-olivia", "c-hannah"],
            companies=["co-cedar"],
            next_step="Legal review",
            next_step_updated_at=_ago(days=3),
        ),
    ]


def _email(
    eid: str,
    owner: str,
    direction: str,
    sender: str,
    to: list[str],
    sent: str,
    **more: Any,
) -> dict[str, Any]:
    return {
        "id": eid,
        "owner_id": owner,
        "direction": direction,
        "from_address": sender,
        "to": to,
        "sent_at": sent,
        **more,
    }


CLAIRE = "claire.martin@northwind.example"
MARCUS = "marcus.lee@northwind.example"


def _emails() -> list[dict[str, Any]]:
    return [
        # reply_to_email (and contacts_awaiting_reply): Sophie's question about the renewal.
        _email(
            "e-sophie-question",
            "u-claire",
            "inbound",
            "sophie.laurent@acme-logistics.example",
            [CLAIRE],
            _day(-2, "10:15"),
            contact_ids=["c-sophie"],
            deal_ids=["d-acme-renewal"],
        ),
        # email_replies: Claire wrote to Inès on Friday; Inès answered yesterday.
        _email(
            "e-ines-intro",
            "u-claire",
            "outbound",
            CLAIRE,
            ["ines.moreau@bluefin.example"],
            _day(-5, "15:40"),
            opened_at=_day(-4, "08:05"),
            contact_ids=["c-ines"],
        ),
        _email(
            "e-ines-reply",
            "u-claire",
            "inbound",
            "ines.moreau@bluefin.example",
            [CLAIRE],
            _day(-1, "11:50"),
            in_reply_to="e-ines-intro",
            contact_ids=["c-ines"],
        ),
        # buyer_follow_up: the proposal Grace opened the next morning.
        _email(
            "e-grace-proposal",
            "u-claire",
            "outbound",
            CLAIRE,
            ["grace.miller@bluefin.example"],
            _day(-9, "17:30"),
            opened_at=_day(-8, "09:12"),
            contact_ids=["c-grace"],
            deal_ids=["d-bluefin-expansion"],
        ),
        # contacts_awaiting_reply: Marcus's contact Hannah wrote to Claire, Marcus in copy.
        _email(
            "e-hannah-emea",
            "u-claire",
            "inbound",
            "hannah.kim@cedarpine.example",
            [CLAIRE],
            _day(-1, "21:30", NEW_YORK),
            cc=[MARCUS],
            contact_ids=["c-hannah"],
        ),
        # leads_awaiting_reply: Diego (Marcus's lead) asked Claire for a European reference.
        _email(
            "e-diego-reference",
            "u-claire",
            "inbound",
            "diego.alvarez@dunmore.example",
            [CLAIRE],
            _day(-1, "10:05", NEW_YORK),
            contact_ids=["c-diego"],
            lead_ids=["l-diego"],
        ),
        # A colleague's email is never "awaiting your reply": same domain.
        _email(
            "e-marcus-handover",
            "u-claire",
            "inbound",
            MARCUS,
            [CLAIRE],
            _day(-3, "08:40"),
        ),
        # Marcus's own mailbox.
        _email(
            "e-olivia-terms",
            "u-marcus",
            "outbound",
            MARCUS,
            ["olivia.chen@cedarpine.example"],
            _day(-3, "14:00", NEW_YORK),
            opened_at=_day(-3, "15:20", NEW_YORK),
            contact_ids=["c-olivia"],
            deal_ids=["d-cedar-rollout"],
        ),
    ]


def _calls() -> list[dict[str, Any]]:
    return [
        # log_call_outcomes: two calls without an outcome, grouped in one card.
        {
            "id": "cl-sophie-pricing",
            "owner_id": "u-claire",
            "started_at": _day(-1, "15:30"),
            "ended_at": _day(-1, "15:52"),
            "status": "completed",
            "builtin_calling": True,
            "contact_ids": ["c-sophie"],
            "company_ids": ["co-acme"],
            "deal_ids": ["d-acme-renewal"],
        },
        {
            "id": "cl-tom-checkin",
            "owner_id": "u-claire",
            "started_at": _day(-2, "16:00"),
            "ended_at": _day(-2, "16:12"),
            "contact_ids": ["c-tom"],
            "company_ids": ["co-acme"],
        },
        # Not an outcome to log: nobody answered.
        {
            "id": "cl-paul-attempt",
            "owner_id": "u-claire",
            "started_at": _day(-1, "11:00"),
            "status": "no_answer",
            "builtin_calling": True,
            "contact_ids": ["c-paul"],
        },
        # update_next_steps: the Elbe discovery call, outcome logged.
        {
            "id": "cl-karl-discovery",
            "owner_id": "u-claire",
            "started_at": _day(-4, "14:00"),
            "ended_at": _day(-4, "14:45"),
            "status": "completed",
            "outcome": "connected",
            "builtin_calling": True,
            "contact_ids": ["c-karl"],
            "company_ids": ["co-elbe"],
            "deal_ids": ["d-elbe-retrofit"],
        },
    ]


def _meetings() -> list[dict[str, Any]]:
    return [
        # meeting_follow_up: Monday's demo; its recap task is still open.
        {
            "id": "m-bluefin-demo",
            "owner_id": "u-claire",
            "title": "Bluefin Health: product demo",
            "start": _day(-2, "14:00"),
            "end": _day(-2, "15:00"),
            "contact_ids": ["c-grace", "c-ines"],
            "company_ids": ["co-bluefin"],
        },
        # prepare_next_meeting: today's quarterly review with Acme.
        {
            "id": "m-acme-qbr",
            "owner_id": "u-claire",
            "title": "Acme Logistics: quarterly business review",
            "start": _day(0, "14:00"),
            "end": _day(0, "15:00"),
            "contact_ids": ["c-sophie", "c-tom"],
            "company_ids": ["co-acme"],
            "deal_ids": ["d-acme-renewal"],
        },
        # The workspace schedule: an internal review later today, after the QBR.
        {
            "id": "m-team-pipeline",
            "owner_id": "u-claire",
            "title": "EMEA pipeline review",
            "start": _day(0, "16:30"),
            "end": _day(0, "17:00"),
        },
        {
            "id": "m-elbe-onsite",
            "owner_id": "u-claire",
            "title": "Elbe Maschinenbau: site visit in Hamburg",
            "start": _day(6, "10:00"),
            "end": _day(6, "12:00"),
            "contact_ids": ["c-karl"],
            "company_ids": ["co-elbe"],
        },
        {
            "id": "m-cedar-legal",
            "owner_id": "u-marcus",
            "title": "Cedar & Pine: legal review",
            "start": _day(0, "11:00", NEW_YORK),
            "end": _day(0, "11:30", NEW_YORK),
            "contact_ids": ["c-olivia"],
            "company_ids": ["co-cedar"],
            "deal_ids": ["d-cedar-rollout"],
        },
    ]


def _tasks() -> list[dict[str, Any]]:
    return [
        # priority_tasks_due_today: two high-priority tasks due today, one card.
        {
            "id": "t-acme-quote",
            "owner_id": "u-claire",
            "title": "Send Acme the renewal quote",
            "created_at": _day(-3, "09:00"),
            "due_at": _day(0, "17:00"),
            "priority": "high",
            "contact_ids": ["c-sophie"],
        },
        {
            "id": "t-qbr-deck",
            "owner_id": "u-claire",
            "title": "Finish the QBR deck",
            "created_at": _day(-6, "10:00"),
            "due_at": _day(0, "12:00"),
            "priority": "high",
            "status": "in_progress",
            "contact_ids": ["c-sophie"],
        },
        # meeting_follow_up keeps going while this recap is open.
        {
            "id": "t-bluefin-recap",
            "owner_id": "u-claire",
            "title": "Send the demo recap to Bluefin",
            "created_at": _day(-2, "15:05"),
            "due_at": _day(1, "12:00"),
            "priority": "medium",
            "meeting_id": "m-bluefin-demo",
            "contact_ids": ["c-grace"],
        },
        # sequence_activity: the Q2 outbound sequence, steps 1 and 2.
        {
            "id": "t-seq-paul-1",
            "owner_id": "u-claire",
            "title": "Intro email",
            "created_at": _day(-1, "08:00"),
            "due_at": _day(0, "10:00"),
            "sequence_id": "seq-q2-outbound",
            "sequence_step": 1,
            "contact_ids": ["c-paul"],
        },
        {
            "id": "t-seq-amara-1",
            "owner_id": "u-claire",
            "title": "Intro email",
            "created_at": _day(0, "08:00"),
            "due_at": _day(0, "16:00"),
            "sequence_id": "seq-q2-outbound",
            "sequence_step": 1,
            "contact_ids": ["c-amara"],
        },
        {
            "id": "t-seq-tom-1",
            "owner_id": "u-claire",
            "title": "Intro email",
            "created_at": _day(-8, "08:00"),
            "due_at": _day(-8, "10:00"),
            "status": "completed",
            "completed_at": _day(-8, "09:20"),
            "sequence_id": "seq-q2-outbound",
            "sequence_step": 1,
            "contact_ids": ["c-tom"],
        },
        {
            "id": "t-seq-tom-2",
            "owner_id": "u-claire",
            "title": "Follow-up call",
            "created_at": _day(-5, "08:00"),
            "due_at": _day(-1, "10:00"),
            "sequence_id": "seq-q2-outbound",
            "sequence_step": 2,
            "contact_ids": ["c-tom"],
        },
        # Done first thing this morning: the workspace counts it among today's completed tasks.
        {
            "id": "t-qbr-agenda",
            "owner_id": "u-claire",
            "title": "Send the QBR agenda to Acme",
            "created_at": _day(-2, "09:00"),
            "due_at": _day(0, "09:00"),
            "priority": "medium",
            "status": "completed",
            "completed_at": _day(0, "08:50"),
            "contact_ids": ["c-sophie"],
        },
        # An ordinary overdue task (no rule of its own; the workspace lists it).
        {
            "id": "t-harbor-research",
            "owner_id": "u-claire",
            "title": "Research Harborview's hotel portfolio",
            "created_at": _day(-7, "09:00"),
            "due_at": _day(-1, "18:00"),
            "priority": "low",
        },
        {
            "id": "t-cedar-redlines",
            "owner_id": "u-marcus",
            "title": "Return the contract redlines",
            "created_at": _day(-2, "09:00", NEW_YORK),
            "due_at": _day(0, "17:00", NEW_YORK),
            "priority": "high",
            "contact_ids": ["c-olivia"],
            "deal_ids": ["d-cedar-rollout"],
        },
    ]


def _notes() -> list[dict[str, Any]]:
    return [
        # update_next_steps: the debrief of the discovery call is the latest activity on the deal.
        {
            "id": "n-elbe-debrief",
            "owner_id": "u-claire",
            "created_at": _day(-4, "15:10"),
            "contact_ids": ["c-karl"],
            "deal_ids": ["d-elbe-retrofit"],
        },
        {
            "id": "n-acme-history",
            "owner_id": "u-claire",
            "created_at": _ago(days=38),
            "contact_ids": ["c-sophie"],
            "deal_ids": ["d-acme-renewal"],
        },
    ]


def _engagement_events() -> list[dict[str, Any]]:
    return [
        # reengaged_contacts: Jonas is back after his lead was disqualified.
        {
            "id": "ev-jonas-pricing",
            "contact_id": "c-jonas",
            "kind": "page_view",
            "occurred_at": _day(-6, "13:25"),
        },
        {
            "id": "ev-jonas-form",
            "contact_id": "c-jonas",
            "kind": "form_submission",
            "occurred_at": _day(-2, "09:40"),
        },
        # target_account_activity: Tom (Acme, a target account) clicked the case study.
        {
            "id": "ev-tom-click",
            "contact_id": "c-tom",
            "kind": "email_click",
            "occurred_at": _day(-1, "08:55"),
        },
        # recently_engaged_leads: Felix opened Claire's email.
        {
            "id": "ev-felix-open",
            "contact_id": "c-felix",
            "kind": "email_open",
            "occurred_at": _day(-2, "18:10"),
        },
        {
            "id": "ev-diego-visit",
            "contact_id": "c-diego",
            "kind": "page_view",
            "occurred_at": _day(-1, "09:30", NEW_YORK),
        },
    ]


def demo_document() -> dict[str, Any]:
    """The demo snapshot as an interchange document (``guided-actions/1``), built afresh."""
    return {
        "schema": "guided-actions/1",
        "users": _users(),
        "pipelines": _pipelines(),
        "companies": _companies(),
        "contacts": _contacts(),
        "leads": _leads(),
        "deals": _deals(),
        "emails": _emails(),
        "calls": _calls(),
        "meetings": _meetings(),
        "tasks": _tasks(),
        "notes": _notes(),
        "sequences": [{"id": "seq-q2-outbound", "name": "Q2 outbound: operations leaders"}],
        "engagement_events": _engagement_events(),
        "feedback": [
            {
                "user_id": "u-marcus",
                "action_key": "email_replies:demo-feedback",
                "verdict": "yes",
                "at": _ago(days=6),
            }
        ],
        "dashboards": [
            {
                "id": "dash-pipeline",
                "name": "Pipeline overview",
                "access": "everyone",
                "view_access_confirmed": True,
            },
            {
                "id": "dash-emea",
                "name": "EMEA activity",
                "access": ["emea"],
                "view_access_confirmed": True,
            },
        ],
    }


def demo_snapshot() -> Snapshot:
    """The demo snapshot, validated."""
    return Snapshot.from_dict(demo_document())
