"""Contact screening (chalicelib/domain/screening.py): what it catches, what it leaves alone, how it masks.

The labelled set tests/data/screening/*.jsonl is scored at the end against stated floors, on the tune
and the holdout split separately. Payment details, intent phrases and number words with tens and
hundreds: tests/unit/test_screening_payments.py.
"""

# The disguises under test are look-alike characters on purpose:
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import hashlib
import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain import screening
from chalicelib.domain.screening import MASKS, Finding, Screening, screen

DATA = Path(__file__).resolve().parents[1] / "data" / "screening"
# The rows the detectors before issue 16 were tuned on: all in the tune split.
LEGACY = "v1.jsonl"

# Floors for the labelled set, message level, on each split (the acceptance of issue 16). Measured
# when written (1,010 messages, 490 contact attempts): tune precision 1.000, recall 1.000 (797 rows,
# tuned on); holdout precision 0.978, recall 0.989 (213 rows, never tuned on).
PRECISION_FLOOR = 0.97
RECALL_FLOOR = 0.95


def load() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in sorted(DATA.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            rows.extend({**json.loads(line), "file": path.name} for line in fh if line.strip())
    return rows


def kinds(text: str) -> list[str]:
    return [f.kind for f in screen(text).findings]


def found(text: str) -> list[str]:
    return [text[f.start : f.end] for f in screen(text).findings]


def assert_clean(text: str) -> None:
    result = screen(text)
    assert result == Screening(False, text, ()), [(f.kind, text[f.start : f.end]) for f in result.findings]


# --------------------------------------------------------------------------------------------
# Emails


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("send the specs to anna.keller@gmail.com tonight", "anna.keller@gmail.com"),
        ("mail me at anna [at] proton [dot] me", "anna [at] proton [dot] me"),
        ("j.smith(at)outlook(dot)com is best", "j.smith(at)outlook(dot)com"),
        ("kate{at}kdesign{dot}co{dot}uk", "kate{at}kdesign{dot}co{dot}uk"),
        ("write me: m a r k o . d e v @ g m a i l . c o m", "m a r k o . d e v @ g m a i l . c o m"),
        ("reach me at tom dot baker at yahoo dot com", "tom dot baker at yahoo dot com"),
        ("ANNA.KELLER AT GMAIL DOT COM", "ANNA.KELLER AT GMAIL DOT COM"),
        ("пишите ivanov.sergey собака yandex точка ru", "ivanov.sergey собака yandex точка ru"),
        ("escríbeme a carlos.mendez arroba gmail punto com", "carlos.mendez arroba gmail punto com"),
        ("email me - sarah_b at hotmail , no fees", "sarah_b at hotmail"),
        ("p_novak  @  seznam . cz", "p_novak  @  seznam . cz"),
        ("my gmail is petrova.design92", "gmail is petrova.design92"),
        ("email annakeller on gmail", "annakeller on gmail"),
        ("hello@nordlicht.studio", "hello@nordlicht.studio"),
        ("write to anna@ gmail.com", "anna@ gmail.com"),
    ],
)
def test_emails_are_caught_with_their_disguise(text: str, detail: str) -> None:
    result = screen(text)
    assert result.flagged
    assert [f.kind for f in result.findings] == ["email"]
    assert found(text) == [detail]


@pytest.mark.parametrize(
    "text",
    [
        "set user.email = x in the fixture",
        "logo.png is 512x512, need logo@2x.png too",
        "npm i lodash@4.17.21",
        "you need @app.route('/health') above the handler",
        'EMAIL_RE = r"[^@]+@[^@]+"',
        "use test@example.com as the login for staging",
        "I'm at the office now, will check at home",
        "screen 2560x1440@144hz",
        "send me the logo here, not by email",
    ],
)
def test_email_like_work_talk_is_not_flagged(text: str) -> None:
    assert_clean(text)


