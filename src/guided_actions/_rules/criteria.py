"""The criteria several rules share, as data, with the functions that evaluate them.

A :class:`Criterion` has a stable id and English templates; evaluating one for a record gives a
:class:`Check` that says whether it held and carries the data that decided it. A rule lists its
criteria and evaluates them with :meth:`RuleContext.criteria`, which stops at the first that fails
during ``evaluate`` and evaluates every one when the engine explains a record::

    checks = ctx.criteria(
        lambda: owned_by_you(ctx, deal),
        lambda: deal_open(ctx, deal),
        lambda: created_more_than(ctx, deal, self.age),
    )
    if checks is None:
        continue

Thresholds are parameters of the checks, never words of a template, so a configured threshold
shows in the text.

Two mechanisms serve the criteria about time:

- a **wait** ("created more than 7 days ago") is made by :func:`elapsed_criterion` and evaluated
  by :func:`elapsed`: it holds once ``wait`` has passed since an instant (``since``);
- a **limit** ("the action lives 14 days") is evaluated by :func:`within`: it holds while
  ``now`` is before ``until = since + limit``; with no ``since``, no limit can have passed.

A criterion measured from an instant that may be absent (no reply to date an answer from, no
lead to have been disqualified) looks at all time instead, and says so: its function picks a
:meth:`~Criterion.variant` of the criterion (same id) whose text names only the values it has.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from guided_actions._model.records import (
    Call,
    Contact,
    Deal,
    Email,
    EngagementEvent,
    Lead,
    Meeting,
    Task,
)
from guided_actions._model.time import shift
from guided_actions._rules.context import (
    RuleContext,
    activity_end,
    activity_happened_at,
    domain_of,
)
from guided_actions._text.checks import Check, Criterion, Ref, Value

__all__ = [
    "ASSIGNED",
    "CREATED_MORE_THAN",
    "DEAL_OPEN",
    "EMAILED_YOU",
    "EMAILED_YOUR_ADDRESS",
    "ENGAGED",
    "FIRST_STAGE",
    "LEAD_OPEN",
    "LIFECYCLE_NOT_EXCLUDED",
    "NOT_REASSIGNED_AFTER",
    "NO_DEAL_LISTS_CONTACT",
    "NO_EMAIL_FROM_CONTACT_SINCE",
    "NO_EMAIL_FROM_YOU_AFTER",
    "NO_EMAIL_FROM_YOU_SINCE",
    "NO_OPEN_LEAD",
    "OWNED_BY_YOU",
    "SENDER_DOMAIN_DIFFERS",
    "TASK_OPEN",
    "WITHIN_LIFETIME",
    "Check",
    "Criterion",
    "Ref",
    "activity_end",
    "activity_happened_at",
    "assigned",
    "assigned_at",
    "created_more_than",
    "deal_open",
    "elapsed",
    "elapsed_criterion",
    "emailed_you",
    "emailed_your_address",
    "engaged",
    "first_email_from",
    "first_email_to",
    "first_stage",
    "from_other_domain",
    "has_open_lead",
    "latest_email",
    "latest_engagement",
    "lead_open",
    "lifecycle_not_excluded",
    "no_deal_lists_contact",
    "no_email_from_contact_since",
    "no_email_from_contacts_since",
    "no_email_from_you_after",
    "no_email_from_you_since",
    "no_open_lead",
    "not_reassigned_after",
    "owned_by_you",
    "sender_domain",
    "sender_domain_differs",
    "task_open",
    "within",
    "within_lifetime",
]


def latest_email(emails: Sequence[Email]) -> Email | None:
    """The latest email (by ``sent_at``, then id); ``None`` when there is none."""
    return max(emails, key=lambda e: (e.sent_at, e.id), default=None)


def latest_engagement(events: Sequence[EngagementEvent]) -> EngagementEvent | None:
    """The latest engagement (by ``occurred_at``, then id); ``None`` when there is none."""
    return max(events, key=lambda e: (e.occurred_at, e.id), default=None)


def _local(ctx: RuleContext, instant: datetime | None) -> datetime | None:
    return ctx.local(instant) if instant is not None else None


def _ref(ctx: RuleContext, record: object | None) -> Ref | None:
    return ctx.ref(record) if record is not None else None


# -- records: whose, in which stage ------------------------------------------------------

OWNED_BY_YOU = Criterion(
    "owned_by_you",
    met="{record} is yours",
    unmet="{record} is not yours (owner: {owner})",
)
_OWNED_BY_NOBODY = OWNED_BY_YOU.variant(unmet="{record} is not yours: it has no owner")


def owned_by_you(ctx: RuleContext, record: Contact | Lead | Deal | Call | Meeting | Task) -> Check:
    """The record's ``owner_id`` is the user evaluated."""
    criterion = OWNED_BY_YOU if record.owner_id is not None else _OWNED_BY_NOBODY
    return criterion.check(
        record.owner_id == ctx.user.id, record=ctx.ref(record), owner=record.owner_id
    )


