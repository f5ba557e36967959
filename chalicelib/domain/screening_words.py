"""Number words for contact screening: spelled-out phone numbers become digits again.

Why. "five five five, thirty four, one hundred and twelve" is a phone number to anyone reading it,
and people dictate numbers the way they say them: in pairs and hundreds, in their own language.
This module turns a run of number words into its digits so the phone detector sees a digit run:

- single digits in English, German, French, Spanish, Polish, Russian and Ukrainian;
- tens, teens and hundreds in English ("thirty four", "one hundred and twelve"), German, written as
  one word ("vierunddreißig", "hundertzwölf", "zweiundfünfzig"), Russian ("тридцать четыре",
  "сто двенадцать", "двести") and Chinese ("三十四", "一百一十二", "一百零五", and digit by digit
  "幺三八零零…", 幺 and 两 included).

A run is a sequence of number words separated by blanks or hyphens; it becomes the concatenation of
its groups, each group being the number a speaker would say ("thirty four" 34, "one hundred and
twelve" 112, "seven seven" 77). Text is the normalized, lower-cased view (umlauts folded: fünf is
"funf"; ß stays).
"""

# ruff: noqa: RUF001

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

UNITS: Final = {
    # English
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9,
    # German (umlauts folded: fünf -> funf)
    "null": 0, "eins": 1, "zwei": 2, "zwo": 2, "drei": 3, "vier": 4, "funf": 5, "sechs": 6, "sieben": 7,
    "acht": 8, "neun": 9,
    # French (zero and six as in English; "un" is left out, it is the article)
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8, "neuf": 9,
    # Spanish
    "cero": 0, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
    "nueve": 9,
    # Polish (diacritics folded)
    "jeden": 1, "dwa": 2, "trzy": 3, "cztery": 4, "piec": 5, "szesc": 6, "siedem": 7, "osiem": 8,
    "dziewiec": 9,
    # Russian and Ukrainian
    "ноль": 0, "нуль": 0, "один": 1, "одна": 1, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5,
    "шесть": 6, "семь": 7, "восемь": 8, "девять": 9, "чотири": 4, "п'ять": 5, "шість": 6, "сім": 7,
    "вісім": 8, "дев'ять": 9,
}  # fmt: skip
TEENS: Final = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "десять": 10, "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14,
    "пятнадцать": 15, "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18, "девятнадцать": 19,
}  # fmt: skip
TENS: Final = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
    "двадцать": 20, "тридцать": 30, "сорок": 40, "пятьдесят": 50, "шестьдесят": 60, "семьдесят": 70,
    "восемьдесят": 80, "девяносто": 90,
}  # fmt: skip
HUNDREDS: Final = {
    "сто": 1, "двести": 2, "триста": 3, "четыреста": 4, "пятьсот": 5, "шестьсот": 6, "семьсот": 7,
    "восемьсот": 8, "девятьсот": 9,
}  # fmt: skip