def test_the_word_at_makes_an_email_only_when_the_rest_looks_like_one() -> None:
    assert kinds("I'm at codecraft.co.uk if you want") == ["domain"]  # a website, not "m@codecraft.co.uk"
    assert found("I'm at codecraft.co.uk if you want") == ["codecraft.co.uk"]
    assert_clean("look at report.pdf first")


# --------------------------------------------------------------------------------------------
# Phones


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("call me +49 151 23456789 so we can talk", "+49 151 23456789"),
        ("my number is (212) 555-0199, text anytime", "(212) 555-0199"),
        ("ring me on 0151 2345 6789 after 6pm", "0151 2345 6789"),
        ("06.12.34.56.78 c'est mon portable", "06.12.34.56.78"),
        ("tel 8 (916) 123 45 67", "8 (916) 123 45 67"),
        ("call 0044 20 7946 0321 tomorrow?", "0044 20 7946 0321"),
        ("zadzwoń: 600 123 456", "600 123 456"),
        ("phone: 98765-43210 (india)", "98765-43210"),
        ("my cell: 4 1 5 - 5 5 5 - 2 6 7 1", "4 1 5 - 5 5 5 - 2 6 7 1"),
        ("my mob is O7911 l23 456, call me", "O7911 l23 456"),
    ],
)
def test_phones_in_international_and_national_formats(text: str, detail: str) -> None:
    assert kinds(text) == ["phone"]
    assert found(text) == [detail]


@pytest.mark.parametrize(
    "text",
    [
        "text me: nine one seven, five five five, zero one four two",
        "five five five one two three four",
        "my digits 2 one 2 5 five 5 0 1 nine 9",
        "number is plus four four seven nine one one one two three four five six",
        "call on oh seven seven double oh nine one two three four five",
        "Ruf mich an: null eins fünf eins, zwei drei vier fünf sechs sieben acht",
        "llámame: seis uno dos, tres cuatro cinco, seis siete ocho",
        "звони: восемь девять один шесть один два три четыре пять шесть семь",
        "mon numéro: zéro six, douze? non: zero six un deux trois quatre cinq six sept huit",
    ],
)
def test_phones_spelled_in_words(text: str) -> None:
    assert "phone" in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "My price for the whole thing is €1,500.00, milestones 40/60",
        "I can do it for 1500 EUR if we drop the animations",
        "budget is $2.5k max",
        "total 12 450,00 € incl. VAT",
        "annual revenue went from 1 250 000 to 1 870 000 EUR",
        "the number of users is 12 345 678",
        "deadline 2027-01-15, can you make it?",
        "I'm away 15.01.2027 - 22.01.2027",
        "let's have the call tomorrow at 10:30 CET",
        "I worked there 2019-2023",
        "timestamp in the log: 2026-10-07T14:32:05Z",
        "timestamp 1767225600 in the payload",
        "we're on Python 3.11 and Django 4.2.7",
        "node 20.20.2 breaks the build, pin to 20.11.1",
        "upgrade chrome to 124.0.6367.91",
        "the server is 10.0.0.12 inside the VPN",
        "invoice 2026-0042 attached",
        "order #558921 shipped yesterday",
        "ref no. 7781-2290-11 from the bank transfer",
        "the SKU is 4006381333931 (EAN)",
        "tracking number 1Z999AA10123456784",
        "can we split it 250/250/500?",
        "coordinates 52.5200, 13.4050 for the map pin",
        "1920x1080 and 1080x1920 versions please",
        "test with 4242 4242 4242 4242 and any CVC",
        "arr = [null, 1, 2, 3, 4, 5, 6, 7]",
        "x = 0.1 + 0.2 gives 0.30000000000000004",
        "one or two rounds of revisions, three at most",
        "Can you make the phone field accept +49 and 0049 prefixes?",
        "score = 300·466//500 and 100·(600000−330000)",
    ],
)
def test_numbers_in_work_talk_are_not_phones(text: str) -> None:
    assert_clean(text)


# --------------------------------------------------------------------------------------------
# Links and domains


