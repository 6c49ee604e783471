"""Hypothesis strategies for whole CRM snapshots, built from named composite pieces.

Ids come from small pools so that records reference each other often, and every instant is
clustered around ``now``, around the rules' thresholds and around the local midnights of the
evaluated user's zone, so that boundaries (``created_at <= now < expires_at``, "since" versus
"after", "more than N days ago") are hit exactly, one microsecond either side, and far away.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from hypothesis import strategies as st

from guided_actions import (
    Call,
    Company,
    Contact,
    Deal,
    Email,
    EngagementEvent,
    Lead,
    Meeting,
    Note,
    Pipeline,
    Snapshot,
    Stage,
    Task,
    User,
)
from guided_actions import (
    Sequence as SalesSequence,
)
from guided_actions._model.records import Record

ZONES = ("UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Pacific/Auckland")
ENGAGEMENT_KINDS = (
    "email_open",
    "email_click",
    "email_reply",
    "form_submission",
    "meeting_booked",
    "page_view",
)
CALL_STATUSES = (
    "completed",
    "busy",
    "no_answer",
    "failed",
    "canceled",
    "in_progress",
    "queued",
    "ringing",
)
TASK_STATUSES = ("not_started", "in_progress", "waiting", "completed", "completed", "deferred")
TASK_PRIORITIES = ("none", "low", "medium", "high")

USER_IDS = ("u1", "u2", "u3")
CONTACT_IDS = ("c1", "c2", "c3", "c4")
COMPANY_IDS = ("co1", "co2", "co3")
SEQUENCE_IDS = ("s1", "s2")
CUSTOM_LIFECYCLE = ("new", "working", "customer", "champion")

#: Instants ``now`` is drawn around: ordinary days, and days on which a zone changes its clocks.
BASE_NOWS = (
    datetime(2026, 11, 26, 12, 0, tzinfo=UTC),
    datetime(2026, 11, 26, 23, 30, tzinfo=UTC),
    datetime(2026, 3, 8, 7, 0, tzinfo=UTC),  # New York springs forward
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # Paris springs forward
    datetime(2026, 4, 4, 13, 30, tzinfo=UTC),  # Auckland falls back
    datetime(2026, 9, 26, 14, 0, tzinfo=UTC),  # Auckland springs forward
)

#: Distances from an anchor: zero, the rules' thresholds, and the tiniest steps.
BIG_STEPS = tuple(
    timedelta(**kw)
    for kw in (
        {},
        {"minutes": 10},
        {"hours": 1},
        {"hours": 24},
        {"days": 7},
        {"days": 14},
        {"days": 30},
    )
)
SMALL_STEPS = (timedelta(0), timedelta(microseconds=1), timedelta(seconds=1))
TINY_STEPS = (timedelta(0), timedelta(0), timedelta(microseconds=1), timedelta(microseconds=-1))
SIGNED_STEPS = tuple(sorted({sign * step for step in BIG_STEPS for sign in (1, -1)}))


@attrs.frozen
class Frame:
    """What the record strategies share: ``now``, the anchors of instants, and the id pools."""

    now: datetime
    anchors: tuple[datetime, ...]
    steps: tuple[timedelta, ...]
    moments: tuple[datetime, ...]
    user_ids: tuple[str, ...]
    owners: tuple[str | None, ...]
    mailboxes: tuple[str, ...]
    contact_ids: tuple[str, ...]
    company_ids: tuple[str, ...]
    addresses: tuple[str, ...]
    me: str = "u1"
    my_address: str = "rep@acme.test"


def local_midnights(now: datetime, zone: str) -> list[datetime]:
    """Yesterday's, today's and tomorrow's local midnight in ``zone``, in UTC."""
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    return [
        datetime.combine(today + timedelta(days=d), time(0), tzinfo=tz).astimezone(UTC)
        for d in (-1, 0, 1)
    ]


# Strategies are built once and cached: building them anew on every draw is slow.