DEAL_OPEN = Criterion(
    "deal_open",
    met="{deal} is in open stage {stage}",
    unmet="{deal} is in closed stage {stage}",
)


def deal_open(ctx: RuleContext, deal: Deal) -> Check:
    """The deal's current stage is not closed."""
    _first, closed, _won = ctx.stage_of(deal)
    return DEAL_OPEN.check(not closed, deal=ctx.ref(deal), stage=deal.stage_id)


LEAD_OPEN = Criterion(
    "lead_open",
    met="{lead} is in open stage {stage}",
    unmet="{lead} is in closed stage {stage}",
)


def lead_open(ctx: RuleContext, lead: Lead) -> Check:
    """The lead's current stage is not closed."""
    _first, closed, _won = ctx.stage_of(lead)
    return LEAD_OPEN.check(not closed, lead=ctx.ref(lead), stage=lead.stage_id)


FIRST_STAGE = Criterion(
    "first_stage",
    met="{record} is in {stage}, the first stage of pipeline {pipeline}",
    unmet="{record} is in stage {stage}, not in {first}, the first stage of pipeline {pipeline}",
)
_NO_FIRST_STAGE = FIRST_STAGE.variant(
    unmet="{record} is in stage {stage} of pipeline {pipeline}, which is unknown or has no stages"
)


def first_stage(ctx: RuleContext, record: Lead | Deal) -> Check:
    """The lead or deal is in the first stage of its pipeline."""
    first, _closed, _won = ctx.stage_of(record)
    first_id = ctx.first_stage_of(record)
    return (FIRST_STAGE if first_id is not None else _NO_FIRST_STAGE).check(
        first,
        record=ctx.ref(record),
        stage=record.stage_id,
        first=first_id,
        pipeline=record.pipeline_id,
    )


LIFECYCLE_NOT_EXCLUDED = Criterion(
    "lifecycle_not_excluded",
    met="{contact} is at lifecycle stage {stage} (excluded: {excluded})",
    unmet="{contact} is at lifecycle stage {stage}, which is excluded",
)
_NO_LIFECYCLE_STAGE = LIFECYCLE_NOT_EXCLUDED.variant(
    met="{contact} has no lifecycle stage (excluded: {excluded})"
)


def lifecycle_not_excluded(ctx: RuleContext, contact: Contact) -> Check:
    """Lifecycle stage not ``customer``/``evangelist`` (custom list: not its last stage)."""
    excluded = ctx.lifecycle_excluded()
    stage = contact.lifecycle_stage
    return (LIFECYCLE_NOT_EXCLUDED if stage is not None else _NO_LIFECYCLE_STAGE).check(
        stage not in excluded, contact=ctx.ref(contact), stage=stage, excluded=excluded
    )


TASK_OPEN = Criterion(
    "task_open",
    met="{task} is open (status {status})",
    unmet="{task} was completed at {completed}",
)
_TASK_COMPLETED_UNSTAMPED = TASK_OPEN.variant(unmet="{task} is completed")


def task_open(ctx: RuleContext, task: Task) -> Check:
    """The task is open: not completed, or completed at a stamp after ``now``."""
    completed = task.completed_at
    return (TASK_OPEN if completed is not None else _TASK_COMPLETED_UNSTAMPED).check(
        ctx.task_is_open(task),
        task=ctx.ref(task),
        status=task.status,
        completed=_local(ctx, completed),
    )


