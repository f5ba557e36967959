"""Contact screening for chat messages: find and mask contact and payment details, flag off-platform intent.

Why. The marketplace earns its commission, and protects both sides with escrow, only while the
deal stays on the platform. People who want to take a deal off it paste an email, a phone number,
a website or a messenger handle into the chat, and they know filters exist, so they disguise it:
``anna [at] proton [dot] me``, ``j o h n @ g m a i l . c o m``, ``five five five one two three four``,
Cyrillic look-alike letters, full-width digits, zero-width characters between letters. A flagged
message is shown masked to the members and queued for an admin; the original is kept for the
admins only. So this module must catch the disguises and must not flag ordinary work talk (prices,
dates, versions, ticket numbers, file names, code), which is most of what a chat contains.

Approach. Pure Python, no I/O:

1. Normalize into a *view* that remembers, for every character, the span of the original text it
   came from (``_View``): drop format characters (zero-width space/joiners, word joiner, BOM, soft
   hyphen) and combining marks, NFKC (full-width, circled, mathematical and other compatibility
   forms), other scripts' decimal digits to ASCII, accents off Latin letters, Cyrillic and Greek
   homoglyphs folded to Latin inside tokens that mix scripts or consist of look-alikes only, and
   lower case. Every later rewrite keeps the map, so a finding always points at the ORIGINAL text.
2. A *de-obfuscated* view for web addresses: ``hxxp`` to ``http``, ``[at]``/``(at)``/``{at}`` to ``@``,
   ``[dot]``/``(.)``/`` dot ``/``точка``/``punto`` and a bullet between letters to ``.``, letters spaced or
   separated one by one joined again, blanks before dots and around a path's slash removed; and on top
   of it a *mail* view where the word `` at ``/``собака``/``arroba`` and blanks around ``@`` become ``@``
   (kept apart, so "I'm at codecraft.co.uk" stays a website). A spelled "at" makes an email only when
   the mailbox looks like one (``.``, ``_``, a digit, a known provider, or a spelled "dot" too). Domains
   count only when the Public Suffix List (tldextract, its bundled snapshot, never the network) knows
   the suffix, and not when the name is a file with a code or document extension, a tech name
   (``ASP.NET``, ``socket.io``), a placeholder (``example.com``), code (``user.email = x``,
   ``df.info()``, inside backticks, after ``import``), a sentence typed without a space, or a word-like
   suffix (``.email``, ``.run``, ``.it``, ``.es`` ...) with no sign of a website around it. URLs to
   localhost or private addresses are not contact details.
3. A *digit* view for phones: number words in several languages (English, German, French, Spanish,
   Russian, Ukrainian, Polish; tens and hundreds in English, German, Russian and Chinese, see
   ``screening_words``) become digits, ``o``/``l`` inside digit groups become ``0``/``1``, and
   what is certainly not a phone is blanked out first (dates, times, year ranges, versions, IP
   addresses, decimals, amounts with a currency, grouped thousands, measurements, ratios, ticket and
   order numbers, UUIDs). Remaining digit runs of plausible length are checked with
   ``phonenumbers.PhoneNumberMatcher`` (Leniency.VALID) for several default regions; a run it does not
   accept still counts when it was spelled out in words, disguised, or introduced as a phone number
   ("call", "my number", "tel", "номер" ...). Without such a sign, a list of single digits, one long
   unseparated number with no ``0``/``+`` prefix (an id, a timestamp) and a formula are not phones.
4. Messengers: invite links (t.me, wa.me, discord.gg, ...), Skype ``live:`` ids, Discord ``name#1234``
   tags, WeChat ids, a handle introduced by a messenger name ("my tg is @x", "WeChat ID: x"), and
   invitations to move the conversation ("whatsapp me", "add me on telegram", "let's switch to
   Viber", "пиши в телегу"), QQ numbers, VK links, and a messenger's name spelled out ("t e l e g r a m").
   Naming a messenger as a product ("a Telegram bot", "WhatsApp Business API") is not an invitation.
5. Payment details (``screening_payments``: IBAN with mod-97, cards with Luhn, BIC with a cue, PayPal,
   crypto addresses with their checksums) are masked like contacts. Off-platform intent
   (``screening_intent``: "pay me directly", "ohne Treuhand", "минуя площадку", "私下交易") is
   flagged as kind ``intent`` and never masked.

Findings that overlap are merged; ``masked`` replaces each masked finding's span of the original text
with a mask of the same meaning (``[email hidden]``, ``[phone hidden]``, ``[link hidden]``, ``[contact
hidden]``, ``[payment details hidden]``). Intent findings come after the merge and are dropped where
they overlap a masked one, so findings never overlap.

Limits. A description with no detail and no intent phrase in it ("google my studio" aside, which
is one) passes; so does a paraphrase the intent patterns do not list. tldextract and phonenumbers are
imported on the first call, not at import (cold start).
Figures: tests/unit/test_screening.py (floors) and bench/screening.py (precision, recall, throughput).
"""

# This module matches look-alike letters, dashes and colons on purpose:
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Final

from chalicelib.domain.screening_intent import find_intent
from chalicelib.domain.screening_payments import find_crypto, find_payments, find_paypal
from chalicelib.domain.screening_words import NUMBER_RUN as _NUMBER_RUN
from chalicelib.domain.screening_words import NUMBER_WORD as _NUMBER_WORD
from chalicelib.domain.screening_words import ZH_RUN, count_words, spell, zh_digits

if TYPE_CHECKING:
    from tldextract import TLDExtract

