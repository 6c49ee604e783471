"""The fast paths of evaluation give exactly what the plain paths give.

Keys are built from the same bytes without ``json.dumps`` for the usual ids, the proposals of
the built-in rules are not checked again, checks, references and actions are made without the
frozen classes' guards, and ``evaluate_all`` runs with the cyclic collector paused. Each fast
path is compared here with the plain one it replaces, on Hypothesis CRMs and the synthetic one.
"""

from __future__ import annotations

import gc
import hashlib
import json
import pickle
import typing
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from guided_actions import (
    Action,
    Contact,
    Proposal,
    Result,
    Rule,
    RuleContext,
    Snapshot,
    evaluate,
    evaluate_all,
)
from guided_actions._engine.actions import make_action
from guided_actions._engine.evaluate import action_key, key_payload, trusted
from guided_actions._model.time import utc_iso
from guided_actions._rules.context import _Mailbox
from guided_actions._text.checks import make_ref
from guided_actions.criteria import Check, Criterion, Ref
from guided_actions.errors import RuleError
from guided_actions.rules import BUILTIN_RULES
from guided_actions.synthetic import generate
from guided_actions.testing import NOW, at, build, contact
from guided_actions.typing import SUBJECT_KINDS, SubjectKind
from strategies import snapshots

#: Any text ``str`` holds: every category, lone surrogates and control characters included.
ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=12)
#: Ids as CRMs write them, and any text.
IDS = st.one_of(st.from_regex(r"[A-Za-z0-9_.:@-]{1,12}", fullmatch=True), ANY_TEXT)


def plain_key(
    rule_id: str,
    user_id: str,
    *,
    subject: tuple[str, str] | None = None,
    created_at: datetime | None = None,
    group: str | None = None,
) -> str:
    """The key as it was built before the fast path: ``json.dumps`` inside the digest."""
    if group is not None:
        payload: list[object] = [user_id, "group", group]
    else:
        assert subject is not None
        assert created_at is not None
        payload = [user_id, subject[0], subject[1], utc_iso(created_at)]
    digest = hashlib.blake2b(
        json.dumps(payload, separators=(",", ":")).encode(), digest_size=10
    ).hexdigest()
    return f"{rule_id}:{digest}"


class TestKeys:
    @given(st.lists(ANY_TEXT, min_size=1, max_size=4).map(tuple))
    def test_payload_is_the_json_of_any_text(self, parts: tuple[str, ...]) -> None:
        """The payload is byte for byte what ``json.dumps`` writes, whatever the strings."""
        assert key_payload(parts) == json.dumps(list(parts), separators=(",", ":")).encode()

    @given(
        user=IDS,
        kind=st.sampled_from(list(SUBJECT_KINDS)),
        rid=IDS,
        created=st.datetimes(
            min_value=datetime(2, 1, 1),
            max_value=datetime(9998, 1, 1),
            timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5, minutes=-30))]),
        ),
        group=st.none() | IDS,
    )
    def test_keys_are_the_keys_of_before(
        self, user: str, kind: SubjectKind, rid: str, created: datetime, group: str | None
    ) -> None:
        """Every key, ungrouped or a card's, is the one the ``json.dumps`` digest gives."""
        assert action_key("r", user, subject=(kind, rid), created_at=created) == plain_key(
            "r", user, subject=(kind, rid), created_at=created
        )
        if group is not None:
            assert action_key("r", user, group=group) == plain_key("r", user, group=group)

    @pytest.mark.parametrize(
        ("key", "expected"),
        [
            (
                action_key(
                    "add_contact_to_deal",
                    "u1",
                    subject=("deal", "d1"),
                    created_at=datetime(2025, 3, 3, 12, tzinfo=UTC),
                ),
                "add_contact_to_deal:ff9766e362867214bb54",
            ),
            (
                action_key("log_call_outcomes", "u1", group="all"),
                "log_call_outcomes:9a7229546c63e106d648",
            ),
            (
                action_key(
                    "email_replies",
                    'ü"\\\x00',
                    subject=("contact", "c\u2028\ud800"),
                    created_at=datetime(2025, 3, 3, 13, 30, tzinfo=timezone(timedelta(hours=1.5))),
                ),
                "email_replies:236c603863bc1413894a",
            ),
        ],
    )
    def test_persisted_keys_do_not_change(self, key: str, expected: str) -> None:
        """Keys written down by the library before the fast path come out the same."""
        assert key == expected