NO_DEAL_LISTS_CONTACT = Criterion(
    "no_deal_lists_contact",
    met="no deal lists {contact}",
    unmet="{contact} is on {deals}",
)


def no_deal_lists_contact(ctx: RuleContext, contact: Contact) -> Check:
    """No deal (open or closed) lists the contact."""
    deals = ctx.deals_of(contact.id)
    return NO_DEAL_LISTS_CONTACT.check(not deals, contact=ctx.ref(contact), deals=ctx.refs(deals))


NO_OPEN_LEAD = Criterion(
    "no_open_lead",
    met="{contact} has no open lead",
    unmet="{contact} has an open lead: {leads}",
)


def has_open_lead(ctx: RuleContext, contact: Contact) -> bool:
    """The contact has a lead in an open stage (the predicate of :func:`no_open_lead`)."""
    return any(not ctx.stage_of(x)[1] for x in ctx.leads_of(contact.id))


def no_open_lead(ctx: RuleContext, contact: Contact, leads: Sequence[Lead] | None = None) -> Check:
    """The contact has no lead in an open stage. ``leads``: the contact's leads, when the rule
    has already read them (``ctx.leads_of(contact.id)``)."""
    found = ctx.leads_of(contact.id) if leads is None else leads
    open_leads = [x for x in found if not ctx.stage_of(x)[1]]
    return NO_OPEN_LEAD.check(not open_leads, contact=ctx.ref(contact), leads=ctx.refs(open_leads))


ASSIGNED = Criterion(
    "assigned",
    met="{record} was assigned (or created) at {since}",
    unmet="{record} is only assigned at {since}, which is still to come",
    role="wait",
)


def assigned_at(record: Contact | Lead) -> datetime:
    """When the record was given to its owner: ``owner_assigned_at``, else ``created_at``."""
    return record.owner_assigned_at or record.created_at


def assigned(ctx: RuleContext, record: Contact | Lead) -> Check:
    """The record has been assigned by ``now`` (:func:`assigned_at`): a wait."""
    since = assigned_at(record)
    return ASSIGNED.check(since <= ctx.now, record=ctx.ref(record), since=ctx.local(since))


NOT_REASSIGNED_AFTER = Criterion(
    "not_reassigned_after",
    met="{record} was not reassigned after {since}",
    unmet="{record} was reassigned to {owner} at {at}, after {since}",
)
_NOT_REASSIGNED_AFTER_TO_NOBODY = NOT_REASSIGNED_AFTER.variant(
    unmet="{record} was left without an owner at {at}, after {since}"
)
_NOT_REASSIGNED = NOT_REASSIGNED_AFTER.variant(
    met="{record} has not been reassigned to someone else",
    unmet="{record} was reassigned to {owner} at {at}",
)
_NOT_REASSIGNED_TO_NOBODY = _NOT_REASSIGNED.variant(
    unmet="{record} was left without an owner at {at}"
)


def not_reassigned_after(ctx: RuleContext, record: Contact | Lead, since: datetime | None) -> Check:
    """Not (owned by someone else with ``owner_assigned_at`` later than ``since``); with no
    ``since``, not owned by someone else with an ``owner_assigned_at`` at all."""
    at, owner = record.owner_assigned_at, record.owner_id
    reassigned = owner != ctx.user.id and at is not None and (since is None or at > since)
    if since is not None:
        criterion = NOT_REASSIGNED_AFTER if owner is not None else _NOT_REASSIGNED_AFTER_TO_NOBODY
    else:
        criterion = _NOT_REASSIGNED if owner is not None else _NOT_REASSIGNED_TO_NOBODY
    return criterion.check(
        not reassigned,
        record=ctx.ref(record),
        since=_local(ctx, since),
        owner=owner,
        at=_local(ctx, at),
    )


# -- email ------------------------------------------------------------------------------

EMAILED_YOU = Criterion(
    "emailed_you",
    met="{record} emailed you at {at} ({email})",
    unmet="{record} has not emailed you",
)
EMAILED_YOUR_ADDRESS = Criterion(
    "emailed_your_address",
    met="{record} emailed your address {address} at {at} ({email})",
    unmet="{record} has not emailed your address {address}",
)


