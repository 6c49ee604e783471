"""Whole CRMs for the book and the distributed runners: a skewed one and a crossing one.

Both start from the synthetic generator (``guided_actions.synthetic.generate``, where every rule
fires somewhere and every rep's book has the same shape) and move records across owners with a
seeded random generator, so that each is deterministic by seed and stays a valid interchange
document:

- :func:`skewed_crm`: one rep, the first, owns most target-account companies and receives, as
  a shared mailbox, the inbound emails of many other reps' contacts, so that their book holds
  about 30 % of the records;
- :func:`crossing_crm`: contacts, companies and mailboxes cross owners everywhere: contacts
  given to other reps (their deals and leads stay), contacts on other reps' companies, inbound
  emails in one rep's mailbox addressed to another, emails that list another rep's contacts;
  with dismissals, snoozes and issued actions of some of the reps' action keys, and dashboards
  whose ``access`` takes both forms (``"everyone"`` and lists of teams), which an Arrow column
  holds only as JSON text.
"""

from __future__ import annotations

import copy
import functools
import random
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

from guided_actions import Snapshot, evaluate_all
from guided_actions.synthetic import generate

__all__ = ["NOW", "book_share", "crossing_crm", "skewed_crm", "with_state"]

#: The instant the CRMs are generated around (and evaluated at).
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

Document = dict[str, Any]


def _base(users: int, contacts_per_user: int, seed: int) -> Document:
    return copy.deepcopy(
        generate(users=users, contacts_per_user=contacts_per_user, seed=seed, now=NOW)
    )


def _user_ids(doc: Document) -> list[str]:
    return [u["id"] for u in doc["users"]]


def _address(doc: Document, user_id: str) -> str:
    return next(u["email"] for u in doc["users"] if u["id"] == user_id)


def skewed_crm(
    seed: int = 1,
    *,
    users: int = 10,
    contacts_per_user: int = 60,
    share: float = 0.3,
    state: bool = True,
) -> Document:
    """A CRM where the first user concerns about ``share`` of the records.

    The first user takes over a fraction of the companies of the other reps (made target
    accounts), and is the primary recipient of the inbound emails of those companies' contacts
    (a shared mailbox: the emails stay in their reps' mailboxes). The fraction that gives
    ``share`` is found once per ``(seed, users, share)`` on a CRM of as many reps with few
    contacts each (every rep's book has the same shape whatever their number of contacts), so
    that a large skewed CRM is made as fast as the generator makes it. ``state``: with
    :func:`with_state`'s dismissals, snoozes and issued actions.
    """
    fraction = _fraction(seed, users, min(contacts_per_user, _CALIBRATION), share)
    doc = _skewed(
        generate(users=users, contacts_per_user=contacts_per_user, seed=seed, now=NOW),
        seed,
        fraction,
    )
    return with_state(doc, seed) if state else doc


#: The contacts per user of the CRM the skew is calibrated on.
_CALIBRATION = 20


def _skewed(doc: Document, seed: int, fraction: float) -> Document:
    """``doc`` (changed in place) with ``fraction`` of the other reps' companies, drawn by
    ``seed``, given to the first user as target accounts, and the inbound emails of their
    contacts addressed to the first user first."""
    rng = random.Random(seed)
    heavy = _user_ids(doc)[0]
    heavy_address = _address(doc, heavy)
    others = [c for c in doc["companies"] if c.get("owner_id") != heavy]
    rng.shuffle(others)
    taken = others[: round(fraction * len(others))]
    for company in taken:
        company["owner_id"] = heavy
        company["target_account"] = True
    ids = {company["id"] for company in taken}
    senders = {
        contact["email"]
        for contact in doc["contacts"]
        if contact.get("email") and ids.intersection(contact.get("company_ids", ()))
    }
    for email in doc["emails"]:
        if email.get("direction") == "inbound" and email.get("from_address") in senders:
            email["to"] = [heavy_address, *email.get("to", ())[1:]]
    return doc


def book_share(doc: Document, user_id: str) -> float:
    """The share of the document's records that concern ``user_id`` (their book's)."""
    snapshot = Snapshot.from_dict(doc)
    book = snapshot.book([user_id])
    lists = _lists_of(doc)
    return sum(len(book.records(name)) for name in lists) / sum(
        len(snapshot.records(name)) for name in lists
    )


@functools.cache
def _fraction(seed: int, users: int, contacts_per_user: int, share: float) -> float:
    """The fraction of the other reps' companies that makes the first user concern ``share``
    of the records: bisection (to 1/128) on a CRM of that size."""
    low, high = 0.0, 1.0
    for _ in range(7):
        middle = (low + high) / 2
        doc = generate(users=users, contacts_per_user=contacts_per_user, seed=seed, now=NOW)
        if book_share(_skewed(doc, seed, middle), _user_ids(doc)[0]) < share:
            low = middle
        else:
            high = middle
    return high