# -- built-in proposals trusted: each built-in rule, also as a plugin's ----------------------


def untrusted(cls: type[Rule]) -> type[Rule]:
    """The built-in rule as a plugin would ship it: a subclass, so its proposals are checked."""
    return type(f"Plugin{cls.__name__}", (cls,), {"__module__": "a_plugin"})


PLUGIN_RULES = tuple(untrusted(cls) for cls in BUILTIN_RULES)


def texts(result: Result) -> list[Any]:
    """Everything a reader sees of a result, in English and in French."""
    return [
        result.to_dicts(),
        result.to_dicts("fr"),
        [a.explain() for a in result],
        [a.explain("fr") for a in result],
        [(m.key, m.reasons, m.localized_reasons("fr")) for a in result for m in a.members],
    ]


def assert_same(fast: Result, plain: Result) -> None:
    assert fast == plain
    assert fast.errors == plain.errors
    assert texts(fast) == texts(plain)
    assert pickle.loads(pickle.dumps(fast)) == pickle.loads(pickle.dumps(plain))


class TestTrustedProposals:
    def test_only_builtin_classes_outside_strict_are_trusted(self) -> None:
        """A built-in rule is trusted; a subclass of one, or ``strict``, is checked."""
        for cls, plugin in zip(BUILTIN_RULES, PLUGIN_RULES, strict=True):
            assert trusted(cls(), strict=False)
            assert not trusted(cls(), strict=True)
            assert not trusted(plugin(), strict=False)

    @given(snapshots())
    def test_builtin_rules_give_what_checked_rules_give(
        self, case: tuple[Snapshot, datetime, str]
    ) -> None:
        """Each built-in rule gives the same result trusted and checked, texts included."""
        snapshot, now, uid = case
        fast = evaluate(snapshot, now, uid)
        plain = evaluate(snapshot, now, uid, rules=PLUGIN_RULES)
        assert not plain.errors
        assert_same(fast, plain)
        assert_same(evaluate(snapshot, now, uid, strict=True), plain)

    @given(snapshots())
    def test_evaluate_all_gives_what_checked_rules_give(
        self, case: tuple[Snapshot, datetime, str]
    ) -> None:
        """``evaluate_all`` of the built-ins equals ``evaluate_all`` of the same rules checked."""
        snapshot, now, _uid = case
        fast = evaluate_all(snapshot, now)
        plain = evaluate_all(snapshot, now, rules=PLUGIN_RULES)
        assert fast.keys() == plain.keys()
        for uid in fast:
            assert_same(fast[uid], plain[uid])

    def test_the_synthetic_crm_gives_what_checked_rules_give(self) -> None:
        """The benchmark CRM at a small size: every user, every action, every text."""
        now = datetime(2025, 3, 3, 12, tzinfo=UTC)
        snapshot = Snapshot.from_dict(generate(users=3, contacts_per_user=40, seed=0, now=now))
        for instant in (now, now + timedelta(days=3, hours=5)):
            fast = evaluate_all(snapshot, instant)
            plain = evaluate_all(snapshot, instant, rules=PLUGIN_RULES)
            assert sum(len(r) for r in fast.values()) > 50
            for uid in fast:
                assert_same(fast[uid], plain[uid])

    def test_a_plugin_subclass_is_still_checked(self) -> None:
        """A subclass of a built-in rule that proposes garbage fails alone, as any plugin."""
        base = BUILTIN_RULES[0]

        @attrs.frozen
        class Broken(base):  # type: ignore[valid-type, misc]
            def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
                yield Proposal(
                    subject=("contact", "c1"), created_at=at(), expires_at=None, checks=()
                )

        snapshot = build(contact("c1"))
        result = evaluate(snapshot, NOW, "u1", rules=[Broken()])
        assert [e.rule_id for e in result.errors] == [base.id]
        with pytest.raises(RuleError, match="at least one check"):
            evaluate(snapshot, NOW, "u1", rules=[Broken()], strict=True)