@pytest.mark.parametrize(
    ("text", "kind", "detail"),
    [
        ("here's my portfolio https://annakeller.design/work", "link", "https://annakeller.design/work"),
        ("check www.kovalenko-studio.com for more", "link", "www.kovalenko-studio.com"),
        ("hxxps://my-site[.]com/contact — there", "link", "hxxps://my-site[.]com/contact"),
        ("Full CV: linkedin.com/in/maria-garcia-dev", "link", "linkedin.com/in/maria-garcia-dev"),
        ("<a href='http://sergey-dev.ru'>site</a>", "link", "http://sergey-dev.ru"),
        ("just go to lumenstudio.de", "domain", "lumenstudio.de"),
        ("my site is petrova-design dot com", "domain", "petrova-design dot com"),
        ("find me on annadraws.art", "domain", "annadraws.art"),
        ("website: studio-nord(.)de", "domain", "studio-nord(.)de"),
        ("visit olgadesign•com", "domain", "olgadesign•com"),
        ("see behance .net/markodesign for more", "link", "behance .net/markodesign"),
    ],
)
def test_links_and_bare_domains(text: str, kind: str, detail: str) -> None:
    assert kinds(text) == [kind]
    assert found(text) == [detail]


@pytest.mark.parametrize(
    "text",
    [
        "main.py has the entrypoint, config in setup.cfg",
        "see README.md and CHANGELOG.md",
        "can you send assets.zip again?",
        "main.rs won't compile after the merge",
        "I put everything in deploy.sh",
        "terraform in main.tf",
        "exported the banner as hero.ai and hero.svg",
        "the data is in sales_2026.csv / sales_2026.xlsx",
        "df.info() shows 3 null columns",
        "call self.app.run(debug=True) locally",
        "use `obj.name` instead of obj['name']",
        "console.log(user.phone) prints undefined",
        "from pandas.io import json",
        "Does the ASP.NET backend talk to socket.io?",
        "e.g. the flow for U.S. users differs, i.e. no VAT",
        "Done.Next I'll fix the footer",
        "I finished it.Then the tests passed",
        "open http://127.0.0.1:8000/tasks on your machine",
        "the server listens on 0.0.0.0:8080",
    ],
)
def test_files_code_and_tech_names_are_not_domains(text: str) -> None:
    assert_clean(text)


def test_a_domain_needs_a_suffix_the_public_suffix_list_knows() -> None:
    assert_clean("ping me when build.finished is true")  # .finished is no public suffix
    assert kinds("visit build.finance") == ["domain"]  # .finance is one (word-like: it needs a cue like "visit")
    assert kinds("ping me at buildco.fi") == ["domain"]  # a two-letter country suffix needs none


def test_word_like_suffixes_need_a_sign_of_a_website() -> None:
    assert_clean("the user.name and item.email fields")
    assert kinds("my website: anna.email") == ["domain"]
    assert kinds("anna.email/contact") == ["link"]


def test_the_suffix_list_is_the_bundled_snapshot_and_never_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    import requests

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("network access")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(requests.Session, "send", refuse)
    screening._tld.cache_clear()
    screening._split_host.cache_clear()
    try:
        assert kinds("go to lumenstudio.de or codecraft.co.uk") == ["domain", "domain"]
        extractor = screening._tld()
        assert extractor.suffix_list_urls == ()
        assert extractor._cache.enabled is False  # no cache directory read or written either
    finally:
        screening._tld.cache_clear()
        screening._split_host.cache_clear()


