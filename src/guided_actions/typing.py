"""The contract between the engine and a rule, written down once as types.

A rule reads the CRM only through :class:`SnapshotReader`. :class:`~guided_actions.Snapshot`
implements it with in-memory indexes; a CRM may hand in its own implementation (for instance one
backed by its ORM caches) as long as every method answers as documented here.

Every method returns records *as the snapshot holds them*, without regard to time: the rule
context (:class:`~guided_actions.RuleContext`) is what applies "whatever is stamped after `now`
has not happened yet". Sequences are returned in a deterministic order (the input order).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol, TypeAlias, get_args, runtime_checkable

from guided_actions._model.records import (
    Call,
    Company,
    Contact,
    Deal,
    Dismissal,
    Email,
    EngagementEvent,
    IssuedAction,
    Lead,
    Meeting,
    Note,
    Pipeline,
    Snooze,
    Task,
    User,
)
from guided_actions._model.records import Sequence as SalesSequence

__all__ = [
    "SUBJECT_KINDS",
    "Activity",
    "Category",
    "ListedKind",
    "Priority",
    "SnapshotReader",
    "Subject",
    "SubjectKind",
]

SubjectKind: TypeAlias = Literal[
    "contact", "lead", "deal", "company", "email", "call", "meeting", "task"
]
"""What an action can be about."""

SUBJECT_KINDS: tuple[SubjectKind, ...] = get_args(SubjectKind)
"""Every :data:`SubjectKind`, in the order of its declaration."""

Subject: TypeAlias = tuple[SubjectKind, str]
"""``(kind, id)`` of a record an action is about."""

Category: TypeAlias = Literal["deal", "prospecting", "general"]
"""The workspace view an action belongs to."""

Priority: TypeAlias = Literal["high", "normal", "low"]
"""A rule's priority; actions are ordered high, normal, low."""

ListedKind: TypeAlias = Literal["contact", "lead", "deal"]
"""The kinds of record an activity can list."""

Activity: TypeAlias = Email | Call | Meeting | Note | Task
"""An email, call, meeting, note or task."""


@runtime_checkable
class SnapshotReader(Protocol):
    """Read access to a CRM snapshot: the only thing rules know about the CRM.

    Lookups by id return ``None`` for an unknown id; lookups by owner, address or association
    return an empty sequence. Addresses compare case-insensitively.
    """

    @property
    def lifecycle_stages(self) -> Sequence[str]:
        """The ordered lifecycle stage ids (the CRM's custom list, or the default one)."""

    @property
    def custom_lifecycle_stages(self) -> bool:
        """True when the snapshot carries its own ``lifecycle_stages`` list."""

    def user(self, user_id: str) -> User | None:
        """The user with that id."""

    def users(self) -> Sequence[User]:
        """Every user."""

    def contact(self, contact_id: str) -> Contact | None:
        """The contact with that id."""

    def company(self, company_id: str) -> Company | None:
        """The company with that id."""

    def lead(self, lead_id: str) -> Lead | None:
        """The lead with that id."""

    def deal(self, deal_id: str) -> Deal | None:
        """The deal with that id."""

    def email(self, email_id: str) -> Email | None:
        """The email with that id."""

    def meeting(self, meeting_id: str) -> Meeting | None:
        """The meeting with that id."""

    def call(self, call_id: str) -> Call | None:
        """The call with that id."""

    def task(self, task_id: str) -> Task | None:
        """The task with that id."""

    def pipeline(self, pipeline_id: str) -> Pipeline | None:
        """The pipeline with that id."""

    def sequence(self, sequence_id: str) -> SalesSequence | None:
        """The sales sequence with that id."""

    def contacts_owned_by(self, user_id: str) -> Sequence[Contact]:
        """Contacts whose ``owner_id`` is the user."""

    def companies_owned_by(self, user_id: str) -> Sequence[Company]:
        """Companies whose ``owner_id`` is the user."""

    def leads_owned_by(self, user_id: str) -> Sequence[Lead]:
        """Leads whose ``owner_id`` is the user."""

    def deals_owned_by(self, user_id: str) -> Sequence[Deal]:
        """Deals whose ``owner_id`` is the user."""

    def emails_in_mailbox(self, user_id: str) -> Sequence[Email]:
        """Emails whose ``owner_id`` is the user (sent and received)."""

    def calls_owned_by(self, user_id: str) -> Sequence[Call]:
        """Calls whose ``owner_id`` is the user."""

    def meetings_owned_by(self, user_id: str) -> Sequence[Meeting]:
        """Meetings whose ``owner_id`` is the user."""

    def tasks_owned_by(self, user_id: str) -> Sequence[Task]:
        """Tasks whose ``owner_id`` is the user."""

    def notes_owned_by(self, user_id: str) -> Sequence[Note]:
        """Notes whose ``owner_id`` is the user."""

    def contacts_with_email(self, address: str) -> Sequence[Contact]:
        """Contacts whose ``email`` is that address."""

    def contacts_of_company(self, company_id: str) -> Sequence[Contact]:
        """Contacts whose ``company_ids`` include the company."""

    def leads_of_contact(self, contact_id: str) -> Sequence[Lead]:
        """Leads whose ``contact_id`` is the contact."""

    def deals_of_contact(self, contact_id: str) -> Sequence[Deal]:
        """Deals whose ``contact_ids`` include the contact."""

    def inbound_emails_to(self, address: str) -> Sequence[Email]:
        """Inbound emails (in any mailbox) whose primary recipient ``to[0]`` is the address."""

    def replies_to(self, email_id: str) -> Sequence[Email]:
        """Inbound emails whose ``in_reply_to`` is that email."""

    def tasks_of_meeting(self, meeting_id: str) -> Sequence[Task]:
        """Follow-up tasks of a meeting (tasks whose ``meeting_id`` is it)."""

    def activities_listing(self, kind: ListedKind, record_id: str) -> Sequence[Activity]:
        """Emails, calls, meetings, notes and tasks listing the record.

        An activity lists a record when its id is in the activity's ``contact_ids``,
        ``lead_ids`` or ``deal_ids``; a task also lists what its ``meeting_id``'s meeting lists.
        """

    def engagement_events_of(self, contact_id: str) -> Sequence[EngagementEvent]:
        """The contact's engagement events."""

    def dismissals_of(self, user_id: str) -> Sequence[Dismissal]:
        """The user's dismissals."""

    def snoozes_of(self, user_id: str) -> Sequence[Snooze]:
        """The user's snoozes. A reader without this method has none: the engine hides no
        action for a snooze then."""

    def issued_action(self, key: str) -> IssuedAction | None:
        """The stored associations of an action already shown, by key."""
