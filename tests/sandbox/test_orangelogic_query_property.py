"""Orange Logic emulator, property test: a generated Search query returns exactly the assets that an
independent reference filter selects.

Queries come from a small grammar over fields the seeded tenant has (title words, language, campaign
phrases, workflow status, doc type, keywords, full text, ``>:``/``<:``/``:`` on edit and rights dates),
combined with AND / OR / NOT, juxtaposition, parentheses, criterion groups and ``*`` wildcards. Each
query is rendered to text, sent over HTTP (client-credentials token, paged), and the returned
identifiers are compared with a predicate evaluated here over the values the control API reports. The
reference never touches the emulator's parser or matcher.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assetbridge_sandbox.config import SandboxConfig
from assetbridge_sandbox.server import SandboxServer

SEARCH = "/API/Search/v4.0/Search"
CC = "/webapi/security/clientcredentialsauthentication/authenticate_46H_v1"
DATE_FIELDS = {"AB.Rights-start", "AB.Rights-end", "AB.Archive-date", "CoreField.DocDate"}
CONTAINER_SEARCH_TYPE = {"Folder": "Story", "Album": "Album", "Virtual-folder": "Album"}

# Criterion spellings per reference key: the API name and the search aliases (tenant.yaml).
CRITERIA: dict[str, tuple[str, ...]] = {
    "title": ("Title", "CoreField.Title"),
    "language": ("Language", "AB.Language"),
    "campaign": ("Campaign", "AB.Campaign"),
    "status": ("Status", "WorkflowStatus", "AB.Status"),
    "doctype": ("DocType", "MediaType"),
    "keywords": ("Keywords", "Keyword", "CoreField.Keywords"),
    "text": ("Text",),
    "editdate": ("EditDate", "GlobalEditDate", "CoreField.EditDate"),
    "rightsstart": ("RightsStart", "AB.Rights-start"),
    "rightsend": ("RightsEnd", "AB.Rights-end"),
}
SOURCE = {
    "title": "CoreField.Title",
    "language": "AB.Language",
    "campaign": "AB.Campaign",
    "status": "AB.Status",
    "keywords": "CoreField.Keywords",
    "rightsstart": "AB.Rights-start",
    "rightsend": "AB.Rights-end",
}
KEYWORDS = {"AND", "OR", "NOT"}


# --- the reference model ------------------------------------------------------------------------------


def _date(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _strings(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if v != ""]
    return [str(value)] if value not in (None, "") else []


@dataclass(frozen=True)
class Doc:
    ident: str
    text: dict[str, list[str]]
    dates: dict[str, list[datetime]]


def doc_from_snapshot(snap: dict[str, Any], media_number: str) -> Doc:
    """The reference's view of a record; ``media_number`` (not in the snapshot) is full text too."""
    fields: dict[str, Any] = snap["Fields"]
    text = {
        key: _strings(fields.get(name))
        for key, name in SOURCE.items()
        if key not in ("rightsstart", "rightsend")
    }
    doc_type = snap["DocType"]
    text["doctype"] = [doc_type, CONTAINER_SEARCH_TYPE.get(doc_type, doc_type)]
    file_name = snap["FileName"]
    everything = [snap["SystemIdentifier"], file_name, doc_type, snap["DocSubType"], snap["ContentType"]]
    everything.append(media_number)
    everything += [file_name.rsplit(".", 1)[-1]] if "." in file_name else []
    for name, value in fields.items():
        if name not in DATE_FIELDS and name != "CoreField.Parent-folder":
            everything += _strings(value)
    text["text"] = everything
    dates = {
        "editdate": [_date(snap["EditDate"])],
        "rightsstart": [_date(v) for v in _strings(fields.get("AB.Rights-start"))],
        "rightsend": [_date(v) for v in _strings(fields.get("AB.Rights-end"))],
    }
    return Doc(snap["SystemIdentifier"], text, dates)


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def _contiguous(needle: list[str], hay: list[str]) -> bool:
    n = len(needle)
    return n > 0 and any(hay[i : i + n] == needle for i in range(len(hay) - n + 1))


def _word_match(value: str, hay: str) -> bool:
    """A word (or hyphenated word) matches whole words, case-insensitively; a phrase too, in order."""
    return _contiguous(_tokens(value), _tokens(hay))


def _wildcard_match(pattern: str, hay: str) -> bool:
    """``pre*`` / ``*mid*`` / ``*suf`` against any word of the value (patterns hold only word characters)."""
    core = pattern.strip("*").casefold()
    for word in _tokens(hay):
        if pattern.startswith("*") and pattern.endswith("*"):
            if core in word:
                return True
        elif pattern.endswith("*"):
            if word.startswith(core):
                return True
        elif word.endswith(core):
            return True
    return False