def _emailed(
    ctx: RuleContext, criterion: Criterion, record: object, email: Email | None, **params: Value
) -> Check:
    return criterion.check(
        email is not None,
        record=ctx.ref(record),
        email=_ref(ctx, email),
        at=_local(ctx, email.sent_at if email is not None else None),
        **params,
    )


def emailed_you(ctx: RuleContext, record: Contact | Lead, email: Email | None) -> Check:
    """The record wrote to you: ``email`` is the inbound email of your mailbox the rule goes by
    (``None``: there is none)."""
    return _emailed(ctx, EMAILED_YOU, record, email)


def emailed_your_address(ctx: RuleContext, record: Contact | Lead, email: Email | None) -> Check:
    """The record wrote to your address: ``email`` is the inbound email whose primary recipient
    (``to[0]``) is your address that the rule goes by (``None``: there is none)."""
    return _emailed(ctx, EMAILED_YOUR_ADDRESS, record, email, address=ctx.user.email)


def _sent_since(email: Email, since: datetime | None, inclusive: bool) -> bool:
    sent = email.sent_at
    return since is None or sent > since or (inclusive and sent == since)


def first_email_to(
    ctx: RuleContext, contact: Contact | Ref, since: datetime | None, *, inclusive: bool
) -> Email | None:
    """The first outbound email of yours to the contact sent since ``since``: at or after it
    when ``inclusive`` ("since"), after it otherwise ("after"); with no ``since``, the first.
    A ``Ref`` names a contact that does not exist at ``now``: you cannot have emailed it."""
    if not isinstance(contact, Contact):
        return None
    return next((e for e in ctx.emails_sent_to(contact) if _sent_since(e, since, inclusive)), None)


def first_email_from(
    ctx: RuleContext, contacts: Sequence[Contact], since: datetime | None
) -> tuple[Email, Contact] | None:
    """The first inbound email of your mailbox from one of the contacts sent at or after
    ``since`` (with no ``since``, the first), with its sender."""
    mail = [(e, c) for c in contacts for e in ctx.emails_received_from(c)]
    if len(contacts) > 1:  # each contact's emails come oldest first
        mail.sort(key=lambda m: (m[0].sent_at, m[0].id, m[1].id))
    return next(((e, c) for e, c in mail if _sent_since(e, since, True)), None)


def _no_email(
    ctx: RuleContext,
    criterion: Criterion,
    email: Email | None,
    since: datetime | None,
    **params: Value,
) -> Check:
    """The check that no email was found; otherwise it names the first one, and when."""
    return criterion.check(
        email is None,
        since=_local(ctx, since),
        at=_local(ctx, email.sent_at if email is not None else None),
        email=_ref(ctx, email),
        **params,
    )


NO_EMAIL_FROM_YOU_SINCE = Criterion(
    "no_email_from_you_since",
    met="you have not emailed {contact} since {since}",
    unmet="you emailed {contact} at {at} ({email}), since {since}",
)
NO_EMAIL_FROM_YOU_AFTER = Criterion(
    "no_email_from_you_after",
    met="you have not emailed {contact} after {since}",
    unmet="you emailed {contact} at {at} ({email}), after {since}",
)
_NEVER_EMAILED = {
    c.id: c.variant(
        met="you have not emailed {contact}", unmet="you emailed {contact} at {at} ({email})"
    )
    for c in (NO_EMAIL_FROM_YOU_SINCE, NO_EMAIL_FROM_YOU_AFTER)
}


def _not_emailed(
    ctx: RuleContext,
    criterion: Criterion,
    contact: Contact | Ref,
    since: datetime | None,
    *,
    inclusive: bool,
) -> Check:
    return _no_email(
        ctx,
        criterion if since is not None else _NEVER_EMAILED[criterion.id],
        first_email_to(ctx, contact, since, inclusive=inclusive),
        since,
        contact=contact if isinstance(contact, Ref) else ctx.ref(contact),
    )