# --------------------------------------------------------------------------------------------
# Messengers


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("add me on telegram @anna_keller_dev", ["telegram @anna_keller_dev"]),
        ("my tg is @mark0_design, faster there", ["tg is @mark0_design"]),
        ("t.me/kovalenko_studio", ["t.me/kovalenko_studio"]),
        ("wa.me/4915123456789 — write any time", ["wa.me/4915123456789"]),
        ("whatsapp me and we'll sort it out", ["whatsapp"]),
        ("skype: live:.cid.7a2b3c4d5e6f", ["skype: live:.cid.7a2b3c4d5e6f"]),
        ("my discord is nightowl#4821", ["nightowl#4821"]),
        ("join my server discord.gg/xY7abc", ["discord.gg/xY7abc"]),
        ("WeChat ID: lihua_88, add me pls", ["WeChat ID: lihua_88"]),
        ("加我微信 wxid_8823abc", ["加我微信 wxid_8823abc"]),
        ("Signal me, same number as on my CV", ["Signal"]),
        ("let's switch to Viber, the chat here is slow", ["Viber"]),
        ("IG: @anna.draws, DM me", ["IG: @anna.draws"]),
        ("пиши в телегу, @ivan_dev", ["телегу", "@ivan_dev"]),
        ("schreib mir auf WhatsApp, geht schneller", ["WhatsApp"]),
        ("mi instagram es @carla.ilustra", ["instagram es @carla.ilustra"]),
        ("hit me up: olga_p on tg", ["olga_p on tg"]),
        ("I'm @olga_p everywhere (tg, insta)", ["@olga_p", "tg"]),
        ("threema ID: 7HJ8K2PM", ["threema ID: 7HJ8K2PM"]),
        ("insta @anna.keller.art", ["insta @anna.keller.art"]),  # a handle, not "insta@anna.keller.art"
    ],
)
def test_messenger_handles_and_invitations(text: str, detail: list[str]) -> None:
    assert set(kinds(text)) == {"messenger"}
    assert found(text) == detail


@pytest.mark.parametrize(
    "text",
    [
        "The client wants WhatsApp Business API integration for order updates",
        "We need a Telegram bot that posts the daily report",
        "Our Telegram channel has 12k subs",
        "the discord integration should post to #general",
        "can you add a Share to WhatsApp button?",
        "the signal-to-noise on the mic is bad",
        "ping @maria in this thread, she owns the copy",
        "I'm on telegram all day but let's keep it here",
        "fixed in issue#1234 and PR #42",
        "нужен телеграм бот для заказов",
        "the line at 1:45 in the video should be cut",
    ],
)
def test_messenger_names_as_products_and_in_app_mentions_are_not_flagged(text: str) -> None:
    assert_clean(text)


# --------------------------------------------------------------------------------------------
# Unicode disguises


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("ａｎｎａ＠ｇｍａｉｌ．ｃｏｍ", "email"),  # full-width
        ("mail: аnnа.kеllеr@gmаil.com", "email"),  # Cyrillic а and е
        ("an\u200bna.kel\u200bler@gm\u200bail.com", "email"),  # zero-width spaces
        ("mark\u2060@\u2060outlook\u2060.\u2060com", "email"),  # word joiners
        ("k\u00adate\u00ad@\u00adgmx\u00ad.\u00adde", "email"),  # soft hyphens
        ("\ufeffanna@gmail.com\u200d", "email"),  # BOM, zero-width joiner
        ("ⓐⓝⓝⓐ at ⓖⓜⓐⓘⓛ dot ⓒⓞⓜ", "email"),  # circled letters
        ("call +４９ １５１ ２３４５６７８９", "phone"),
        ("𝟎𝟏𝟓𝟏 𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗 call me", "phone"),  # mathematical digits
        ("my number ⓪①⑤① ②③④⑤ ⑥⑦⑧⑨", "phone"),
        ("+7\u200b916\u200b123\u200b45\u200b67", "phone"),
        ("ϲаll me: 0151·2345·6789", "phone"),  # Greek lunate sigma and Cyrillic а in "call"
        ("मेरा नंबर ०१५१ २३४५६७८९ है", "phone"),  # Devanagari digits
        ("wwｗ.kovalenko-studio.ｃｏｍ", "link"),
        ("t.mе/ivan_dеv", "messenger"),
        ("tele\u200bgram: @anna_k", "messenger"),
    ],
)
def test_unicode_disguises(text: str, kind: str) -> None:
    assert kinds(text) == [kind]