def _date_bound(value: str) -> tuple[datetime, bool]:
    return _date(value), "T" not in value


# --- the query AST ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TermQ:
    key: str
    criterion: str | None  # None = bare term (full text)
    op: str  # ":" | ">:" | "<:"
    value: str
    phrase: bool = False
    quoted: bool = False  # a date bound written as "..."


@dataclass(frozen=True)
class GroupQ:
    """``Criterion:(a OR b)`` / ``Criterion:(a AND b)``: the criterion applies to every term."""

    key: str
    criterion: str
    joiner: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class AndQ:
    items: tuple[Q, ...]
    juxtapose: bool = False


@dataclass(frozen=True)
class OrQ:
    items: tuple[Q, ...]


@dataclass(frozen=True)
class NotQ:
    item: Q


Q = TermQ | GroupQ | AndQ | OrQ | NotQ


def _term_holds(key: str, op: str, value: str, phrase: bool, doc: Doc) -> bool:
    if key in doc.dates:
        bound, date_only = _date_bound(value)
        for when in doc.dates[key]:
            if op == ">:" and when >= bound:
                return True
            if op == "<:" and (when < bound + timedelta(days=1) if date_only else when <= bound):
                return True
            if op == ":" and (when.date() == bound.date() if date_only else when == bound):
                return True
        return False
    hay = doc.text[key]
    if "*" in value and not phrase:
        return any(_wildcard_match(value, h) for h in hay)
    return any(_word_match(value, h) for h in hay)


def holds(q: Q, doc: Doc) -> bool:
    if isinstance(q, TermQ):
        return _term_holds(q.key, q.op, q.value, q.phrase, doc)
    if isinstance(q, GroupQ):
        results = [_term_holds(q.key, ":", v, " " in v, doc) for v in q.values]
        return all(results) if q.joiner == "AND" else any(results)
    if isinstance(q, AndQ):
        return all(holds(item, doc) for item in q.items)
    if isinstance(q, OrQ):
        return any(holds(item, doc) for item in q.items)
    return not holds(q.item, doc)


def _value_text(value: str) -> str:
    return f'"{value}"' if " " in value else value


def render(q: Q) -> str:
    if isinstance(q, TermQ):
        value = f'"{q.value}"' if q.phrase or q.quoted else q.value
        return value if q.criterion is None else f"{q.criterion}{q.op}{value}"
    if isinstance(q, GroupQ):
        return f"{q.criterion}:({f' {q.joiner} '.join(_value_text(v) for v in q.values)})"
    if isinstance(q, AndQ):
        # AND binds tighter than OR, NOT tighter than AND: only OR children need parentheses.
        parts = [f"({render(i)})" if isinstance(i, OrQ) else render(i) for i in q.items]
        return (" " if q.juxtapose else " AND ").join(parts)
    if isinstance(q, OrQ):
        return " OR ".join(render(i) for i in q.items)
    inner = render(q.item)
    return f"NOT ({inner})" if isinstance(q.item, AndQ | OrQ) else f"NOT {inner}"


# --- strategies built from the seeded catalog -----------------------------------------------------------


def _vocabulary(docs: list[Doc], key: str) -> list[str]:
    """ASCII words of the field's values: every alphabetic word, and a few numbers (titles end in one)."""
    words = {w for d in docs for h in d.text[key] for w in re.findall(r"\w+", h) if w.isascii()}
    numbers = sorted(w for w in words if w.isdigit())[::7]
    return sorted(w for w in words if not w.isdigit() and w.upper() not in KEYWORDS) + numbers


def _case(draw: st.DrawFn, value: str) -> str:
    return draw(st.sampled_from([value, value.lower(), value.upper()]))


def _date_value(draw: st.DrawFn, known: list[datetime]) -> tuple[str, bool]:
    if len(known) > 0 and draw(st.booleans()):
        when = draw(st.sampled_from(known))
    else:
        day = draw(st.dates(min_value=date(2024, 6, 1), max_value=date(2028, 2, 1)))
        when = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
            seconds=draw(st.integers(0, 86399))
        )
    naive = when.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    if draw(st.booleans()):
        return naive.date().isoformat(), False
    return naive.isoformat(), draw(st.booleans())


