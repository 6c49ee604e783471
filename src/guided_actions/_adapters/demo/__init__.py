"""The demo snapshot shipped with the package: a small sales team on a Wednesday morning.

The snapshot is the interchange document ``demo.json`` next to this module (``guided-actions/1``,
pretty-printed with a 2-space indent); ``guided-actions demo --export FILE`` writes exactly that
file. Its instants were chosen around :data:`DEMO_NOW` (Wednesday 14 May 2025, 09:30 in Paris),
mostly as wall-clock times in Paris: moving :data:`DEMO_NOW` means moving them too.

Northwind Analytics sells to logistics, health, retail and industrial companies. Claire Martin
(``u-claire``, Paris) is the demo rep; Marcus Lee (``u-marcus``, New York) is her colleague and
Priya Shah (``u-priya``, London) the super admin. Evaluating Claire at :data:`DEMO_NOW` gives at
least one action of every built-in rule. Her workspace (``guided-actions demo --workspace``) has
something in every section: tasks due today, overdue and due tomorrow, a sequence with open tasks
in two steps, two meetings today, a task completed this morning and a week of activity in the
feed.

Claire's long-standing contacts are Sophie, Tom and Paul at Acme Logistics (``co-acme``, a target
account), Inès and Grace at Bluefin Health, Karl, Jonas and Felix at Elbe Maschinenbau. Marcus
owns Olivia and Hannah (Cedar & Pine) and Diego (Dunmore Capital). The records that feed each
rule:

- ``add_contact_to_deal``: ``d-harborview``, opened from a trade-show badge scan eleven days ago,
  with nobody attached.
- ``buyer_follow_up``: ``d-bluefin-expansion``; Grace opened the proposal
  (``e-grace-proposal``) the next morning and has been silent since.
- ``contacts_awaiting_reply``: Sophie's question ``e-sophie-question``; ``e-hannah-emea``, from
  Marcus's contact Hannah to Claire with Marcus in copy; Inès's reply ``e-ines-reply``.
- ``email_replies``: Claire wrote to Inès on Friday (``e-ines-intro``); Inès answered yesterday
  (``e-ines-reply``).
- ``initial_outreach_needed``: ``d-acme-warehouse``, created nine days ago, nothing logged on it.
- ``leads_awaiting_reply``: ``l-diego`` is Marcus's lead, but Diego asked Claire for a European
  reference (``e-diego-reference``).
- ``log_call_outcomes``: ``cl-sophie-pricing`` and ``cl-tom-checkin``, two calls without an
  outcome, grouped in one card (``cl-paul-attempt`` was not answered: no outcome to log).
- ``meeting_follow_up``: Monday's demo ``m-bluefin-demo``, whose recap task ``t-bluefin-recap``
  is still open.
- ``newly_assigned_contacts``: ``c-amara``, ``c-lucas`` and ``c-noor``, handed to Claire this
  week and not contacted yet, in one card.
- ``newly_assigned_leads``: ``l-noor`` (contact ``c-noor``) came to Claire from Marcus on Sunday;
  still in the first stage, nothing logged since the handover.
- ``prepare_next_meeting``: today's quarterly review with Acme, ``m-acme-qbr``, on
  ``d-acme-renewal``.
- ``priority_tasks_due_today``: ``t-acme-quote`` and ``t-qbr-deck``, two high-priority tasks due
  today, one card.
- ``recently_engaged_leads``: ``l-felix``; Felix opened Claire's email on Monday
  (``ev-felix-open``).
- ``reengaged_contacts``: Jonas's lead ``l-jonas`` was disqualified in March; he is back on the
  site (``ev-jonas-pricing``, ``ev-jonas-form``).
- ``reply_to_email``: Sophie, a contact on ``d-acme-renewal``, wrote on Monday
  (``e-sophie-question``).
- ``sequence_activity``: the Q2 outbound sequence ``seq-q2-outbound``, open tasks in steps 1
  (``t-seq-paul-1``, ``t-seq-amara-1``) and 2 (``t-seq-tom-2``).
- ``target_account_activity``: Tom (Acme, a target account) clicked the case study
  (``ev-tom-click``).
- ``update_next_steps``: on ``d-elbe-retrofit``, a discovery call (``cl-karl-discovery``) and its
  debrief (``n-elbe-debrief``) since the next step was last touched.

Records that fire nothing show the rules' limits or fill the workspace: the closed deal
``d-acme-pilot``; ``e-marcus-handover``, a colleague's email, never "awaiting your reply" (same
domain); the overdue ``t-harbor-research``; ``t-qbr-agenda``, completed this morning; the
internal meeting ``m-team-pipeline`` later today and the site visit ``m-elbe-onsite`` next week;
and Marcus's own mailbox, meetings and tasks.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from guided_actions._model.jsontext import loads
from guided_actions._snapshot.snapshot import Snapshot

__all__ = ["DEMO_NOW", "DEMO_USER", "demo_document", "demo_snapshot"]

#: Wednesday 14 May 2025, 09:30 in Paris.
DEMO_NOW = datetime(2025, 5, 14, 7, 30, tzinfo=UTC)
#: The rep the demo evaluates by default.
DEMO_USER = "u-claire"
#: The file of the demo snapshot, in this package.
DEMO_FILE = "demo.json"


@cache
def _demo_text() -> str:
    """The text of ``demo.json``, exactly as packaged."""
    return resources.files(__name__).joinpath(DEMO_FILE).read_text(encoding="utf-8")


def demo_document() -> dict[str, Any]:
    """The demo snapshot as an interchange document (``guided-actions/1``), a fresh copy."""
    document: dict[str, Any] = loads(_demo_text())  # strict: a key given twice is refused
    return document


def demo_snapshot() -> Snapshot:
    """The demo snapshot, validated."""
    return Snapshot.from_dict(demo_document())