KINDS: Final = ("email", "phone", "link", "domain", "messenger", "iban", "card", "bic", "paypal", "crypto", "intent")
# Kinds that are masked; "intent" is flagged only (see screening_intent: a phrase is not a detail).
MASKS: Final = {
    "email": "[email hidden]",
    "phone": "[phone hidden]",
    "link": "[link hidden]",
    "domain": "[link hidden]",
    "messenger": "[contact hidden]",
    "iban": "[payment details hidden]",
    "card": "[payment details hidden]",
    "bic": "[payment details hidden]",
    "paypal": "[payment details hidden]",
    "crypto": "[payment details hidden]",
}
# Default regions for national-format phone numbers (a "+" or "00" number needs none).
PHONE_REGIONS: Final = ("US", "GB", "DE", "FR", "ES", "IT", "IN", "RU", "UA", "PL", "CN")
# When two findings overlap they merge into one with the stronger kind.
_PRIORITY: Final = {
    "paypal": 10, "crypto": 9, "iban": 8, "card": 7, "bic": 6, "email": 5, "messenger": 4, "link": 3, "phone": 2,
    "domain": 1, "intent": 0,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Finding:
    """A contact or payment detail, or an intent phrase: ``text[start:end]`` of the original text."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Screening:
    flagged: bool
    masked: str
    findings: tuple[Finding, ...]


def screen(text: str) -> Screening:
    """Screen one chat message. Never raises for any string."""
    if not text:
        return Screening(False, text, ())
    base = _normalize(text)
    raw: list[Finding] = []
    web = _deobfuscate(base)
    _find_web(web, _mail_view(web), text, raw)
    _find_dotless(web, raw)
    _find_provider_handles(web, raw)
    _find_messengers(web, raw)
    for match in _SPELLED_BRAND.finditer(base.text):
        _add(base, *match.span(), "messenger", raw)
    _find_phones(base, text, raw)
    for kind, start, end in find_payments(base.text):
        _add(base, start, end, kind, raw)
    for kind, start, end in find_paypal(web.text):
        _add(web, start, end, kind, raw)
    raw.extend(Finding(kind, start, end) for kind, start, end in find_crypto(text))
    details = _merge(text, raw)
    intents = [Finding("intent", *base.origin(s, e)) for s, e in find_intent(base.text)]
    findings = _with_intent(text, details, intents)
    if not findings:
        return Screening(False, text, ())
    if not details:
        return Screening(True, text, findings)
    masked: list[str] = []
    pos = 0
    for finding in details:
        masked.append(text[pos : finding.start])
        masked.append(MASKS[finding.kind])
        pos = finding.end
    masked.append(text[pos:])
    return Screening(True, "".join(masked), findings)


# --------------------------------------------------------------------------------------------
# Views: a transformed text with, per character, the span of the original it stands for.


class _View:
    __slots__ = ("ends", "starts", "text")

    def __init__(self, text: str, starts: list[int], ends: list[int]) -> None:
        self.text = text
        self.starts = starts
        self.ends = ends

    def origin(self, start: int, end: int) -> tuple[int, int]:
        """The original span of view[start:end] (end > start)."""
        return self.starts[start], self.ends[end - 1]

    def rewrite(self, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str | None]) -> _View:
        """Replace each match by repl(match) (None keeps it); new characters map to the match's span."""
        parts: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        pos = 0
        for match in pattern.finditer(self.text):
            s, e = match.span()
            if s == e:
                continue
            new = repl(match)
            if new is None or new == match.group():
                continue
            parts.append(self.text[pos:s])
            starts.extend(self.starts[pos:s])
            ends.extend(self.ends[pos:s])
            o_start, o_end = self.starts[s], self.ends[e - 1]
            parts.append(new)
            starts.extend([o_start] * len(new))
            ends.extend([o_end] * len(new))
            pos = e
        if not parts:
            return self
        parts.append(self.text[pos:])
        starts.extend(self.starts[pos:])
        ends.extend(self.ends[pos:])
        return _View("".join(parts), starts, ends)

    def squeeze(self, pattern: re.Pattern[str], drop: Callable[[str], bool]) -> _View:
        """Inside each match, remove the characters `drop` selects; the others keep their exact map."""
        keep = [True] * len(self.text)
        changed = False
        for match in pattern.finditer(self.text):
            for i in range(match.start(), match.end()):
                if drop(self.text[i]):
                    keep[i] = False
                    changed = True
        if not changed:
            return self
        idx = [i for i, k in enumerate(keep) if k]
        return _View("".join(self.text[i] for i in idx), [self.starts[i] for i in idx], [self.ends[i] for i in idx])


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --------------------------------------------------------------------------------------------
# 1. Normalization

# Cyrillic and Greek letters that look like Latin ones (a subset of Unicode's confusables that
# people actually use to dodge filters). Folded only inside tokens that mix scripts or are made of
# look-alikes only, so ordinary Russian or Greek words stay as they are.
_FOLD: Final = {
    **dict(zip("аеорсухіјѕԁӏкмɡ", "aeopcyxijsdlkmg", strict=True)),
    **dict(zip("АВЕКМНОРСТХУІЈЅ", "ABEKMHOPCTXYIJS", strict=True)),
    **dict(zip("αοινρκτυχεϲϳ", "aoivpktuxecj", strict=True)),
    **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX", strict=True)),
    "ς": "c",  # NFKC turns the lunate sigma ϲ into ς
    "ı": "i",
    "ℓ": "l",
    "օ": "o",
    "ս": "u",
}
# Punctuation look-alikes NFKC leaves alone.
_PUNCT: Final = {
    "\u3002": ".",  # ideographic full stop
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),  # hyphens, dashes, minus
    **dict.fromkeys("\u30fb\u2219\u2022", "\u00b7"),  # katakana middle dot, bullet operator, bullet
}


@lru_cache(maxsize=8192)
def _char_form(ch: str) -> str:
    """NFKC, digits of any script to ASCII, accents off Latin letters; format chars and marks vanish."""
    category = unicodedata.category(ch)
    if category in ("Cf", "Mn", "Me"):
        return ""
    out: list[str] = []
    for c in unicodedata.normalize("NFKC", ch):
        digit = unicodedata.decimal(c, None)
        if digit is not None:
            out.append(str(digit))
            continue
        if c in _PUNCT:
            out.append(_PUNCT[c])
            continue
        if not c.isascii() and c not in _FOLD:
            bare = "".join(x for x in unicodedata.normalize("NFKD", c) if not unicodedata.combining(x))
            if bare and bare.isascii():
                c = bare
        out.append(c)
    return "".join(out)


def _normalize(text: str) -> _View:
    chars: list[str] = []
    starts: list[int] = []
    for i, ch in enumerate(text):
        form = ch if ch.isascii() else _char_form(ch)
        for c in form:
            chars.append(c)
            starts.append(i)
    # Fold look-alikes token by token.
    i = 0
    n = len(chars)
    while i < n:
        if not chars[i].isalnum():
            i += 1
            continue
        j = i
        while j < n and chars[j].isalnum():
            j += 1
        foreign = [c for c in chars[i:j] if not c.isascii()]
        if foreign and any(c in _FOLD for c in foreign):
            mixed = any(c.isascii() for c in chars[i:j])
            if mixed or all(c in _FOLD for c in foreign):
                for k in range(i, j):
                    chars[k] = _FOLD.get(chars[k], chars[k])
        i = j
    lowered = [c if len(low := c.lower()) != 1 else low for c in chars]
    return _View("".join(lowered), starts, [s + 1 for s in starts])


# --------------------------------------------------------------------------------------------
# 2. Emails, links and domains