def _lists_of(doc: Document) -> list[str]:
    return [name for name, value in doc.items() if isinstance(value, list)]


def crossing_crm(seed: int = 1, *, users: int = 10, contacts_per_user: int = 60) -> Document:
    """A CRM where contacts, companies and mailboxes cross owners everywhere, with per-user
    state (dismissals, snoozes, issued actions) for some action keys."""
    doc = _base(users, contacts_per_user, seed)
    rng = random.Random(seed)
    ids = _user_ids(doc)

    def another(owner: str | None) -> str:
        return rng.choice([u for u in ids if u != owner])

    companies = [c["id"] for c in doc["companies"]]
    contacts = [c["id"] for c in doc["contacts"]]
    for contact in doc["contacts"]:
        if rng.random() < 0.3:
            contact["owner_id"] = another(contact.get("owner_id"))
        if rng.random() < 0.3:
            contact["company_ids"] = [*contact.get("company_ids", ()), rng.choice(companies)]
            contact["company_ids"] = list(dict.fromkeys(contact["company_ids"]))
    for company in doc["companies"]:
        if rng.random() < 0.3:
            company["owner_id"] = another(company.get("owner_id"))
            company["target_account"] = True
    for email in doc["emails"]:
        roll = rng.random()
        if roll < 0.2 and email.get("direction") == "inbound":
            # Addressed to another rep, in this one's mailbox.
            email["to"] = [_address(doc, another(email.get("owner_id")))]
        elif roll < 0.3:
            email["owner_id"] = another(email.get("owner_id"))
        elif roll < 0.4:
            email["contact_ids"] = [*email.get("contact_ids", ()), rng.choice(contacts)]
            email["contact_ids"] = list(dict.fromkeys(email["contact_ids"]))
    for deal in doc["deals"]:
        if rng.random() < 0.2:
            deal["contact_ids"] = list(dict.fromkeys([*deal["contact_ids"], rng.choice(contacts)]))
    doc["dashboards"] = [
        {"id": "d1", "access": "everyone", "name": "Pipeline", "view_access_confirmed": True},
        {"id": "d2", "access": ["team1", "team2"], "name": "Team", "view_access_confirmed": True},
        {"id": "d3", "access": [], "view_access_confirmed": False},
    ]
    return with_state(doc, seed)


def with_state(doc: Document, seed: int = 0) -> Document:
    """``doc`` with a dismissal, a snooze or an issued action (naming one of the CRM's
    contacts) for about one action key in six of its users' actions at :data:`NOW`."""
    rng = random.Random(seed + 1)
    results = evaluate_all(Snapshot.from_dict(doc), NOW)
    contacts = [c["id"] for c in doc["contacts"]]
    doc = dict(doc)
    for name in ("dismissals", "snoozes", "issued_actions"):
        doc[name] = list(doc.get(name, ()))
    for user_id, result in results.items():
        for action in result.actions:
            roll = rng.random()
            if roll < 0.05:
                doc["dismissals"].append({"user_id": user_id, "action_key": action.key})
            elif roll < 0.1:
                doc["snoozes"].append(
                    {
                        "user_id": user_id,
                        "action_key": action.key,
                        "until": "2026-11-30T12:00:00+00:00",
                        "subject_ids": [rid for _kind, rid in action.subjects],
                    }
                )
            elif roll < 0.17 and not action.grouped:
                doc["issued_actions"].append(
                    {"key": action.key, "contact_ids": [rng.choice(contacts)]}
                )
    return doc


def expected(document: Document, **options: Any) -> Any:
    """The table a runner must give: ``evaluate_all`` of the document in one process, as the
    actions' Arrow table sorted by key (``options``: ``config``, ``rules``)."""
    from guided_actions._adapters.distributed import core

    table = evaluate_all(Snapshot.from_dict(dict(document)), NOW, **options).to_arrow()
    return table.cast(core.ACTIONS_SCHEMA).sort_by("key")


def assert_same(got: Any, want: Any) -> None:
    """A runner's table (sorted by key) has exactly the rows of :func:`expected`, one per key."""
    assert got.num_rows == want.num_rows
    assert got.to_pylist() == want.to_pylist()
    assert len(set(got["key"].to_pylist())) == got.num_rows  # keyed by the action key


def assert_imports_no_engine(module: str, roots: tuple[str, ...]) -> None:
    """Importing ``module`` in a fresh interpreter loads no module under ``roots``."""
    code = (
        f"import sys, {module}; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {roots!r}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