# -- checks, references and actions made without the frozen classes' guards -----------------

NAMES = st.sampled_from(["a", "b", "record", "since", "z"])
VALUES = st.one_of(
    st.none(),
    st.text(max_size=3),
    st.integers(),
    st.booleans(),
    st.datetimes(timezones=st.just(UTC)),
    st.builds(Ref, st.sampled_from(["contact", "deal"]), st.text(min_size=1, max_size=3)),
    st.tuples(st.integers(), st.text(max_size=2)),
)


class TestChecks:
    @given(
        fields=st.lists(NAMES, max_size=3, unique=True),
        params=st.dictionaries(NAMES, VALUES, max_size=5),
        met=st.sampled_from([True, False, 0, 1, "", "x"]),
    )
    def test_check_is_the_check_of_its_parameters(
        self, fields: list[str], params: dict[str, Any], met: object
    ) -> None:
        """``Criterion.check`` gives ``Check(criterion, met, params)``, or the error it gave."""
        criterion = Criterion("c", met=" ".join(f"{{{f}}}" for f in fields), unmet="no")
        missing = set(fields) - set(params)
        if missing:
            with pytest.raises(TypeError, match="needs parameter"):
                criterion.check(met, **params)  # type: ignore[arg-type]
            return
        made = criterion.check(met, **params)  # type: ignore[arg-type]
        again = criterion.check(met, **params)  # type: ignore[arg-type]
        plain = Check(criterion, bool(met), tuple(params.items()))
        assert made == again == plain
        assert type(made) is Check
        assert type(made.met) is bool
        assert made.params == plain.params
        assert hash(made) == hash(plain)
        assert str(made) == str(plain)
        assert repr(made) == repr(plain)
        assert pickle.loads(pickle.dumps(made)) == plain

    def test_a_parameter_that_is_not_plain_data_is_refused(self) -> None:
        criterion = Criterion("c", met="{a}", unmet="{a}")
        for params in ({"a": object()}, {"a": 1, "b": [1]}):
            with pytest.raises(TypeError, match="must be plain data"):
                criterion.check(True, **params)  # type: ignore[arg-type]

    @given(
        kind=st.text(max_size=3),
        rid=st.none() | st.text(max_size=3),
        detail=st.none() | st.text(max_size=3),
        private=st.booleans(),
    )
    def test_make_ref_is_ref(
        self, kind: str, rid: str | None, detail: str | None, private: bool
    ) -> None:
        made, plain = make_ref(kind, rid, detail, private), Ref(kind, rid, detail, private)
        assert made == plain
        assert hash(made) == hash(plain)
        assert repr(made) == repr(plain)
        assert pickle.loads(pickle.dumps(made)) == plain

    def test_make_action_is_action(self) -> None:
        """An action made by the engine equals the one its constructor makes, field by field."""
        check = Criterion("c", met="{a}", unmet="{a}").check(True, a="x")
        fields: dict[str, Any] = {
            "key": "r:1",
            "rule": "r",
            "title": "T",
            "category": "deal",
            "priority": "low",
            "user_id": "u1",
            "subjects": (("deal", "d1"),),
            "created_at": NOW,
            "expires_at": None,
            "contact_ids": ("c1",),
            "company_ids": (),
            "checks": (check,),
            "calls_to_action": (),
        }
        made, plain = make_action(*fields.values()), Action(**fields)
        assert made == plain
        assert hash(made) == hash(plain)
        assert repr(made) == repr(plain)
        assert attrs.asdict(made, recurse=False) == attrs.asdict(plain, recurse=False)
        assert pickle.loads(pickle.dumps(made)) == plain