@functools.cache
def pick(pool: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    """One element of ``pool`` (repeat an element to make it likelier)."""
    return st.sampled_from(pool)


@functools.cache
def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@functools.cache
def subset(pool: tuple[str, ...], max_size: int = 2) -> st.SearchStrategy[tuple[str, ...]]:
    """A few distinct ids of ``pool``, possibly none."""
    if not pool:
        return st.just(())
    return st.lists(st.sampled_from(pool), max_size=max_size, unique=True).map(tuple)


SIGNS = pick((1, -1))
MOSTLY = pick((True, True, True, False))
STEP_SETS = st.sets(st.sampled_from(SIGNED_STEPS), min_size=1, max_size=4)
FAR = st.integers(-40 * 86400, 40 * 86400)
ONE_IN_TEN = st.integers(0, 9)


@functools.cache
def instants(frame: Frame) -> st.SearchStrategy[datetime]:
    """Instants of ``frame`` (one strategy per frame)."""
    return _instants(frame)


@st.composite
def _instants(draw: st.DrawFn, frame: Frame) -> datetime:
    """An instant near an anchor: anchor ± a threshold ± a tiny step, or anywhere nearby."""
    choice = draw(ONE_IN_TEN)
    if frame.moments and choice < 4:
        # The very instant of another record, or a microsecond either side of it.
        return draw(pick(frame.moments)) + draw(pick(TINY_STEPS))
    anchor = draw(pick(frame.anchors + frame.moments))
    if choice == 9:
        return anchor + timedelta(seconds=draw(FAR))
    big = draw(pick(frame.steps))
    small = draw(pick(SMALL_STEPS)) * draw(SIGNS)
    return anchor + big + small


@functools.cache
def count(most: int) -> st.SearchStrategy[int]:
    return st.integers(0, most)


@functools.cache
def address_lists(addresses: tuple[str, ...], most: int) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(addresses), max_size=most).map(tuple)


@functools.cache
def maybe_instants(frame: Frame) -> st.SearchStrategy[datetime | None]:
    return maybe(instants(frame))


@st.composite
def users(draw: st.DrawFn) -> list[User]:
    """Three reps of the ``acme.test`` and ``partner.test`` domains, in several time zones."""
    rep = draw(pick(("rep@acme.test", "Rep@ACME.test")))
    emails = {"u1": rep, "u2": "other@acme.test", "u3": "u3@partner.test"}
    return [User(id=uid, email=emails[uid], timezone=draw(pick(ZONES))) for uid in USER_IDS]


@st.composite
def pipelines(draw: st.DrawFn) -> list[Pipeline]:
    """A deal and a lead pipeline with first, open, closed-won and closed-lost stages."""
    deal_stages = [
        Stage(id="new"),
        Stage(id="proposal"),
        Stage(id="won", closed=True, won=True),
        Stage(id="lost", closed=True),
    ]
    lead_stages = [
        Stage(id="new"),
        Stage(id="working"),
        Stage(id="qualified", closed=True, won=True),
        Stage(id="disqualified", closed=True),
    ]
    out = [
        Pipeline(id="deals", object="deal", stages=tuple(deal_stages)),
        Pipeline(id="leads", object="lead", stages=tuple(lead_stages)),
    ]
    if draw(st.booleans()):
        # A second pipeline of each kind whose first stage is another stage of the first one.
        out.append(Pipeline(id="deals2", object="deal", stages=(Stage(id="qualify"), *deal_stages)))
        out.append(Pipeline(id="leads2", object="lead", stages=(Stage(id="attempt"), *lead_stages)))
    return out


@st.composite
def companies(draw: st.DrawFn, frame: Frame) -> list[Company]:
    """Every company of the pool, target account or not, owned by anyone or no one."""
    return [
        Company(
            id=cid,
            domain="client.test",
            owner_id=draw(pick(frame.owners)),
            target_account=draw(st.booleans()),
        )
        for cid in frame.company_ids
    ]


def contact_addresses(cid: str) -> st.SearchStrategy[str | None]:
    return pick(
        (
            f"{cid}@client.test",
            f"{cid.upper()}@Client.Test",
            f"{cid}@acme.test",
            "shared@client.test",
            None,
        )
    )


@st.composite
def contacts(draw: st.DrawFn, frame: Frame, lifecycle: Sequence[str]) -> list[Contact]:
    """Every contact of the pool, with emails in a few domains including the reps' own."""
    out = []
    for cid in frame.contact_ids:
        out.append(
            Contact(
                id=cid,
                created_at=draw(instants(frame)),
                email=draw(contact_addresses(cid)),
                owner_id=draw(pick(frame.owners)),
                owner_assigned_at=draw(maybe_instants(frame)),
                lifecycle_stage=draw(maybe(pick(tuple(lifecycle)))),
                company_ids=draw(subset(frame.company_ids)),
            )
        )
    return out


def stage_of(pipeline: Pipeline) -> st.SearchStrategy[str]:
    return pick(tuple(s.id for s in pipeline.stages))