def build_strategy(docs: list[Doc]) -> st.SearchStrategy[Q]:
    vocab = {k: _vocabulary(docs, k) for k in ("title", "keywords", "text")}
    vocab["text"] = sorted({*vocab["text"], "nothingmatches", "ABR1010"})
    campaigns = sorted({v for d in docs for v in d.text["campaign"]})
    phrases = sorted({*campaigns, *(" ".join(c.split()[1:]) for c in campaigns if " " in c)})
    statuses = ["Approved", "Draft", "Rejected", "Pending Review"]
    languages = ["en", "fr", "de", "ja", "ar", "es", "zh", "ko"]
    doc_types = ["Image", "Video", "Audio", "Story", "Folder"]
    known_dates = {
        k: sorted({w for d in docs for w in d.dates[k]}) for k in ("editdate", "rightsstart", "rightsend")
    }

    @st.composite
    def word_term(draw: st.DrawFn) -> Q:
        key = draw(st.sampled_from(["title", "keywords", "text"]))
        word = draw(st.sampled_from(vocab[key]))
        if draw(st.integers(0, 3)) == 0 and len(word) >= 3:
            cut = draw(st.integers(1, min(4, len(word) - 1)))
            shape = draw(st.sampled_from(["pre", "mid", "suf"]))
            word = {"pre": f"{word[:cut]}*", "mid": f"*{word[1 : cut + 1]}*", "suf": f"*{word[-cut:]}"}[shape]
        criterion = None if key == "text" and draw(st.booleans()) else draw(st.sampled_from(CRITERIA[key]))
        return TermQ(key, criterion, ":", _case(draw, word))

    @st.composite
    def select_term(draw: st.DrawFn) -> Q:
        key, values = draw(
            st.sampled_from([("language", languages), ("status", statuses), ("doctype", doc_types)])
        )
        value = _case(draw, draw(st.sampled_from(values)))
        return TermQ(key, draw(st.sampled_from(CRITERIA[key])), ":", value, phrase=" " in value)

    @st.composite
    def campaign_term(draw: st.DrawFn) -> Q:
        value = draw(st.sampled_from(phrases))
        phrase = " " in value or draw(st.booleans())
        criterion = draw(st.sampled_from([*CRITERIA["campaign"], None]))
        key = "text" if criterion is None else "campaign"
        return TermQ(key, criterion, ":", _case(draw, value), phrase=phrase)

    titles = sorted({t for d in docs for t in d.text["title"] if t.isascii() and " " in t})

    @st.composite
    def title_phrase(draw: st.DrawFn) -> Q:
        """Consecutive words of a title, sometimes cut inside the last word (a phrase matches whole words)."""
        words = draw(st.sampled_from(titles)).split()
        first = draw(st.integers(0, len(words) - 2))
        picked = words[first : first + draw(st.integers(2, len(words) - first))]
        if draw(st.booleans()) and len(picked[-1]) > 1:
            picked[-1] = picked[-1][: draw(st.integers(1, len(picked[-1]) - 1))]
        return TermQ("title", draw(st.sampled_from(CRITERIA["title"])), ":", " ".join(picked), phrase=True)

    @st.composite
    def date_term(draw: st.DrawFn) -> Q:
        key = draw(st.sampled_from(["editdate", "rightsstart", "rightsend"]))
        op = draw(st.sampled_from([">:", "<:", ">:", "<:", ":"]))
        value, quoted = _date_value(draw, known_dates[key])
        if op == ":" and "T" in value:
            value = value.split("T")[0]
        return TermQ(key, draw(st.sampled_from(CRITERIA[key])), op, value, quoted=quoted)

    @st.composite
    def group(draw: st.DrawFn) -> Q:
        key, pool = draw(
            st.sampled_from(
                [("title", vocab["title"]), ("keywords", vocab["keywords"]), ("status", statuses)]
            )
        )
        values = tuple(draw(st.lists(st.sampled_from(pool), min_size=2, max_size=3, unique=True)))
        return GroupQ(key, draw(st.sampled_from(CRITERIA[key])), draw(st.sampled_from(["AND", "OR"])), values)

    leaf = st.one_of(word_term(), select_term(), campaign_term(), title_phrase(), date_term(), group())

    def extend(children: st.SearchStrategy[Q]) -> st.SearchStrategy[Q]:
        pair = st.lists(children, min_size=2, max_size=3).map(tuple)
        return st.one_of(
            leaf,
            st.builds(AndQ, pair, st.booleans()),
            st.builds(OrQ, pair),
            st.builds(NotQ, children),
        )

    # Three levels built explicitly (st.recursive's leaf budget made failing examples replay flakily).
    tree: st.SearchStrategy[Q] = leaf
    for _ in range(3):
        tree = extend(tree)
    return tree


# --- the running sandbox --------------------------------------------------------------------------------