def test_offsets_point_at_the_original_text_through_normalization() -> None:
    text = "x ａｎｎａ＠ｇｍａｉｌ．ｃｏｍ y"
    assert found(text) == ["ａｎｎａ＠ｇｍａｉｌ．ｃｏｍ"]
    text = "ok: an\u200bna@gm\u200bail.com!"
    assert found(text) == ["an\u200bna@gm\u200bail.com"]
    assert screen(text).masked == "ok: [email hidden]!"
    text = "mail ﬁona@gmail.com now"  # the "ﬁ" ligature is two letters after NFKC
    assert found(text) == ["ﬁona@gmail.com"]


def test_ordinary_cyrillic_and_greek_text_is_left_alone() -> None:
    assert_clean("давай всё тут в чате обсудим, так надёжнее")
    assert_clean("сдам до 25.12.2026, ок?")
    assert_clean("Καλημέρα, το σχέδιο είναι έτοιμο")


# --------------------------------------------------------------------------------------------
# Masking


def test_the_acceptance_example() -> None:
    text = "mail me at anna [at] proton [dot] me"
    result = screen(text)
    assert result.flagged
    assert result.masked == "mail me at [email hidden]"
    assert result.findings == (Finding("email", 11, len(text)),)
    assert text[11:] == "anna [at] proton [dot] me"


def test_each_kind_has_a_mask_of_the_same_meaning() -> None:
    text = "mail a.b@gmail.com, call +49 151 23456789, see www.ab-studio.com or lumen.de, tg: @ab_cd"
    result = screen(text)
    assert result.masked == (
        "mail [email hidden], call [phone hidden], see [link hidden] or [link hidden], [contact hidden]"
    )
    assert [f.kind for f in result.findings] == ["email", "phone", "link", "domain", "messenger"]
    assert set(MASKS) == set(screening.KINDS) - {"intent"}  # intent is flagged, never masked


def test_overlapping_findings_merge_into_the_stronger_kind() -> None:
    text = "wa.me/4915123456789"  # a messenger link containing a phone number
    result = screen(text)
    assert result.findings == (Finding("messenger", 0, len(text)),)
    assert result.masked == "[contact hidden]"


def caught_contact_rows() -> list[dict[str, Any]]:
    """Labelled contact messages the screen flags; its misses are counted by the precision/recall test."""
    return [row for row in load() if row["contact"] and screen(row["text"]).flagged]


@pytest.mark.parametrize("row", caught_contact_rows(), ids=lambda row: row["text"][:40])
def test_masked_text_keeps_no_contact_detail(row: dict[str, Any]) -> None:
    result = screen(row["text"])
    again = [f for f in screen(result.masked).findings if f.kind != "intent"]  # intent phrases stay as written
    assert not again, (result.masked, [result.masked[f.start : f.end] for f in again])
    for f in result.findings:
        assert row["text"][f.start : f.end].strip() == row["text"][f.start : f.end]
        if f.kind != "intent":
            assert row["text"][f.start : f.end] not in result.masked


def test_clean_text_is_returned_unchanged() -> None:
    """On the tune split (the holdout's false positives are counted by the precision floor, unseen)."""
    for row in load():
        if not row["contact"] and row["split"] == "tune":
            result = screen(row["text"])
            assert result.masked == row["text"]
            assert result.findings == () and result.flagged is False
    assert screen("") == Screening(False, "", ())


# --------------------------------------------------------------------------------------------
# Properties

CONTACTISH = st.sampled_from(
    [
        *"abcxyz0123456789 @.:/-_+()[]{}#·•",
        *("at", "dot", "gmail", "com", "tg", "whatsapp", "five", "null", "\u200b", "\u2060", "\ufeff", "\u00ad"),
        *("ａ", "＠", "．", "１", "а", "е", "ο", "ϲ", "①", "𝟓", "०", "ﬁ", "\u0301", "İ", "ß", "ς", "\n"),
    ]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=200), st.lists(CONTACTISH, max_size=60).map("".join)))