class TestMailbox:
    @given(snapshots())
    def test_matching_is_the_plain_filter(self, case: tuple[Snapshot, datetime, str]) -> None:
        """The emails matched to a contact are those that list it or carry its address,
        oldest first, each once: as a scan of the whole mailbox finds them."""
        snapshot, _now, uid = case
        emails = list(snapshot.emails_in_mailbox(uid))
        mailbox = _Mailbox(emails)
        for c in typing.cast("tuple[Contact, ...]", snapshot.records("contacts")):
            for direction in ("inbound", "outbound"):

                def addresses(e: Any) -> tuple[str, ...]:
                    return (e.from_address,) if e.direction == "inbound" else (*e.to, *e.cc)

                email = c.email.casefold() if c.email else None
                expected = sorted(
                    (
                        e
                        for e in emails
                        if e.direction == direction
                        and (
                            c.id in e.contact_ids
                            or (email and any(a and a.casefold() == email for a in addresses(e)))
                        )
                    ),
                    key=lambda e: (e.sent_at, e.id),
                )
                assert mailbox.matching(c, direction) == expected
                assert mailbox.matching(c, direction) == expected  # the remembered answer


# -- the collector ---------------------------------------------------------------------------


#: Whether the collector ran each time :class:`Watching` proposed.
SEEN: list[bool] = []


@attrs.frozen
class Watching(Rule):
    """Notes whether the collector runs while it proposes."""

    id = "watching"
    title = "Watching"
    category = "general"
    priority = "low"
    subject_kind = "contact"
    fails: ClassVar[bool] = False

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        SEEN.append(gc.isenabled())
        if self.fails:
            raise RuntimeError("boom")
        return iter(())


@attrs.frozen
class Failing(Watching):
    """Notes it too, then raises."""

    fails: ClassVar[bool] = True


@pytest.fixture
def collector() -> Iterator[None]:
    """Whatever a test does to the collector, it is put back as it was."""
    was = gc.isenabled()
    SEEN.clear()
    try:
        yield
    finally:
        if was:
            gc.enable()
        else:
            gc.disable()


class TestCollector:
    SNAPSHOT = build(contact("c1"))

    @pytest.mark.usefixtures("collector")
    @pytest.mark.parametrize("enabled", [True, False])
    def test_evaluate_all_pauses_the_collector_and_restores_it(self, enabled: bool) -> None:
        """Off while the rules run, then as it was: on stays on, off stays off."""
        if enabled:
            gc.enable()
        else:
            gc.disable()
        rule = Watching()
        evaluate_all(self.SNAPSHOT, NOW, rules=[rule])
        assert SEEN  # once per user, each time with the collector off
        assert not any(SEEN)
        assert gc.isenabled() is enabled

    @pytest.mark.usefixtures("collector")
    @pytest.mark.parametrize("enabled", [True, False])
    @pytest.mark.parametrize("strict", [True, False])
    def test_a_rule_that_raises_leaves_the_collector_as_it_was(
        self, enabled: bool, strict: bool
    ) -> None:
        """Also when a rule raises, reported on the result or raised (``strict``)."""
        if enabled:
            gc.enable()
        else:
            gc.disable()
        rule = Failing()
        if strict:
            with pytest.raises(RuleError, match="boom"):
                evaluate_all(self.SNAPSHOT, NOW, rules=[rule], strict=True)
        else:
            results = evaluate_all(self.SNAPSHOT, NOW, rules=[rule])
            assert [e.rule_id for e in results["u1"].errors] == ["watching"]
        assert SEEN  # once per user, each time with the collector off
        assert not any(SEEN)
        assert gc.isenabled() is enabled

    @pytest.mark.usefixtures("collector")
    def test_evaluate_of_one_user_leaves_the_collector_alone(self) -> None:
        gc.enable()
        rule = Watching()
        evaluate(self.SNAPSHOT, NOW, "u1", rules=[rule])
        assert SEEN == [True]
        assert gc.isenabled()