class Catalog:
    """The running sandbox's records (a plain class: Hypothesis prints dataclasses field by field, and a
    40 kB report is a warning, which this suite turns into an error)."""

    def __init__(self, http: httpx.Client, docs: list[Doc], strategy: st.SearchStrategy[Q]) -> None:
        self.http = http
        self.docs = docs
        self.strategy = strategy

    def __repr__(self) -> str:
        return f"Catalog({len(self.docs)} records)"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    root: Path = tmp_path_factory.mktemp("ol-query-property")
    config = SandboxConfig.model_validate(
        {
            "data_dir": str(root / "sandbox"),
            "catalog_size": 40,
            "media": "synthetic",
            "iconik": {"port": 0},
            "orangelogic": {"port": 0},
            "storage": {"port": 0},
        }
    )
    server = SandboxServer(config).start()
    try:
        info = server.info()["orangelogic"]
        with httpx.Client(base_url=info["base_url"], timeout=10) as http:
            token = http.post(
                CC,
                data={
                    "grant_type": "client_credentials",
                    "client_id": info["client_id"],
                    "client_secret": info["client_secret"],
                },
            )
            assert token.status_code == 200, token.text
            http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
            snaps = http.get("/_sandbox/orangelogic/assets").json()["assets"]
            numbers = http.post(
                SEARCH,
                data={
                    "query": "",
                    "format": "json",
                    "fields": "SystemIdentifier,MediaNumber",
                    "countperpage": "300",
                },
            ).json()["APIResponse"]["Items"]
            media_numbers = {item["SystemIdentifier"]: item["MediaNumber"] for item in numbers}
            docs = [
                doc_from_snapshot(s, media_numbers[s["SystemIdentifier"]]) for s in snaps if s["Searchable"]
            ]
            assert len([d for d in docs if d.text["doctype"][0] != "Folder"]) == 40
            yield Catalog(http, docs, build_strategy(docs))
    finally:
        server.stop()


def search_all(http: httpx.Client, query: str, page_size: int) -> tuple[list[str], int]:
    found: list[str] = []
    total = -1
    for page in range(1, 100):
        resp = http.post(
            SEARCH,
            data={
                "query": query,
                "format": "json",
                "fields": "SystemIdentifier",
                "countperpage": str(page_size),
                "pagenumber": str(page),
            },
        )
        assert resp.status_code == 200, resp.text
        body = resp.json()["APIResponse"]
        assert "Code" not in body or body["Code"] == "SUCCESS", f"{query!r}: {body}"
        total = body["GlobalInfo"]["TotalCount"]
        found += [item["SystemIdentifier"] for item in body["Items"]]
        if "NextPage" not in body["GlobalInfo"]:
            break
    return found, total


def test_reference_model_sees_the_seeded_values(catalog: Catalog) -> None:
    """Guards the property below against a reference that trivially agrees (e.g. every list empty)."""
    media = [d for d in catalog.docs if d.text["doctype"][0] != "Folder"]
    assert all(d.text["title"] and d.text["language"] and d.text["keywords"] for d in media)
    assert any(d.dates["rightsend"] for d in media) and any(not d.dates["rightsend"] for d in media)
    found, total = search_all(catalog.http, 'Campaign:"Night Run" AND NOT Status:Draft', 7)
    expected = {
        d.ident
        for d in media
        if _word_match("Night Run", d.text["campaign"][0]) and d.text["status"] != ["Draft"]
    }
    assert expected and set(found) == expected and total == len(found)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), page_size=st.sampled_from([7, 25, 100]))
def test_generated_query_returns_exactly_the_reference_selection(
    catalog: Catalog, data: st.DataObject, page_size: int
) -> None:
    query = data.draw(catalog.strategy, label="query")
    text = render(query)
    found, total = search_all(catalog.http, text, page_size)
    expected = {d.ident for d in catalog.docs if holds(query, d)}
    assert len(found) == len(set(found)) == total, f"{text!r}: duplicates across pages or a wrong TotalCount"
    assert set(found) == expected, (
        f"{text!r}: missing {sorted(expected - set(found))}, unexpected {sorted(set(found) - expected)}"
    )


def test_a_phrase_matches_whole_words_only(catalog: Catalog) -> None:
    """Found by the property above: a phrase cut inside its last word used to match as a substring."""
    folder = {d.ident for d in catalog.docs if d.text["title"] == ["Brand Refresh"]}
    assert folder and set(search_all(catalog.http, 'Title:"Brand Refresh"', 100)[0]) >= folder
    assert not set(search_all(catalog.http, 'Title:"Brand Refr"', 100)[0]) & folder
    assert not set(search_all(catalog.http, 'Title:"rand Refresh"', 100)[0]) & folder