_DE_UNIT: Final = {"ein": 1, "zwei": 2, "drei": 3, "vier": 4, "funf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9}
_DE_TEEN: Final = {
    "zehn": 10, "elf": 11, "zwolf": 12, "dreizehn": 13, "vierzehn": 14, "funfzehn": 15, "sechzehn": 16,
    "siebzehn": 17, "achtzehn": 18, "neunzehn": 19,
}  # fmt: skip
_DE_TEN: Final = {
    "zwanzig": 20, "dreißig": 30, "dreissig": 30, "vierzig": 40, "funfzig": 50, "sechzig": 60, "siebzig": 70,
    "achtzig": 80, "neunzig": 90,
}  # fmt: skip


def _alt(words: Iterable[str]) -> str:
    """A regex alternation, longest first (so "sechzehn" wins over "sechs")."""
    return "|".join(sorted(words, key=len, reverse=True))


_DE_UNITS_RE = _alt(_DE_UNIT)
# One German number word: [unit]hundert[und] + (teen | [unit und] ten | unit), or a teen/ten alone.
_DE_WORD = (
    rf"(?:(?:{_DE_UNITS_RE})?hundert(?:und)?(?:{_alt(_DE_TEEN)}|(?:(?:{_DE_UNITS_RE})und)?(?:{_alt(_DE_TEN)})|"
    rf"eins|{_DE_UNITS_RE})?|(?:(?:{_DE_UNITS_RE})und)?(?:{_alt(_DE_TEN)})|{_alt(_DE_TEEN)})"
)
_DE_PARSE = re.compile(
    rf"(?:(?P<h>{_DE_UNITS_RE})?(?P<hundert>hundert)(?:und)?)?"
    rf"(?:(?P<teen>{_alt(_DE_TEEN)})|(?:(?P<u>{_DE_UNITS_RE})und)?(?P<t>{_alt(_DE_TEN)})|(?P<u2>eins|{_DE_UNITS_RE}))?"
)
_SIMPLE: Final = {**UNITS, **TEENS, **TENS, **HUNDREDS, "hundred": 0}
_TOKEN = rf"(?:hundred(?:[ \t]+and)?|{_DE_WORD}|{_alt(_SIMPLE)})"
# A run of number words (Latin and Cyrillic), blanks or hyphens between them.
_SEP = r"(?:[ \t]*-[ \t]*|[ \t]+)"
NUMBER_RUN = re.compile(rf"(?<![\w']){_TOKEN}(?:{_SEP}{_TOKEN})*(?![\w'])")
NUMBER_WORD = re.compile(rf"(?<![\w'])(?:{_TOKEN})(?![\w'])")
_TOKENS = re.compile(_TOKEN)
# Chinese numerals: runs of two or more (a single one is a word: 一起, 三个).
ZH_RUN = re.compile(r"[零〇一二三四五六七八九十百两幺]{2,}")
_ZH_DIGIT: Final = {
    "零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip


@dataclass(slots=True)
class _Group:
    hundreds: int | None = None
    tens: int | None = None
    unit: int | None = None
    teen: int | None = None

    def render(self) -> str:
        rest = (self.tens or 0) + (self.unit or 0) + (self.teen or 0)
        if self.hundreds is not None:
            return str(self.hundreds * 100 + rest)
        if self.tens is not None or self.teen is not None:
            return str(rest)
        return str(self.unit) if self.unit is not None else ""

    def only_hundreds(self) -> bool:
        return self.hundreds is not None and self.tens is None and self.unit is None and self.teen is None


class _Assembler:
    """Groups atoms the way a speaker groups a number: 'thirty four' is 34, 'seven seven' is 77."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.cur: _Group | None = None

    def flush(self) -> None:
        if self.cur is not None:
            self.out.append(self.cur.render())
        self.cur = None

    def unit(self, d: int) -> None:
        cur = self.cur
        if (
            cur is not None
            and cur.unit is None
            and cur.teen is None
            and (cur.tens is not None or cur.hundreds is not None)
        ):
            cur.unit = d
            return
        self.flush()
        self.cur = _Group(unit=d)

    def hundred(self, times: int | None) -> None:
        cur = self.cur
        if times is None and cur is not None and cur.unit is not None and cur.hundreds is None and cur.tens is None:
            cur.hundreds, cur.unit = cur.unit, None
            return
        self.flush()
        self.cur = _Group(hundreds=times or 1)

    def tens(self, n: int) -> None:
        if self.cur is not None and self.cur.only_hundreds():
            self.cur.tens = n
            return
        self.flush()
        self.cur = _Group(tens=n)

    def teen(self, n: int) -> None:
        if self.cur is not None and self.cur.only_hundreds():
            self.cur.teen = n
            return
        self.flush()
        self.cur = _Group(teen=n)

    def literal(self, digits: str) -> None:
        self.flush()
        self.out.append(digits)

    def result(self) -> str:
        self.flush()
        return "".join(self.out)


def spell(run: str) -> str:
    """The digits a run of number words stands for (NUMBER_RUN matches)."""
    asm = _Assembler()
    for match in _TOKENS.finditer(run):
        word = match.group()
        if word.startswith("hundred"):
            asm.hundred(None)
        elif word in UNITS:
            asm.unit(UNITS[word])
        elif word in TEENS:
            asm.teen(TEENS[word])
        elif word in TENS:
            asm.tens(TENS[word])
        elif word in HUNDREDS:
            asm.hundred(HUNDREDS[word])
        else:
            asm.literal(_german(word))
    return asm.result()


def _german(word: str) -> str:
    match = _DE_PARSE.fullmatch(word)
    if match is None:
        return word
    value = 0
    if match.group("hundert"):
        value = 100 * (_DE_UNIT[match.group("h")] if match.group("h") else 1)
    if match.group("teen"):
        value += _DE_TEEN[match.group("teen")]
    if match.group("t"):
        value += _DE_TEN[match.group("t")] + (_DE_UNIT[match.group("u")] if match.group("u") else 0)
    if match.group("u2"):
        value += 1 if match.group("u2") == "eins" else _DE_UNIT[match.group("u2")]
    return str(value)


def zh_digits(run: str) -> str:
    """Chinese numerals to digits: positional (三十四 34, 一百零五 105) or digit by digit (幺三八)."""
    asm = _Assembler()
    for ch in run:
        cur = asm.cur
        if ch == "百":
            asm.hundred(None)
        elif ch == "十":
            if cur is not None and cur.unit is not None and cur.tens is None and cur.teen is None:
                cur.tens, cur.unit = cur.unit * 10, None
            elif cur is not None and cur.only_hundreds():
                cur.tens = 10
            else:
                asm.tens(10)
        elif ch in "零〇" and cur is not None and cur.only_hundreds():
            continue  # 一百零五: the zero only holds the tens' place
        else:
            asm.unit(_ZH_DIGIT[ch])
    return asm.result()


def count_words(text: str) -> int:
    """How many number words a text holds (a sign the number was spelled out to dodge a filter)."""
    return len(NUMBER_WORD.findall(text)) + sum(len(m.group()) for m in ZH_RUN.finditer(text))