@st.composite
def leads(
    draw: st.DrawFn,
    frame: Frame,
    lead_pipelines: Sequence[Pipeline],
    the_contacts: Sequence[Contact],
) -> list[Lead]:
    """Up to three leads on the pool's contacts, in any stage."""
    out = []
    for i in range(draw(count(3))):
        pipeline = draw(pick(tuple(lead_pipelines)))
        of = draw(pick(tuple(the_contacts)))
        # A lead may be created before its contact (a CRM import out of order): the contact
        # does not exist until its own created_at (see test_sender_domain_of_a_contact_created_...).
        created_at = draw(instants(frame))
        out.append(
            Lead(
                id=f"l{i + 1}",
                contact_id=of.id,
                pipeline_id=pipeline.id,
                stage_id=draw(stage_of(pipeline)),
                created_at=created_at,
                owner_id=draw(pick(frame.owners)),
                owner_assigned_at=draw(maybe_instants(frame)),
                stage_changed_at=draw(maybe_instants(frame)),
            )
        )
    return out


@st.composite
def deals(draw: st.DrawFn, frame: Frame, deal_pipelines: Sequence[Pipeline]) -> list[Deal]:
    """Up to three deals, open or closed, with or without contacts and next steps."""
    out = []
    for i in range(draw(count(3))):
        pipeline = draw(pick(tuple(deal_pipelines)))
        stage_id = draw(stage_of(pipeline))
        closed = pipeline.stage(stage_id).closed  # type: ignore[union-attr]
        out.append(
            Deal(
                id=f"d{i + 1}",
                pipeline_id=pipeline.id,
                stage_id=stage_id,
                created_at=draw(instants(frame)),
                owner_id=draw(pick(frame.owners)),
                owner_assigned_at=draw(maybe_instants(frame)),
                closed_at=draw(maybe_instants(frame)) if closed else None,
                next_step=draw(pick((None, "Send proposal"))),
                next_step_updated_at=draw(maybe_instants(frame)),
                contact_ids=draw(subset(frame.contact_ids)),
                company_ids=draw(subset(frame.company_ids)),
            )
        )
    return out


@st.composite
def emails(
    draw: st.DrawFn, frame: Frame, lead_ids: Sequence[str], deal_ids: Sequence[str]
) -> list[Email]:
    """Up to six emails, inbound and outbound, to and cc, replies to each other, opened or not."""
    ids = [f"e{i + 1}" for i in range(draw(count(8)))]
    out = []
    for eid in ids:
        sent_at = draw(instants(frame))
        opened = draw(pick((None, timedelta(0), timedelta(microseconds=1), timedelta(days=8))))
        others = tuple(i for i in ids if i != eid)
        out.append(
            Email(
                id=eid,
                owner_id=draw(pick(frame.mailboxes)),
                direction=draw(pick(("inbound", "outbound"))),
                sent_at=sent_at,
                from_address=draw(maybe(pick(frame.addresses))),
                to=draw(address_lists(frame.addresses, 2)),
                cc=draw(address_lists(frame.addresses, 1)),
                opened_at=None if opened is None else sent_at + opened,
                in_reply_to=draw(maybe(pick(others))) if others else None,
                contact_ids=draw(subset(frame.contact_ids)),
                lead_ids=draw(subset(tuple(lead_ids), 1)),
                deal_ids=draw(subset(tuple(deal_ids), 1)),
            )
        )
    return out


@st.composite
def calls(
    draw: st.DrawFn, frame: Frame, lead_ids: Sequence[str], deal_ids: Sequence[str]
) -> list[Call]:
    """Up to three calls with every status, builtin flag and blank or non-blank outcome."""
    out = []
    for i in range(draw(count(3))):
        started_at = draw(instants(frame))
        duration = draw(pick((None, timedelta(0), timedelta(minutes=5))))
        out.append(
            Call(
                id=f"k{i + 1}",
                owner_id=draw(pick(frame.mailboxes)),
                started_at=started_at,
                ended_at=None if duration is None else started_at + duration,
                status=draw(maybe(pick(CALL_STATUSES))),
                outcome=draw(pick((None, "", " ", "Connected"))),
                builtin_calling=draw(st.booleans()),
                contact_ids=draw(subset(frame.contact_ids)),
                company_ids=draw(subset(frame.company_ids, 1)),
                deal_ids=draw(subset(tuple(deal_ids), 1)),
                lead_ids=draw(subset(tuple(lead_ids), 1)),
            )
        )
    return out