_AT_WORDS: Final = r"(?:at|@|собака|arroba|malpa|małpa|chiocciola|klammeraffe)"
_DOT_WORDS: Final = r"(?:dot|точка|punkt|punto|kropka|\.)"
_HXXP = re.compile(r"\bh(?:xx|\*\*|tt|x\*|\*x)p(s?)(?=\s*(?::|\[:\])\s*/)")
_BRACKET_COLON = re.compile(r"\[\s*:\s*\]")
_BRACKET_AT = re.compile(rf"[ \t]*[\[\(\{{<][ \t]*{_AT_WORDS}[ \t]*[\]\)\}}>][ \t]*")
_BRACKET_DOT = re.compile(rf"[ \t]*[\[\(\{{<][ \t]*{_DOT_WORDS}[ \t]*[\]\)\}}>][ \t]*")
# Single characters separated by blanks or a repeated separator: "j o h n", "g-m-a-i-l".
_SPACED = re.compile(r"(?<!\S)(?:[^\s][ \t]{1,2}){3,}[^\s](?![^\s,;!?])")
# A messenger's or mail provider's name split by blanks or dots: "sk ype", "tele gram", "whats app", "g.mail".
_SPLIT_BRAND = re.compile(
    "(?<![\\w])(?:"
    + "|".join(
        "[ \t.·_*-]?".join(brand)
        for brand in (
            "skype",
            "telegram",
            "whatsapp",
            "viber",
            "wechat",
            "discord",
            "signal",
            "gmail",
            "hotmail",
            "телеграм",
        )
    )
    + ")(?![\\w])"
)
_SEPARATED = re.compile(r"(?<![^\W_])[a-z0-9](?:[\-_*·~|][a-z0-9]){3,}(?![^\W_])")
_WORD_AT = re.compile(r"[ \t]+(?:at|собака|arroba|malpa|małpa|chiocciola)[ \t]+")
_WORD_DOT = re.compile(
    r"[ \t]+(?:dot|точка|punkt|punto|kropka)(?:[ \t]+|(?=[a-z]))|[ \t]+point[ \t]+(?=(?:com|fr|net|org|be|ch|ca|io)\b)"
)
_BULLET_DOT = re.compile(r"(?<=[a-z0-9])[•·∙⋅・](?=[a-z])")
_BLANK_SLASH = re.compile(r"\.[a-z]{2,24}(?:[ \t]+/[ \t]*|/[ \t]+)(?=[\w~@])")
# "name @ host", "name@ host"; not "insta @handle" (a blank before the @ only: a handle).
_BLANK_AT = re.compile(r"(?<=[\w.])(?:[ \t]+@[ \t]+|@[ \t]+)(?=\w)")
_BLANK_DOT = re.compile(
    r"(?<=[a-z0-9])[ \t]+\.[ \t]*(?=[a-z0-9])|(?<=[a-z0-9])\.[ \t]+(?=(?:com|org|io|ru|ua|pl|fr|uk|cz|info|biz)\b)"
)


def _blank(ch: str) -> bool:
    return ch in " \t"


def _sep(ch: str) -> bool:
    return ch in " \t-_*·~|"


def _deobfuscate(base: _View) -> _View:
    """The view for web addresses: hxxp, bracketed at/dot, spaced letters, the word "dot", blanks before dots."""
    view = base.rewrite(_HXXP, lambda m: "http" + m.group(1))
    view = view.rewrite(_BRACKET_COLON, lambda m: ":")
    view = view.rewrite(_BRACKET_AT, lambda m: "@")
    view = view.rewrite(_BRACKET_DOT, lambda m: ".")
    view = view.squeeze(_SPACED, _blank)
    view = view.squeeze(_SPLIT_BRAND, lambda ch: ch in " \t.·_*-")
    view = view.squeeze(_SEPARATED, _sep)
    view = view.rewrite(_WORD_DOT, lambda m: ".")
    view = view.rewrite(_BULLET_DOT, lambda m: ".")
    view = view.squeeze(_BLANK_DOT, _blank)
    return view.squeeze(_BLANK_SLASH, _blank)


def _mail_view(web: _View) -> _View:
    """The view for emails: also the word "at" (kept apart: "I'm at codecraft.co.uk" is a website)."""
    view = web.rewrite(_WORD_AT, lambda m: "@")
    return view.squeeze(_BLANK_AT, _blank)


_URL = re.compile(r"(?:\b(?:https?|ftp)://|(?<![\w.@-])www\d{0,3}\.)[^\s<>\"'`]+")
_SKYPE_URI = re.compile(r"\bskype:[a-z0-9._:-]{3,}")
_EMAIL = re.compile(
    r"(?<![\w.+'’%-])([a-z0-9_](?:[a-z0-9._%+-]{0,63}[a-z0-9_])?)@"
    r"((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})(?![a-z0-9_-])"
)
_MAIL_PROVIDERS: Final = (
    "gmail|googlemail|hotmail|yahoo|outlook|icloud|proton|protonmail|yandex|gmx|aol|wp|onet|ukr|seznam|libero|qq"
)
_PROVIDER_EMAIL = re.compile(
    rf"(?<![\w.+'’%-])([a-z0-9_][a-z0-9._%+-]{{1,63}})@({_MAIL_PROVIDERS})(?![\w@]|\.[a-z0-9])"
)
_DOMAIN = re.compile(
    r"(?<![\w@./:%+#$-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})(?![\w@-]|\.[a-z0-9])"
    r"(:\d{2,5})?(/[^\s<>\"'`]*)?"
)
_TRAILING = ".,;:!?)]}'\"»…"
# Hosts whose links are messenger invitations.
_MESSENGER_HOSTS: Final = _words(
    "t.me telegram.me telegram.dog wa.me api.whatsapp.com chat.whatsapp.com discord.gg discord.com "
    "discordapp.com signal.me signal.group invite.viber.com viber.me u.wechat.com weixin.qq.com m.me "
    "ig.me instagram.com snapchat.com join.skype.com line.me vk.com vk.me m.vk.com ok.ru qm.qq.com"
)
# A "domain" whose last label is one of these is a file name.
_FILE_EXTENSIONS: Final = _words(
    "py pyc pyi ipynb js mjs cjs ts tsx jsx java kt rs go rb php cs cpp cc hpp sh bash zsh ps1 pm r m "
    "swift scala md rst txt pdf doc docx odt rtf xls xlsx ods csv tsv json yaml yml toml ini cfg conf env "
    "lock log sql db sqlite zip rar gz tgz bz2 xz 7z tar jar war apk ipa dmg iso exe msi bin dll so dylib "
    "png jpg jpeg gif bmp svg webp tif tiff ico psd ai eps sketch fig xd indd heic raw mp3 wav flac ogg "
    "m4a mp4 mov avi mkv webm wmv srt html htm css scss sass less xml vue svelte tf tfvars ppt pptx "
    "key pages numbers gs ms tex bib ttf otf woff woff2 vb"
)
# Tech names that happen to be registrable domains.
_TECH_NAMES: Final = _words(
    "asp.net vb.net ado.net socket.io dot.net node.js chart.js three.js react.js vue.js next.js "
    "express.js d3.js p5.js deno.land fly.io render.com"
)
# Documentation and placeholder names (RFC 2606 and the usual stand-ins).
_PLACEHOLDER_LABELS: Final = frozenset({"example", "yourdomain", "your-domain", "yoursite", "your-site", "domain"})
# Suffixes that are also common words, abbreviations or attribute names: a bare name ending in one
# of them counts as a website only with a sign of one (a path, or "site", "visit", "find me" ...).
# Two-letter suffixes not listed here, and these generic ones, count without such a sign.
_STRONG_SUFFIXES: Final = _words(
    "com net org io co me info biz dev xyz online eu ru ua pl uk co.uk com.ua org.uk ac.uk com.au com.br "
    "com.mx co.in co.jp"
)
_WORD_CCTLDS: Final = _words(
    "it no so in at is to be do us my am as by pm es de la et tu te se si il le ne ma mu id im ai ml tv "
    "fm ms gs vc ws sh cc ps ch ga ge"
)
_WEBSITE_CUES = re.compile(
    r"(?:\b(?:site|website|web|webpage|page|homepage|portfolio|visit|go\s+to|goto|find\s+me|check|see|url|link|"
    r"domain|blog|shop|store|agency|studio|сайт|сайте|seite|webseite|sitio|pagina|strona|strone)\b|→|->|:)[^\n]{0,25}$"
)
_CODE_RECEIVERS: Final = _words(
    "self this cls obj os sys np pd df req res ctx args kwargs props console window document math json "
    "user users data item items config settings app model request response event e x i el err error "
    "result value self_ module pkg logger log session client server db conn"
)
_STOPWORDS: Final = _words(
    "a an the in on at to it is be do of or and for with by as so no me my we us i you he she they this "
    "that done ok okay yes thanks thx im am are was were will can not but if then than also just here "
    "there"
)
_OBFUSCATED_DOT = re.compile(r"(?i)\bdot\b|точка|punkt|punto|kropka|[\[\(\{<]\s*(?:\.|dot)\s*[\]\)\}>]")