def test_screen_never_raises_and_findings_are_sound(text: str) -> None:
    result = screen(text)
    assert result.flagged == bool(result.findings)
    previous_end = 0
    rebuilt: list[str] = []
    for f in result.findings:
        assert f.kind in screening.KINDS
        assert 0 <= previous_end <= f.start < f.end <= len(text)
        rebuilt.append(text[previous_end : f.start])
        rebuilt.append(MASKS.get(f.kind, text[f.start : f.end]))  # intent: flagged, left as written
        previous_end = f.end
    rebuilt.append(text[previous_end:])
    assert result.masked == ("".join(rebuilt) if result.findings else text)


def test_long_messages_stay_fast() -> None:
    hostile = [
        "a " * 5000,
        "1 " * 5000,
        "a." * 5000,
        "@" * 10000,
        "x" * 10000 + "@gmail",
        "five " * 2000,
        "0151 " * 2000,
        ("lorem ipsum dolor " * 300) + "anna@gmail.com",
    ]
    for text in hostile:
        start = time.perf_counter()
        screen(text)
        assert time.perf_counter() - start < 2.0, text[:20]


# --------------------------------------------------------------------------------------------
# The labelled set


def test_the_labelled_set_is_realistic_and_balanced() -> None:
    rows = load()
    assert len(rows) >= 1000
    assert len({row["text"] for row in rows}) == len(rows)
    contact = [row for row in rows if row["contact"]]
    assert 0.4 <= len(contact) / len(rows) <= 0.6
    languages = {lang: sum(row["lang"] == lang for row in rows) for lang in ("en", "de", "ru", "zh")}
    assert min(languages.values()) >= 100, languages
    hard_negatives = [row for row in rows if row["family"] in ("clean-part", "clean-standard", "clean-tolerance")]
    assert len(hard_negatives) >= 60
    for row in rows:
        assert row["contact"] == (not row["family"].startswith("clean-")) == bool(row["kinds"]), row
        assert set(row["kinds"]) <= set(screening.KINDS), row
    for kind in screening.KINDS:  # every kind is exercised on both splits
        for split in ("tune", "holdout"):
            assert any(kind in row["kinds"] and row["split"] == split for row in rows), (kind, split)


def test_the_split_was_fixed_by_a_hash_of_the_text() -> None:
    """Holdout rows are chosen by the text alone (about 30 %), so nobody can move a hard case out of it."""
    rows = load()
    for row in rows:
        if row["file"] == LEGACY:
            assert row["split"] == "tune", row
        else:
            digest = int(hashlib.sha256(row["text"].encode("utf-8")).hexdigest()[:8], 16)
            assert row["split"] == ("holdout" if digest % 10 < 3 else "tune"), row
    new = [row for row in rows if row["file"] != LEGACY]
    assert 0.25 <= sum(row["split"] == "holdout" for row in new) / len(new) <= 0.35


@pytest.mark.parametrize("split", ["tune", "holdout"])
def test_labelled_set_precision_and_recall(split: str) -> None:
    tp = fp = fn = 0
    misses: list[str] = []
    false_alarms: list[str] = []
    for row in load():
        if row["split"] != split:
            continue
        flagged = screen(row["text"]).flagged
        if flagged and row["contact"]:
            tp += 1
        elif flagged:
            fp += 1
            false_alarms.append(row["text"])
        elif row["contact"]:
            fn += 1
            misses.append(row["text"])
    precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    if split == "holdout":  # its texts are not shown: tuning on them would spoil the holdout
        false_alarms, misses = [f"{len(false_alarms)} false positives"], [f"{len(misses)} misses"]
    assert precision >= PRECISION_FLOOR, (precision, false_alarms)
    assert recall >= RECALL_FLOOR, (recall, misses)
