"""Addresses compare after Unicode case folding (docs/explanation/choices.md, "Records")."""

from __future__ import annotations

import pytest

from guided_actions.rules import ContactsAwaitingReply
from guided_actions.testing import NOW, build, contact, run_rule, user
from guided_actions.testing import inbound_email as inbound


def fires(contact_email: str, from_address: str, to: str = "rep@acme.test") -> bool:
    records = [
        user("u1", email="rep@acme.test"),
        contact("c1", email=contact_email),
        inbound(from_address=from_address, to=(to,)),
    ]
    return bool(run_rule(ContactsAwaitingReply, build(*records), NOW))


@pytest.mark.parametrize(
    ("contact_email", "from_address"),
    [
        ("élodie@client.test", "ÉLODIE@CLIENT.TEST"),
        ("straße@client.test", "STRASSE@client.test"),
        ("ΣΟΦΙΑ@client.test", "σοφια@client.test"),
        ("sofia@bücher.test", "SOFIA@BÜCHER.TEST"),
    ],
    ids=["accent", "sharp-s", "final-sigma", "accented-domain"],
)
def test_case_variants_match(contact_email: str, from_address: str) -> None:
    """Non-ASCII case variants of one address are one address (``lower`` misses some)."""
    assert fires(contact_email, from_address)


@pytest.mark.parametrize(
    ("contact_email", "from_address"),
    [
        ("élodie@client.test", "elodie@client.test"),
        ("straße@client.test", "strase@client.test"),
        ("c1@client.test", " c1@client.test"),
        ("first.last@client.test", "firstlast@client.test"),
        ("c1+crm@client.test", "c1@client.test"),
    ],
    ids=["accent-dropped", "other-letters", "space", "dots", "plus-tag"],
)
def test_nothing_else_is_normalised(contact_email: str, from_address: str) -> None:
    """Only case is folded: accents, spaces, dots and ``+tags`` still tell addresses apart."""
    assert not fires(contact_email, from_address)


def test_your_address_folds_too() -> None:
    """The email must be to your address; a case variant of it is your address."""
    assert fires("c1@client.test", "c1@client.test", to="REP@ACME.TEST")
    assert not fires("c1@client.test", "c1@client.test", to="rep2@acme.test")