def no_email_from_you_since(
    ctx: RuleContext, contact: Contact | Ref, since: datetime | None
) -> Check:
    """No outbound email of yours to the contact sent at or after ``since`` ("since" includes);
    with no ``since``, none at all. A ``Ref`` names a contact that does not exist at ``now``:
    you cannot have emailed it."""
    return _not_emailed(ctx, NO_EMAIL_FROM_YOU_SINCE, contact, since, inclusive=True)


def no_email_from_you_after(
    ctx: RuleContext, contact: Contact | Ref, since: datetime | None
) -> Check:
    """No outbound email of yours to the contact sent after ``since`` ("after" excludes); with
    no ``since``, none at all. A ``Ref`` names a contact that does not exist at ``now``."""
    return _not_emailed(ctx, NO_EMAIL_FROM_YOU_AFTER, contact, since, inclusive=False)


NO_EMAIL_FROM_CONTACT_SINCE = Criterion(
    "no_email_from_contact_since",
    met="you have had no email from {contacts} since {since}",
    unmet="{contact} emailed you at {at} ({email}), since {since}",
)
_NO_EMAIL_FROM_CONTACT_EVER = NO_EMAIL_FROM_CONTACT_SINCE.variant(
    met="you have had no email from {contacts}",
    unmet="{contact} emailed you at {at} ({email})",
)
_NO_CONTACT_TO_EMAIL = NO_EMAIL_FROM_CONTACT_SINCE.variant(
    met="there is no contact to have emailed you since {since}"
)
_NO_CONTACT_TO_EMAIL_EVER = NO_EMAIL_FROM_CONTACT_SINCE.variant(
    met="there is no contact to have emailed you"
)


def no_email_from_contacts_since(
    ctx: RuleContext, contacts: Sequence[Contact], since: datetime | None
) -> Check:
    """No inbound email in your mailbox from any of the contacts sent at or after ``since``;
    with no ``since``, none at all. The check names the first such email and its sender."""
    found = first_email_from(ctx, contacts, since)
    if contacts:
        criterion = (
            NO_EMAIL_FROM_CONTACT_SINCE if since is not None else _NO_EMAIL_FROM_CONTACT_EVER
        )
    else:
        criterion = _NO_CONTACT_TO_EMAIL if since is not None else _NO_CONTACT_TO_EMAIL_EVER
    return _no_email(
        ctx,
        criterion,
        found[0] if found is not None else None,
        since,
        contacts=ctx.refs(contacts),
        contact=ctx.ref(found[1]) if found is not None else None,
    )


def no_email_from_contact_since(
    ctx: RuleContext, contact: Contact, since: datetime | None
) -> Check:
    """No inbound email in your mailbox from the contact sent at or after ``since``."""
    return no_email_from_contacts_since(ctx, (contact,), since)


SENDER_DOMAIN_DIFFERS = Criterion(
    "sender_domain_differs",
    met="{sender} is from domain {domain}, not yours ({yours})",
    unmet="{sender} is from your own domain {yours}",
)
_SENDER_DOMAIN_UNKNOWN = SENDER_DOMAIN_DIFFERS.variant(
    met="the sender's domain is unknown, so it is not taken for yours"
)
_YOU_HAVE_NO_DOMAIN = SENDER_DOMAIN_DIFFERS.variant(
    met="{sender} is from domain {domain}; your address has no domain"
)


def sender_domain(email: Email | None, contact: Contact | None) -> str | None:
    """The sender's domain: the email's ``from_address``'s, else the contact's address's."""
    from_address = email.from_address if email is not None else None
    return domain_of(from_address) or domain_of(contact.email if contact else None)


def from_other_domain(email: Email | None, contact: Contact | None, yours: str | None) -> bool:
    """The sender's domain (:func:`sender_domain`) is not ``yours``; when unknown, it differs."""
    theirs = sender_domain(email, contact)
    return theirs is None or theirs != yours


def sender_domain_differs(ctx: RuleContext, email: Email | None, contact: Contact | None) -> Check:
    """The sender's domain differs from yours (with no domain known, it differs). With no
    email, the sender is the contact, from its own address."""
    theirs, yours = sender_domain(email, contact), ctx.your_domain()
    if theirs is None:
        criterion = _SENDER_DOMAIN_UNKNOWN
    else:
        criterion = SENDER_DOMAIN_DIFFERS if yours is not None else _YOU_HAVE_NO_DOMAIN
    return criterion.check(
        theirs is None or theirs != yours,
        sender=_ref(ctx, email if email is not None else contact),
        domain=theirs,
        yours=yours,
    )


