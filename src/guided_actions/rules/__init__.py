"""The 18 built-in rules, one module each; their classes are re-exported here.

Each rule module is its own specification: read its class docstring. ``BUILTIN_RULES`` lists the
classes in the order of SPEC §5's table.
"""

from __future__ import annotations

from guided_actions._rules.rule import Rule

from .add_contact_to_deal import AddContactToDeal
from .buyer_follow_up import BuyerFollowUp
from .contacts_awaiting_reply import ContactsAwaitingReply
from .email_replies import EmailReplies
from .initial_outreach_needed import InitialOutreachNeeded
from .leads_awaiting_reply import LeadsAwaitingReply
from .log_call_outcomes import LogCallOutcomes
from .meeting_follow_up import MeetingFollowUp
from .newly_assigned_contacts import NewlyAssignedContacts
from .newly_assigned_leads import NewlyAssignedLeads
from .prepare_next_meeting import PrepareNextMeeting
from .priority_tasks_due_today import PriorityTasksDueToday
from .recently_engaged_leads import RecentlyEngagedLeads
from .reengaged_contacts import ReengagedContacts
from .reply_to_email import ReplyToEmail
from .sequence_activity import SequenceActivity
from .target_account_activity import TargetAccountActivity
from .update_next_steps import UpdateNextSteps

__all__ = [
    "BUILTIN_RULES",
    "AddContactToDeal",
    "BuyerFollowUp",
    "ContactsAwaitingReply",
    "EmailReplies",
    "InitialOutreachNeeded",
    "LeadsAwaitingReply",
    "LogCallOutcomes",
    "MeetingFollowUp",
    "NewlyAssignedContacts",
    "NewlyAssignedLeads",
    "PrepareNextMeeting",
    "PriorityTasksDueToday",
    "RecentlyEngagedLeads",
    "ReengagedContacts",
    "ReplyToEmail",
    "Rule",
    "SequenceActivity",
    "TargetAccountActivity",
    "UpdateNextSteps",
]

BUILTIN_RULES: tuple[type[Rule], ...] = (
    NewlyAssignedContacts,
    NewlyAssignedLeads,
    ReengagedContacts,
    SequenceActivity,
    EmailReplies,
    MeetingFollowUp,
    LogCallOutcomes,
    ContactsAwaitingReply,
    ReplyToEmail,
    LeadsAwaitingReply,
    PrepareNextMeeting,
    PriorityTasksDueToday,
    TargetAccountActivity,
    RecentlyEngagedLeads,
    UpdateNextSteps,
    AddContactToDeal,
    InitialOutreachNeeded,
    BuyerFollowUp,
)