@st.composite
def meetings(
    draw: st.DrawFn, frame: Frame, lead_ids: Sequence[str], deal_ids: Sequence[str]
) -> list[Meeting]:
    """Up to four meetings, past, in progress and upcoming."""
    out = []
    for i in range(draw(count(4))):
        start = draw(instants(frame))
        length = draw(pick((timedelta(0), timedelta(minutes=10), timedelta(hours=1))))
        out.append(
            Meeting(
                id=f"m{i + 1}",
                owner_id=draw(pick(frame.mailboxes)),
                start=start,
                end=start + length,
                title="Demo",
                contact_ids=draw(subset(frame.contact_ids)),
                company_ids=draw(subset(frame.company_ids, 1)),
                deal_ids=draw(subset(tuple(deal_ids), 1)),
                lead_ids=draw(subset(tuple(lead_ids), 1)),
            )
        )
    return out


@st.composite
def tasks(
    draw: st.DrawFn,
    frame: Frame,
    lead_ids: Sequence[str],
    deal_ids: Sequence[str],
    meeting_ids: Sequence[str],
) -> list[Task]:
    """Up to five tasks: priorities, statuses, sequences and steps, follow-ups, due dates."""
    out = []
    for i in range(draw(count(5))):
        sequence_id = draw(maybe(pick(SEQUENCE_IDS)))
        out.append(
            Task(
                id=f"t{i + 1}",
                owner_id=draw(pick(frame.mailboxes)),
                created_at=draw(instants(frame)),
                due_at=draw(maybe_instants(frame)),
                priority=draw(pick(TASK_PRIORITIES)),
                status=draw(pick(TASK_STATUSES)),
                completed_at=draw(maybe_instants(frame)),
                sequence_id=sequence_id,
                sequence_step=draw(pick((1, 2))) if sequence_id else None,
                meeting_id=draw(maybe(pick(tuple(meeting_ids)))) if meeting_ids else None,
                contact_ids=draw(subset(frame.contact_ids)),
                deal_ids=draw(subset(tuple(deal_ids), 1)),
                lead_ids=draw(subset(tuple(lead_ids), 1)),
            )
        )
    return out


@st.composite
def notes(
    draw: st.DrawFn, frame: Frame, lead_ids: Sequence[str], deal_ids: Sequence[str]
) -> list[Note]:
    """Up to two notes on contacts, leads and deals."""
    return [
        Note(
            id=f"n{i + 1}",
            owner_id=draw(pick(frame.mailboxes)),
            created_at=draw(instants(frame)),
            contact_ids=draw(subset(frame.contact_ids)),
            deal_ids=draw(subset(tuple(deal_ids), 1)),
            lead_ids=draw(subset(tuple(lead_ids), 1)),
        )
        for i in range(draw(count(2)))
    ]


@st.composite
def engagement_events(draw: st.DrawFn, frame: Frame) -> list[EngagementEvent]:
    """Up to five engagement events of every kind on the pool's contacts."""
    return [
        EngagementEvent(
            id=f"ev{i + 1}",
            contact_id=draw(pick(frame.contact_ids)),
            kind=draw(pick(ENGAGEMENT_KINDS)),
            occurred_at=draw(instants(frame)),
        )
        for i in range(draw(count(5)))
    ]