# -- engagement -------------------------------------------------------------------------

ENGAGED = Criterion(
    "engaged",
    met="{record} engaged at {at}: {event}",
    unmet="{record} has not engaged (engagement kinds counted: {kinds})",
)


# A lead engages through its contact, which the text names.
_ENGAGED_THROUGH_CONTACT = ENGAGED.variant(
    met="{record} engaged at {at}: {event} of {contact}",
    unmet="{record} has not engaged: {contact} has no engagement of a counted kind ({kinds})",
)


def engaged(ctx: RuleContext, record: Contact | Lead, event: EngagementEvent | None) -> Check:
    """The record engaged: ``event`` is the engagement of a counted kind the rule goes by
    (``None``: there is none). A lead engages through its contact, which the check names."""
    if isinstance(record, Lead):
        return _ENGAGED_THROUGH_CONTACT.check(
            event is not None,
            record=ctx.ref(record),
            contact=ctx.ref_to("contact", record.contact_id),
            at=_local(ctx, event.occurred_at if event is not None else None),
            event=_ref(ctx, event),
            kinds=ctx.counted_engagement_kinds(),
        )
    return ENGAGED.check(
        event is not None,
        record=ctx.ref(record),
        at=_local(ctx, event.occurred_at if event is not None else None),
        event=_ref(ctx, event),
        kinds=ctx.counted_engagement_kinds(),
    )


# -- time: waits and limits -------------------------------------------------------------


def elapsed_criterion(id: str, happened: str) -> Criterion:
    """A wait: more than ``{wait}`` has passed since the ``{record}`` ``happened`` ("was
    created", "started") at ``{since}``. Evaluate it with :func:`elapsed`."""
    return Criterion(
        id,
        met=f"{{record}} {happened} more than {{wait}} ago, at {{since}}",
        unmet=f"{{record}} {happened} at {{since}}, less than {{wait}} ago",
        role="wait",
    )


def elapsed(
    ctx: RuleContext, criterion: Criterion, record: object, since: datetime, wait: timedelta
) -> Check:
    """``wait`` has passed since ``since`` (``since + wait <= now``): only time has to pass."""
    return criterion.check(
        shift(since, wait) <= ctx.now, record=ctx.ref(record), wait=wait, since=ctx.local(since)
    )


CREATED_MORE_THAN = elapsed_criterion("created_more_than", "was created")


def created_more_than(ctx: RuleContext, record: Deal, age: timedelta) -> Check:
    """The record was created at least ``age`` before ``now`` (only time has to pass)."""
    return elapsed(ctx, CREATED_MORE_THAN, record, record.created_at, age)


def within(
    ctx: RuleContext,
    criterion: Criterion,
    since: datetime | None,
    limit: timedelta,
    **params: Value,
) -> Check:
    """A limit: ``now`` is before ``until = since + limit``. With no ``since`` (nothing to date
    it from, which a failing condition explains) no limit can have passed, and it holds. The
    check carries ``since``, ``limit`` and ``until``, and ``params``."""
    until = shift(since, limit) if since is not None else None
    return criterion.check(
        until is None or ctx.now < until,
        since=_local(ctx, since),
        limit=limit,
        until=_local(ctx, until),
        **params,
    )


# Its met text names no instant, so it reads the same with nothing to date the action from;
# it is unmet only once ``until`` has passed, so the unmet text may name it.
WITHIN_LIFETIME = Criterion(
    "within_lifetime",
    met="the action lives {limit} from its creation",
    unmet="the action lived {limit} from its creation, until {until}",
    role="limit",
)


def within_lifetime(ctx: RuleContext, created_at: datetime | None, lifetime: timedelta) -> Check:
    """``now`` is before ``created_at + lifetime``, when the action's time limit passes (see
    :func:`within`: with no ``created_at``, it holds)."""
    return within(ctx, WITHIN_LIFETIME, created_at, lifetime)