@cache
def _tld() -> TLDExtract:
    """tldextract on its bundled Public Suffix List snapshot: no URL to fetch, no cache dir, no network."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


@lru_cache(maxsize=4096)
def _split_host(host: str) -> tuple[str, str, str]:
    """(subdomain, registrable label, public suffix); the suffix is '' when the PSL does not know it."""
    parts = _tld()(host)
    return parts.subdomain, parts.domain, parts.suffix


_LOCAL_HOST = re.compile(
    r"^(?:localhost|0\.0\.0\.0|127\.\d+\.\d+\.\d+|10\.\d+\.\d+\.\d+|192\.168\.\d+\.\d+|"
    r"172\.(?:1[6-9]|2\d|3[01])\.\d+\.\d+|[\w.-]+\.(?:local|localhost|test|example|invalid|internal))$"
)


def _host_of(url: str) -> str:
    rest = re.sub(r"^(?:[a-z][a-z0-9+.-]*://)", "", url)
    host = re.split(r"[/?#:]", rest, maxsplit=1)[0]
    return host.rsplit("@", 1)[-1].strip(".")


def _messenger_host(host: str) -> bool:
    return host in _MESSENGER_HOSTS or host.removeprefix("www.") in _MESSENGER_HOSTS


def _add(view: _View, start: int, end: int, kind: str, out: list[Finding]) -> None:
    if end > start:
        o_start, o_end = view.origin(start, end)
        out.append(Finding(kind, o_start, o_end))


def _overlaps(spans: Iterable[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def _matches(pattern: re.Pattern[str], text: str, accept: Callable[[re.Match[str]], bool]) -> list[re.Match[str]]:
    """Like finditer, but a match `accept` refuses does not hide the matches starting inside it."""
    found: list[re.Match[str]] = []
    pos = 0
    while pos <= len(text):
        match = pattern.search(text, pos)
        if match is None:
            break
        if match.end() > match.start() and accept(match):
            found.append(match)
            pos = match.end()
        else:
            pos = match.start() + 1
    return found


def _find_web(view: _View, mail: _View, original: str, out: list[Finding]) -> None:
    """URLs and bare domains in the de-obfuscated view, emails in the mail view."""
    _find_emails(mail, original, out)
    text = view.text
    taken: list[tuple[int, int]] = []
    for match in _URL.finditer(text):
        start, end = match.start(), match.end()
        while end > start and text[end - 1] in _TRAILING:
            end -= 1
        host = _host_of(text[start:end])
        taken.append((start, end))
        if _LOCAL_HOST.match(host):
            continue  # localhost, a private address: nobody can be reached there
        kind = "messenger" if _messenger_host(host) else "link"
        _add(view, start, end, kind, out)
    for match in _SKYPE_URI.finditer(text):
        if not _overlaps(taken, *match.span()):
            taken.append(match.span())
            _add(view, *match.span(), "messenger", out)
    kinds: dict[int, str] = {}

    def domain(match: re.Match[str]) -> bool:
        kind = None if _overlaps(taken, *match.span()) else _domain_kind(view, original, match)
        if kind is not None:
            kinds[match.start()] = kind
        return kind is not None

    for match in _matches(_DOMAIN, text, domain):
        start, end = match.span()
        while end > start and text[end - 1] in _TRAILING:
            end -= 1
        _add(view, start, end, kinds[match.start()], out)


# "my site: studio-nord de", "website hannasoft io": a web address with a blank for its dot, after a cue.
_DOTLESS = re.compile(
    r"(?:\b(?:site|website|web\s?site|webpage|homepage|domain|url|portfolio|visit|go\s+to|google|seite|webseite|"
    r"homepage|domain|adresse)|сайт\w*|网站|网址|官网)[^\n.!?]{0,16}?(?<![\w.@-])"
    r"(?P<name>[a-z0-9][a-z0-9-]{2,40})[ \t]+(?P<tld>com|net|org|io|de|ru|cn|dev|app|eu|co|uk|ch|info|biz|pl|ua|nl|fr|"
    r"studio|design|shop|online|site|me)(?=[ \t]*(?:$|[,;!?)\n]|/\w|\.(?:\s|$)))"
)


def _find_dotless(view: _View, out: list[Finding]) -> None:
    for match in _DOTLESS.finditer(view.text):
        name = match.group("name")
        if name not in _STOPWORDS and name not in _DOTLESS_WORDS and not name.isdigit():
            _add(view, match.start("name"), match.end("tld"), "domain", out)


_DOTLESS_WORDS: Final = _words(
    "is my our your its his her their at on in under down up out new old same site website domain page url "
    "called named like via from under with just here there one"
)


def _find_emails(view: _View, original: str, out: list[Finding]) -> None:
    text = view.text

    def email(match: re.Match[str]) -> bool:
        local, host = match.group(1), match.group(2)
        _sub, label, suffix = _split_host(host)
        if not suffix or not label or label in _PLACEHOLDER_LABELS or host.rsplit(".", 1)[-1] in _FILE_EXTENSIONS:
            return False
        return _plausible_local(view, original, match, local, host)

    taken: list[tuple[int, int]] = []
    for match in _matches(_EMAIL, text, email):
        taken.append(match.span())
        _add(view, *match.span(), "email", out)
    for match in _PROVIDER_EMAIL.finditer(text):
        if not _overlaps(taken, *match.span()) and match.group(1) not in _STOPWORDS:
            _add(view, *match.span(), "email", out)


def _plausible_local(view: _View, original: str, match: re.Match[str], local: str, host: str) -> bool:
    """An '@' that was the word "at" makes an email only when the rest looks like one."""
    at = match.start(2) - 1
    o_start, o_end = view.origin(at, at + 1)
    if "@" in unicodedata.normalize("NFKC", original[o_start:o_end]) or "[" in original[o_start:o_end]:
        return True
    if "(" in original[o_start:o_end] or "{" in original[o_start:o_end]:
        return True
    if local in _STOPWORDS:
        return False
    if re.search(r"[._\d-]", local):
        return True
    if host.split(".", 1)[0] in _MAIL_PROVIDERS.split("|"):
        return True
    h_start, h_end = view.origin(match.start(2), match.end(2))
    return bool(_OBFUSCATED_DOT.search(original[h_start:h_end]))


def _domain_kind(view: _View, original: str, match: re.Match[str]) -> str | None:
    text = view.text
    host, port, path = match.group(1), match.group(2), match.group(3)
    sub, label, suffix = _split_host(host)
    if not suffix or not label:
        return None
    last = host.rsplit(".", 1)[-1]
    if last in _FILE_EXTENSIONS or host in _TECH_NAMES or label in _STOPWORDS or label in _PLACEHOLDER_LABELS:
        return None
    if _messenger_host(host):
        return "messenger"
    has_path = bool(path and len(path) > 1) or bool(port)
    start, end = match.start(1), match.end(1)
    before = text[max(0, start - 40) : start]
    after = text[end : end + 3]
    # Code: a call, an index, an assignment, inside backticks, an import, a receiver like self./df.
    if re.match(r"\s*(?:\(|\[|=(?!=)|\.[a-z_])", after) and not has_path:
        return None
    if before.count("`") % 2 == 1 or re.search(r"\b(?:from|import)\s+$", before):
        return None
    first = (sub.split(".", 1)[0] if sub else label).strip()
    if first in _CODE_RECEIVERS and not has_path:
        return None
    # "done.Next": a sentence typed without a space after the full stop.
    dot = end - len(suffix) - 1
    o_after_dot = view.starts[dot + 1]
    o_before_dot = view.starts[dot - 1] if dot > 0 else o_after_dot
    if not has_path and original[o_after_dot].isupper() and original[o_before_dot].islower():
        return None
    strong = suffix in _STRONG_SUFFIXES or (len(suffix) == 2 and suffix not in _WORD_CCTLDS)
    strong = strong or suffix.rsplit(".", 1)[-1] in ("uk", "ua", "au", "br")
    if not strong and not has_path and not _WEBSITE_CUES.search(before):
        return None
    return "link" if has_path else "domain"


# --------------------------------------------------------------------------------------------
# 3. Messengers

# Unambiguous names (and the colloquial Russian/Ukrainian ones).
_MSG_STRONG: Final = (
    r"whats\s?app|whatsap+|watsap+|wats\s?app|telegram+|viber|we\s?chat|weixin|skype|discord|instagram|snapchat|"
    r"threema|kakao\s?talk|kakaotalk"
)
_MSG_CYRILLIC: Final = (
    r"телег\w*|ва[тц]сап\w*|вотсап\w*|ва[йи]бер\w*|вибер\w*|ска[йи]п\w*|инстаграм\w*|инста|инсту|инсте|дискорд\w*|тг"
)
# Names that are also ordinary words or abbreviations.
_MSG_WEAK: Final = (
    r"tg|tele|ig|insta|snap|signal|line|messenger|fb|facebook|linkedin|twitter|tiktok|wx|vx|imo|kik|сигнал\w*"
)
_MSG_ALL: Final = rf"(?:{_MSG_STRONG}|{_MSG_CYRILLIC}|{_MSG_WEAK})"
_NOT_INVITE: Final = (
    r"(?![ \t-]*(?:bot|bots|channel|channels|api|group|groups|integration|business|webhook|sdk|notification|"
    r"notifications|mini[ \t]?app|бот\w*|канал\w*|групп\w*|api|интеграц\w*))"
)
_INTRO: Final = (
    r"(?:[ \t]*(?:id|handle|nick(?:name)?|user(?:name)?|name|account|acc|contact|me|is|es|ist|est|это|"
    r"[ \t]-[ \t]|–|—|:|=|→|->)[ \t]*)"
)
_MSG_HANDLE = re.compile(
    rf"(?<![\w@.])(?P<msg>{_MSG_ALL})\b(?P<intro>{_INTRO}{{0,3}})[ \t]*"
    r"(?P<handle>@[a-z0-9_][a-z0-9._]{2,31}|live:[a-z0-9._:-]{3,}|[a-z0-9][a-z0-9._-]{2,40})"
)
_EXPLICIT_INTRO = re.compile(r"\b(?:id|handle|nick(?:name)?|user(?:name)?)\b|[:=]")
_INVITES: Final = (
    re.compile(
        r"\b(?:add|text|txt|msg|message|write|ping|dm|contact|reach|call|find|hit|catch|follow|join|talk\s+to|chat\s+with)"
        r"\s+(?:me|us)\b[^.!?\n]{0,30}?\b(?:on|via|at|in|over|thru|through|using)\s+(?:my\s+)?"
        rf"(?P<msg>{_MSG_ALL})\b{_NOT_INVITE}"
    ),
    re.compile(rf"\bhmu\s+(?:on|via|at|in)\s+(?P<msg>{_MSG_ALL})\b"),
    re.compile(rf"\b(?P<msg>{_MSG_STRONG}|signal|snap|tg)\s+(?:me|us)\b"),
    re.compile(
        r"\b(?:let'?s|lets|we\s+(?:can|could|should)|can\s+we|could\s+we|shall\s+we|should\s+we|"
        r"i'?d\s+(?:rather|prefer)|i\s+prefer|better|easier|rather|move|switch|continue|talk|chat)\b"
        rf"[^.!?\n]{{0,40}}?\b(?:on|via|to|in|over|through|into)\s+(?P<msg>{_MSG_ALL})\b{_NOT_INVITE}"
    ),
    re.compile(
        rf"\b(?P<msg>{_MSG_ALL})\s+(?:is|would\s+be|will\s+be)\s+(?:much\s+|way\s+|a\s+lot\s+)?"
        r"(?:easier|faster|better|quicker|simpler|more\s+convenient)"
    ),
    re.compile(
        r"\b(?:schreib|schreiben|ruf|melde|kontaktier\w*|escribeme|escribime|escriba|llamame|contactame|ecris|"
        r"ecrivez|ecris-moi|appelle|contacte|napisz|napiszcie|zadzwon|пиши|напиши|пишите|напишите|звони|позвони|"
        r"позвоните|звоните|добавь|добавьте|стукни|пишіть|напишіть|дзвони|додай)\b"
        rf"[^.!?\n]{{0,40}}?(?P<msg>{_MSG_ALL})\b{_NOT_INVITE}"
    ),
    re.compile(rf"(?<!\w)(?P<msg>{_MSG_CYRILLIC})(?!\w){_NOT_INVITE}"),
)
# "olga_p on tg": a handle (with a digit, _ or .) placed on a messenger.
_HANDLE_ON = re.compile(
    rf"(?<![\w@.])(?P<handle>[a-z0-9][a-z0-9._]{{2,31}})\s+(?:on|at|in|via)\s+(?P<msg>{_MSG_ALL})\b{_NOT_INVITE}"
)
# Any mention of a messenger, for "I'm @olga_p everywhere (tg, insta)"; not the names that are common words.
_MSG_MENTION = re.compile(rf"(?<![\w@.])(?!line\b|signal\b|snap\b)(?:{_MSG_ALL})(?!\w){_NOT_INVITE}")
_SKYPE_LIVE = re.compile(r"\blive:(?:\.cid\.)?[a-z0-9][a-z0-9._-]{2,}")
_DISCORD_TAG = re.compile(r"(?<![\w#@/.])([a-z][a-z0-9_.]{1,31})#(\d{4})(?!\w)")
_WECHAT = re.compile(
    r"(?:加我|微信|薇信|威信|v信|(?<![a-z0-9])(?:vx|wx)(?![a-z0-9])|(?<![a-z0-9])wxid_)"
    r"[ \t]*(?:微信)?[ \t]*(?:号|id)?[ \t]*"
    r"(?:是|为|[:：])?[ \t]*[a-z0-9_-]{5,}"
)
_QQ = re.compile(r"(?:(?<![a-z0-9])qq|扣扣)[ \t]*(?:号码?|id|number|群)?[ \t]*(?:是|[:：])?[ \t]*\d{5,11}\b")
_AT_HANDLE = re.compile(r"(?<![\w@.])@[a-z0-9_][a-z0-9._]{2,31}")
_TICKET_WORDS: Final = _words(
    "issue issues pr prs mr bug bugs ticket tickets task tasks order orders item items case story no nr "
    "id ref build job run step page row line col ch sec fig figure version v test jira gh commit sprint "
    "epic req inc tx batch lot room slot seat player invoice po sku pull comment note rule section "
    "chapter table"
)
# Cheap pre-check: nothing below can match without one of these.
_MSG_ANY = re.compile(
    rf"(?<!\w)(?:{_MSG_ALL})|live:|#\d{{4}}|加我|微信|薇信|威信|v信|扣扣|(?<![a-z0-9])(?:vx|wx|wxid_|qq)"
)
_STRONG_RE = re.compile(rf"^(?:{_MSG_STRONG}|{_MSG_CYRILLIC})$")


# A messenger's name spelled letter by letter ("t e l e g r a m", "w-h-a-t-s-a-p-p") is a disguise on its
# own: nobody writes a product name that way except to slip it past a filter.
_SPELLED_BRAND = re.compile(
    "(?<![\\w])(?:"
    + "|".join(
        "[ \t.·_*-]+".join(f"[{ch}{_FOLD.get(ch, '')}]" for ch in brand)  # single Cyrillic letters are folded
        for brand in (
            "telegram",
            "whatsapp",
            "viber",
            "wechat",
            "skype",
            "signal",
            "discord",
            "телеграм",
            "ватсап",
            "вотсап",
        )
    )
    + ")(?![\\w])"
)


def _find_messengers(view: _View, out: list[Finding]) -> None:
    text = view.text
    if not _MSG_ANY.search(text):
        return
    found = False
    for match in _MSG_HANDLE.finditer(text):
        if _handle_accepted(match):
            _add(view, match.start("msg"), match.end("handle"), "messenger", out)
            found = True
    for pattern in _INVITES:
        for match in pattern.finditer(text):
            _add(view, match.start("msg"), match.end("msg"), "messenger", out)
            found = True
    for match in _HANDLE_ON.finditer(text):
        handle = match.group("handle")
        if re.search(r"[\d_.]", handle) and not re.fullmatch(r"[\d.]+", handle):
            _add(view, match.start(), match.end(), "messenger", out)
            found = True
    if not found and _AT_HANDLE.search(text) and (mention := _MSG_MENTION.search(text)):
        _add(view, *mention.span(), "messenger", out)
        found = True
    for pattern in (_SKYPE_LIVE, _WECHAT, _QQ):
        for match in pattern.finditer(text):
            _add(view, *match.span(), "messenger", out)
            found = True
    for match in _DISCORD_TAG.finditer(text):
        if match.group(1) not in _TICKET_WORDS and not match.group(1).isdigit():
            _add(view, *match.span(), "messenger", out)
            found = True
    if found:  # a messenger was offered: the @handles in the same message go with it
        for match in _AT_HANDLE.finditer(text):
            _add(view, *match.span(), "messenger", out)


def _handle_accepted(match: re.Match[str]) -> bool:
    handle, intro = match.group("handle"), match.group("intro")
    strong = bool(_STRONG_RE.match(match.group("msg")))
    if handle.startswith(("@", "live:")):
        return True
    if handle in _STOPWORDS:
        return False
    if re.search(r"[\d_.]", handle) and len(handle) >= 4:
        return strong or bool(intro.strip())
    return strong and bool(_EXPLICIT_INTRO.search(intro)) and len(handle) >= 4


_PROVIDER_HANDLE = re.compile(
    rf"\b(?:{_MAIL_PROVIDERS})\b(?P<intro>(?:[ \t]*(?:id|address|addr|account|acc|is|es|ist|est|:|=|-)[ \t]*){{1,3}})"
    r"(?P<handle>[a-z0-9][a-z0-9._-]{3,40})"
)


_HANDLE_ON_PROVIDER = re.compile(
    r"\b(?:e-?mail|mail|почт\w*|correo|courriel)\b[^.!?\n]{0,20}?(?<![\w@.])(?P<handle>[a-z0-9][a-z0-9._-]{2,40})"
    rf"\s+(?:on|at|in|@|на|в)\s+(?:{_MAIL_PROVIDERS})\b"
)


def _find_provider_handles(view: _View, out: list[Finding]) -> None:
    """A mailbox without the @: "my gmail is petrova.design92", "email annakeller on gmail"."""
    for match in _PROVIDER_HANDLE.finditer(view.text):
        handle = match.group("handle").rstrip(".")
        if handle.isdigit() and match.group().startswith("qq"):
            continue  # a QQ number: a messenger id (_QQ), not a mailbox
        if re.search(r"[\d_.]", handle) and handle not in _STOPWORDS:
            _add(view, match.start(), match.start("handle") + len(handle), "email", out)
    for match in _HANDLE_ON_PROVIDER.finditer(view.text):
        if match.group("handle") not in _STOPWORDS:
            _add(view, match.start("handle"), match.end(), "email", out)


# --------------------------------------------------------------------------------------------
# 4. Phones

_MULTIPLIER = re.compile(r"\b(double|triple|doppel|двойная|двойной|тройная)[ \t-]*(\d)\b")
_OH = re.compile(r"(?<=\d)([ \t,-]{1,3})(?:oh|o)\b|\b(?:oh|o)(?=[ \t,-]{1,3}\d)")
_PLUS = re.compile(r"\b(?:plus|плюс)[ \t]+(?=\d)")
_LETTER_DIGITS = re.compile(r"(?<![^\W_])[0-9oli|]{3,}(?![^\W_])")
_LETTER_DIGIT_MAP: Final = str.maketrans("oli|", "0111")

_NEUTRAL = "§"
_CURRENCY: Final = r"(?:[$€£¥₹₽₴]|usd|eur|euros?|gbp|chf|pln|zł|zl|rub|руб\w*|uah|грн|inr|mxn|brl|dollars?|bucks|k\b)"
_NUM: Final = r"(?:\d{1,3}(?:[ .,'’]\d{3})+|\d+)(?:[.,]\d{1,2})?"
_NOT_PHONE: Final = tuple(
    re.compile(p)
    for p in (
        # ISO dates and timestamps, year ranges, times
        r"(?<![\d])\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:t\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?z?)?(?![\d])",
        r"(?<![\d])(?:19|20)\d{2}[ \t]?[-–][ \t]?(?:19|20)\d{2}(?![\d])",
        r"(?<![\d])\d{1,2}:\d{2}(?::\d{2})?(?![\d])",
        # UUIDs and hex
        r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
        r"\b0x[0-9a-f]+\b",
        # amounts: a currency before or after, thousands grouped by commas or dots
        rf"{_CURRENCY}[ \t]?{_NUM}(?:[ \t]?[km]\b)?",
        rf"(?<![\d]){_NUM}[ \t]?{_CURRENCY}",
        r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d]|[.,]\d)",
        r"(?<![\d.,])\d{1,3}(?: \d{3})*(?: 000)(?![\d])",
        r"(?<![\d+.,])[1-9]\d?(?: \d{3}){2,}(?![\d]| \d)",
        # measurements, dimensions, percentages
        r"(?<![\d.])\d+(?:[.,]\d+)?[ \t]?(?:mm|cm|km|m|kg|g|mg|px|pt|dpi|gb|mb|tb|kb|ms|s|sec|min|h|hrs?|hours?|"
        r"days?|x|%)\b",
        r"(?<![\d.])\d+%",
        r"\b\d+[ \t]?[x×][ \t]?\d+(?:[ \t]?[x×][ \t]?\d+)?",
        # ratios and splits: 40/60, 250/250/500
        r"(?<![\d/])\d{1,3}(?:/\d{1,3})+(?![\d/])",
        # ticket, order and reference numbers
        r"(?:#|№|\b(?:nr|order|invoice|inv|ticket|pr|mr|issue|bug|case|ref|reference|id|po|sku|ean|isbn|upc|gtin|"
        r"asin|task|build|job|tracking|iban|account|acct|zamowienie|заказ\w*|сч[её]т\w*|rechnung|bestellung|"
        r"auftrag|commande|factura|pedido|version|ver|release|timestamp|epoch|unix|ts|uid|hash|seed|nonce)\b\.?)"
        r"[ \t]*(?:(?:no|nr|number|num|is|#|:|-|=)\.?[ \t]*){0,2}"
        r"[#:]?[ \t]*\d[\d\-/.]*",
        r"\b[a-z][a-z0-9]{1,9}-\d+\b",
        # part, drawing, article and serial numbers; standards (ISO 9001:2015, DIN EN 10204, GB/T 1804-2000)
        r"(?:\b(?:pn|p/n|part|parts|partno|art|artikel|artikelnummer|teil|teilenummer|sachnummer|sach-nr|mat|"
        r"material|materialnummer|dwg|drawing|zeichnung|zeichnungsnummer|rev|serial|s/n|sn|lot|charge|ident|"
        r"identnummer|model|modell|type|typ|catalog|catalogue|katalog|cat|mpn|oem|ref|item)\b|артикул\w*|арт|"
        r"деталь|детали|чертеж\w*|чертёж\w*|номенклатур\w*|серийн\w*|图号|零件号|料号|型号|物料号|编号|批号)"
        r"[ \t.:#№-]*(?:(?:no|nr|number|num|номер)\.?[ \t:#-]*)?[a-z]{0,4}[ \t-]?\d[\d\-/.]*(?:[ \t-][a-z0-9]{1,4}\b)?",
        r"\b(?:iso|din|en|iec|astm|asme|ansi|vde|vdi|gost|гост|ост|gb/t|gb|jis|bs|nf|sae|ipc|ul|api|nema|ieee|rfc)"
        r"(?:[ \t/-]+(?:en|iso|iec|t))*[ \t/-]*\d[\d\-.:/]*(?:[ \t-]+\d[\d\-.:/]*)?",
    )
)
# Checked in the callback: numeric dates, dotted versions, IP addresses, decimals.
_DMY = re.compile(r"(?<![\d./-])(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})(?![\d]|[./-]\d)")
_DOTTED = re.compile(r"(?<![\d.+])v?\d+(?:\.\d+){2,}(?:[-+][\w.]+)?(?![\d]|\.\d)")
_VERSION_V = re.compile(r"\bv\d+(?:\.\d+)*\b")
_DECIMAL = re.compile(r"(?<![\d.,])\d+[.,]\d+(?![\d]|[.,]\d)")

_RUN = re.compile(r"(?<![a-zа-яё0-9_+§])(?:\+[ \t]?|00)?\(?\d(?:[ \t\-./·_*,()]{0,4}\d){5,20}")
_PHONE_CUES = re.compile(
    r"\b(?:call|calls|phone|tel|telephone|mobile|mob|cell|cellphone|number|num|digits|ring|text|txt|sms|whats\s?app|"
    r"viber|signal|telegram|reach|dial|handy|nummer|anrufen|ruf|telefon|telefonnummer|portable|numero|movil|"
    r"celular|telefono|llamame|zadzwon|komorka|номер|телефон|тел|звони|позвони|моб|мобильный|my\s+no|ph)\b"
    r"|手机|电话|号码|致电|微信同号|打我"
)


def _neutral(match: re.Match[str]) -> str:
    return _NEUTRAL * (match.end() - match.start())


def _neutral_if(check: Callable[[re.Match[str]], bool]) -> Callable[[re.Match[str]], str | None]:
    def repl(match: re.Match[str]) -> str | None:
        return _neutral(match) if check(match) else None

    return repl


def _is_date(match: re.Match[str]) -> bool:
    a, b = int(match.group(1)), int(match.group(2))
    return (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)


def _is_version_or_ip(match: re.Match[str]) -> bool:
    token = match.group().lstrip("v")
    core = re.split(r"[-+]", token, maxsplit=1)[0]
    parts = core.split(".")
    if len(parts) == 4 and all(len(p) <= 3 and int(p) <= 255 for p in parts) and not parts[0].startswith("0"):
        return True  # an IP address
    if parts[0].startswith("0"):
        return False  # 06.12.34.56.78
    if [len(p) for p in parts] == [3, 3, 4]:
        return False  # 555.123.4567
    return not (len(parts) >= 4 and all(len(p) == 2 for p in parts))  # 06 12 34 56 78 with dots


def _digits_view(base: _View) -> tuple[_View, bool]:
    """Number words to digits, disguised digits fixed, non-phones blanked. Also: were words used?"""
    view = base.rewrite(
        _LETTER_DIGITS,
        lambda m: m.group().translate(_LETTER_DIGIT_MAP) if sum(c.isdigit() for c in m.group()) >= 2 else None,
    )
    spelled = bool(_NUMBER_WORD.search(view.text))
    if spelled:
        view = view.rewrite(_NUMBER_RUN, lambda m: spell(m.group()))
    if ZH_RUN.search(view.text):
        spelled = True
        view = view.rewrite(ZH_RUN, lambda m: zh_digits(m.group()))
    view = view.rewrite(_OH, lambda m: (m.group(1) or "") + "0")
    if spelled:
        view = view.rewrite(_MULTIPLIER, lambda m: m.group(2) * (3 if m.group(1).startswith(("tri", "тр")) else 2))
    view = view.rewrite(_PLUS, lambda m: "+")
    view = view.rewrite(_DMY, _neutral_if(_is_date))
    for pattern in _NOT_PHONE:
        view = view.rewrite(pattern, _neutral)
    view = view.rewrite(_DOTTED, _neutral_if(_is_version_or_ip))
    view = view.rewrite(_VERSION_V, _neutral)
    view = view.rewrite(_DECIMAL, _neutral)
    return view, spelled


def _find_phones(base: _View, original: str, out: list[Finding]) -> None:
    if sum(c.isdigit() for c in base.text) < 3 and not _NUMBER_WORD.search(base.text) and not ZH_RUN.search(base.text):
        return
    view, spelled = _digits_view(base)
    text = view.text
    for match in _RUN.finditer(text):
        for start, end in _phone_spans(view, original, match.start(), match.end(), spelled):
            _add(view, start, end, "phone", out)


def _phone_spans(view: _View, original: str, start: int, end: int, spelled: bool) -> list[tuple[int, int]]:
    """The phone numbers in one digit run: the whole run, else its comma/slash-separated pieces."""
    text = view.text
    while end > start and not text[end - 1].isdigit():
        end -= 1
    whole = _accept(view, original, start, end, spelled)
    if whole is not None:
        return [whole]
    spans: list[tuple[int, int]] = []
    piece = start
    for sep in [*re.finditer(r"[ \t]*[,/][ \t]*|[ \t]{2,}", text[start:end]), None]:
        cut = start + sep.start() if sep else end
        found = _accept(view, original, piece, cut, spelled)
        if found is not None and found != (start, end):
            spans.append(found)
        if sep:
            piece = start + sep.end()
    return spans


def _accept(view: _View, original: str, start: int, end: int, spelled: bool) -> tuple[int, int] | None:
    import phonenumbers

    text = view.text
    while start < end and not (text[start].isdigit() or text[start] in "+("):
        start += 1
    candidate = text[start:end]
    digits = "".join(c for c in candidate if c.isdigit())
    international = candidate.startswith("+") or digits.startswith("00")
    if not 7 <= len(digits) <= 15:
        return None
    unbracketed = re.sub(r"\(\d{1,5}\)", "", candidate)
    if "//" in candidate or ".." in candidate or "(" in unbracketed or ")" in unbracketed:
        return None  # a formula or a path, not a phone: "300·466//500", "100·(600000-330000)"
    groups = re.findall(r"\d+", candidate)
    o_start, o_end = view.origin(start, end)
    source = original[o_start:o_end]
    words = count_words(_normalize(source).text) if spelled else 0
    disguised = (
        words >= 3
        or any(not c.isascii() and (c.isalnum() or unicodedata.category(c) == "Cf") for c in source)
        or any(sum(c.isdigit() for c in t) >= 2 and not t.isdigit() for t in _LETTER_DIGITS.findall(source.lower()))
    )
    context = _phone_cue(view, start, end)
    if not (disguised or context or international):
        if all(len(g) == 1 for g in groups) and ("," in candidate or len(digits) < 9):
            return None  # a list of small numbers, unless spelled out or introduced as a phone
        if len(groups) == 1 and len(digits) >= 9 and not digits.startswith("0"):
            return None  # one long unseparated number with no 0 or + prefix: an id or a timestamp
        shape = [len(g) for g in groups]
        if re.fullmatch(r"\d+(?:-\d+){2,}", candidate) and digits[0] != "0" and shape not in ([3, 3, 4], [1, 3, 3, 4]):
            return None  # dash-grouped with no 0 prefix and not the US shape: a part number (4711-2233-09)
    if disguised or context:
        return start, end
    regions: tuple[str | None, ...] = (None,) if international else PHONE_REGIONS
    probe = "+" + digits[2:] if digits.startswith("00") else candidate
    for region in regions:
        for found in phonenumbers.PhoneNumberMatcher(probe, region, leniency=phonenumbers.Leniency.VALID):
            if len(re.sub(r"\D", "", found.raw_string)) >= len(digits) - 1:
                return start, end
    return None


def _phone_cue(view: _View, start: int, end: int) -> bool:
    """Is the run introduced (or followed closely) by a phone word?"""
    text = view.text
    return bool(_PHONE_CUES.search(text[max(0, start - 40) : start]) or _PHONE_CUES.search(text[end : end + 25]))


# --------------------------------------------------------------------------------------------
# Merging


def _merge(original: str, raw: list[Finding]) -> tuple[Finding, ...]:
    spans: list[Finding] = []
    for finding in raw:
        start, end = finding.start, finding.end
        while start < end and (original[start].isspace() or original[start] in ",;"):
            start += 1
        while end > start and (original[end - 1].isspace() or original[end - 1] in ",;:.!?"):
            end -= 1
        if end > start:
            spans.append(Finding(finding.kind, start, end))
    spans.sort(key=lambda f: (f.start, -f.end))
    merged: list[Finding] = []
    for finding in spans:
        if merged and finding.start < merged[-1].end:
            last = merged[-1]
            kind = last.kind if _PRIORITY[last.kind] >= _PRIORITY[finding.kind] else finding.kind
            merged[-1] = Finding(kind, last.start, max(last.end, finding.end))
        else:
            merged.append(finding)
    return tuple(merged)


def _with_intent(original: str, details: tuple[Finding, ...], intents: list[Finding]) -> tuple[Finding, ...]:
    """Intent phrases join the findings unless a masked detail already covers part of them."""
    if not intents:
        return details
    spans = [(f.start, f.end) for f in details]
    kept = [f for f in _merge(original, intents) if not _overlaps(spans, f.start, f.end)]
    return tuple(sorted((*details, *kept), key=lambda f: f.start)) if kept else details