@st.composite
def snapshots(draw: st.DrawFn) -> tuple[Snapshot, datetime, str]:
    """``(snapshot, now, user_id)``: a valid snapshot (every reference exists) and who to ask."""
    the_users = draw(users())
    user_id = draw(pick(("u1", "u1", "u2")))
    zone = next(u.timezone for u in the_users if u.id == user_id)
    base = draw(pick(BASE_NOWS))
    now = base + draw(pick(SMALL_STEPS)) * draw(SIGNS)
    custom = draw(st.booleans())
    lifecycle = CUSTOM_LIFECYCLE if custom else (
        "subscriber", "lead", "opportunity", "customer", "evangelist"
    )  # fmt: skip
    addresses = tuple(
        {u.email for u in the_users}
        | {u.email.upper() for u in the_users}
        | {f"{cid}@client.test" for cid in CONTACT_IDS}
        | {"shared@client.test", "C1@CLIENT.TEST", "c2@acme.test", "someone@other.test"}
    )
    other = "u3" if user_id == "u1" else "u1"
    frame = Frame(
        now=now,
        anchors=(now, now, now, *local_midnights(now, zone)),
        # A few thresholds per example, so that records cluster on the same boundaries.
        steps=tuple(sorted(draw(STEP_SETS))),
        moments=(),
        user_ids=USER_IDS,
        owners=(user_id, user_id, user_id, other, None),
        mailboxes=(user_id, user_id, other),
        contact_ids=CONTACT_IDS,
        company_ids=COMPANY_IDS,
        addresses=tuple(sorted(addresses)),
        me=user_id,
        my_address=next(u.email for u in the_users if u.id == user_id),
    )
    # A few instants shared by many records, so that stamps coincide (or nearly) often.
    frame = attrs.evolve(frame, moments=tuple(draw(instants(frame)) for _ in range(3)))
    the_pipelines = draw(pipelines())
    the_contacts = draw(contacts(frame, lifecycle))
    the_leads = draw(leads(frame, [p for p in the_pipelines if p.object == "lead"], the_contacts))
    the_deals = draw(deals(frame, [p for p in the_pipelines if p.object == "deal"]))
    lead_ids = [x.id for x in the_leads]
    deal_ids = [d.id for d in the_deals]
    the_meetings = draw(meetings(frame, lead_ids, deal_ids))
    records = [
        *the_users,
        *the_pipelines,
        *draw(companies(frame)),
        *the_contacts,
        *the_leads,
        *the_deals,
        *draw(emails(frame, lead_ids, deal_ids)),
        *draw(calls(frame, lead_ids, deal_ids)),
        *the_meetings,
        *draw(tasks(frame, lead_ids, deal_ids, [m.id for m in the_meetings])),
        *draw(notes(frame, lead_ids, deal_ids)),
        *[SalesSequence(id=sid, name=sid) for sid in SEQUENCE_IDS],
        *draw(engagement_events(frame)),
        *draw(scenarios(frame, the_contacts, tuple(p for p in the_pipelines))),
    ]
    snapshot = Snapshot.from_records(records, lifecycle_stages=CUSTOM_LIFECYCLE if custom else None)
    return snapshot, now, user_id


# -- scenarios: records that nearly make one rule fire, on top of the random ones --------------


@st.composite
def replied_thread(draw: st.DrawFn, frame: Frame, c: Contact, n: int) -> list[Record]:
    """``email_replies``: you wrote to a contact, they replied, perhaps you wrote again."""
    sent = Email(
        id=f"ex{n}a",
        owner_id=frame.me,
        direction="outbound",
        sent_at=draw(instants(frame)),
        to=(c.email,) if c.email and draw(st.booleans()) else (),
        contact_ids=(c.id,),
    )
    reply = Email(
        id=f"ex{n}b",
        owner_id=frame.me,
        direction="inbound",
        sent_at=draw(instants(frame)),
        from_address=c.email,
        in_reply_to=sent.id,
        contact_ids=() if c.email and draw(st.booleans()) else (c.id,),
    )
    return [sent, reply, *draw(maybe_answer(frame, c, n, reply.sent_at))]


@st.composite
def maybe_answer(draw: st.DrawFn, frame: Frame, c: Contact, n: int, near: datetime) -> list[Record]:
    """Perhaps an outbound email of yours to the contact, often within a microsecond of ``near``."""
    if not draw(st.booleans()):
        return []
    to = (c.email.upper(),) if c.email and draw(st.booleans()) else ()
    return [
        Email(
            id=f"ex{n}c",
            owner_id=frame.me,
            direction="outbound",
            sent_at=draw(
                pick((near, near + TINY_STEPS[2], near + TINY_STEPS[3])) | instants(frame)
            ),
            cc=to,
            contact_ids=() if to else (c.id,),
        )
    ]


@st.composite
def inbound_from(draw: st.DrawFn, frame: Frame, c: Contact, n: int) -> list[Record]:
    """An inbound email from the contact to your address, in your mailbox or another's."""
    received: datetime
    return [
        Email(
            id=f"ex{n}i",
            owner_id=draw(pick(frame.mailboxes)),
            direction="inbound",
            sent_at=(received := draw(instants(frame))),
            from_address=draw(pick((c.email, None, "someone@acme.test"))),
            to=(draw(pick((frame.my_address, frame.my_address.upper(), "x@client.test"))),),
            contact_ids=draw(pick(((c.id,), ()))),
        ),
        *draw(maybe_answer(frame, c, n, received)),
    ]


