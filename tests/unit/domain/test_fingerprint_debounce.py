from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from assetbridge.domain import due_at, fingerprint, is_due
from assetbridge.domain.fingerprint import canonical_from_json, canonical_json
from assetbridge.domain.values import Canonical, normalize_multi


def test_fingerprints_are_stable_sha256_hex_of_a_canonical_encoding() -> None:
    assert canonical_json("Été") == '["s","Été"]'
    assert fingerprint("Été") == fingerprint("Été")
    assert len(fingerprint("x")) == 64 and int(fingerprint("x"), 16) >= 0
    # A fixed digest: a change of encoding would make every stored base look changed.
    assert fingerprint(None) == "74234e98afe7498fb5daf1f36ac2d78acc339464f950703b8c019892f982b90b"


def test_fingerprints_tell_kinds_apart() -> None:
    values: list[Canonical] = [
        "2024-01-01",
        date(2024, 1, 1),
        datetime(2024, 1, 1, tzinfo=UTC),
        "1",
        Decimal(1),
        True,
        ("1",),
        None,
        "",
    ]
    assert len({fingerprint(value) for value in values}) == len(values)


def test_canonical_json_stores_every_kind_and_reads_it_back() -> None:
    values: list[Canonical] = [
        None,
        "Été 日本",
        Decimal("-1.25"),
        Decimal(100),
        True,
        date(2024, 2, 29),
        datetime(2024, 10, 27, 1, 30, tzinfo=UTC),
        ("a", "ü"),
    ]
    for value in values:
        back = canonical_from_json(canonical_json(value))
        assert back == value and type(back) is type(value) and fingerprint(back) == fingerprint(value)


def test_fingerprints_ignore_what_the_canonical_form_ignores() -> None:
    assert fingerprint(normalize_multi(["b", "a", "a"])) == fingerprint(normalize_multi(["a", "b"]))
    assert fingerprint(Decimal("1.50").normalize()) == fingerprint(Decimal("1.5"))


T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def test_debounce_waits_a_window_after_the_last_event() -> None:
    events = [T0, T0 + timedelta(seconds=2), T0 + timedelta(seconds=1)]
    assert due_at(events, timedelta(seconds=5)) == T0 + timedelta(seconds=7)
    assert not is_due(events, timedelta(seconds=5), T0 + timedelta(seconds=6))
    assert is_due(events, timedelta(seconds=5), T0 + timedelta(seconds=7))


def test_debounce_max_delay_stops_a_stream_of_edits_from_postponing_forever() -> None:
    stream = [T0 + timedelta(seconds=s) for s in range(0, 100, 3)]
    assert due_at(stream, timedelta(seconds=5), max_delay=timedelta(seconds=30)) == T0 + timedelta(seconds=30)


def test_debounce_without_events_or_window() -> None:
    assert due_at([], timedelta(seconds=5)) is None
    assert not is_due([], timedelta(seconds=5), T0)
    assert is_due([T0], timedelta(0), T0)