@functools.cache
def around_a_week_ago(frame: Frame) -> st.SearchStrategy[datetime]:
    """Near the 7- and 14-day thresholds before now, or any instant of the frame."""
    weeks = st.builds(
        lambda days, tiny: frame.now - timedelta(days=days) + tiny,
        pick((7, 8, 13, 14)),
        pick(TINY_STEPS),
    )
    return st.one_of(weeks, instants(frame))


@st.composite
def deal_of(
    draw: st.DrawFn, frame: Frame, pipelines: tuple[Pipeline, ...], n: int, contact_ids: Any
) -> Deal:
    """A deal of yours, most often open."""
    pipeline = draw(pick(tuple(p for p in pipelines if p.object == "deal")))
    return Deal(
        id=f"dx{n}",
        pipeline_id=pipeline.id,
        stage_id=draw(pick((pipeline.stages[0].id, pipeline.stages[0].id, "proposal", "won"))),
        created_at=draw(around_a_week_ago(frame)),
        owner_id=frame.me,
        next_step_updated_at=draw(maybe_instants(frame)),
        contact_ids=contact_ids,
    )


@st.composite
def deal_scenario(
    draw: st.DrawFn, frame: Frame, c: Contact, pipelines: tuple[Pipeline, ...], n: int
) -> list[Record]:
    """A deal of yours with the contact, its emails both ways, an opened email, a note."""
    d = draw(deal_of(frame, pipelines, n, draw(pick(((c.id,), (), (c.id, "c1"))))))
    sent_at = draw(around_a_week_ago(frame))
    opened = Email(
        id=f"ex{n}o",
        owner_id=frame.me,
        direction="outbound",
        sent_at=sent_at,
        opened_at=sent_at + draw(pick((*TINY_STEPS[::2], timedelta(days=1)))),
        to=(c.email,) if c.email else (),
        deal_ids=draw(pick(((d.id,), ()))),
    )
    theirs = Email(
        id=f"ex{n}t",
        owner_id=frame.me,
        direction="inbound",
        sent_at=sent_at + draw(pick((*TINY_STEPS, timedelta(days=1)))),
        from_address=c.email,
        contact_ids=(c.id,),
    )
    noted = d.next_step_updated_at or draw(instants(frame))
    logged = Note(id=f"nx{n}", owner_id=frame.me, created_at=noted + draw(pick(TINY_STEPS)))
    if draw(MOSTLY):
        logged = attrs.evolve(logged, deal_ids=(d.id,))
    out: list[Record] = [d]
    out += [r for r in (opened, theirs, logged) if draw(MOSTLY)]
    return out + draw(maybe_answer(frame, c, n, theirs.sent_at))


@st.composite
def disqualified_lead(
    draw: st.DrawFn, frame: Frame, c: Contact, pipelines: tuple[Pipeline, ...], n: int
) -> list[Record]:
    """A disqualified lead of the contact, then an engagement near the disqualification."""
    changed = draw(maybe_instants(frame))
    lead = Lead(
        id=f"lx{n}",
        contact_id=c.id,
        pipeline_id="leads",
        stage_id=draw(pick(("disqualified", "disqualified", "qualified", "working"))),
        created_at=max(draw(instants(frame)), c.created_at),
        owner_id=draw(pick(frame.owners)),
        stage_changed_at=changed,
    )
    near = changed if changed is not None else lead.created_at
    event = EngagementEvent(
        id=f"evx{n}",
        contact_id=c.id,
        kind=draw(pick(ENGAGEMENT_KINDS)),
        occurred_at=near + draw(pick((*TINY_STEPS, timedelta(microseconds=1), timedelta(days=1)))),
    )
    return [lead, event]


@st.composite
def scenarios(
    draw: st.DrawFn,
    frame: Frame,
    the_contacts: Sequence[Contact],
    pipelines: tuple[Pipeline, ...],
) -> list[Record]:
    """Up to two scenarios, each nearly making one rule fire."""
    out: list[Record] = []
    mine = tuple(c for c in the_contacts if c.owner_id == frame.me) or tuple(the_contacts)
    for n in range(draw(count(3))):
        c = draw(pick(mine if draw(MOSTLY) else tuple(the_contacts)))
        kind = draw(pick(("thread", "inbound", "deal", "lead")))
        if kind == "thread":
            out += draw(replied_thread(frame, c, n))
        elif kind == "inbound":
            out += draw(inbound_from(frame, c, n))
        elif kind == "deal":
            out += draw(deal_scenario(frame, c, pipelines, n))
        else:
            out += draw(disqualified_lead(frame, c, pipelines, n))
    return out
