"""Counts and durations read right in every language: the plural form the number asks for,
Romanian's "de" from 20 on, no English unit outside English, and never "0 hours"."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from aiogram.utils.i18n import I18n

from bot.catalogs import LOCALES_DIR
from bot.durations import shown_duration
from bot.languages import SUPPORTED
from bot.outbox import DigestLine
from bot.settings import OrganisationConfig
from handlers import casework_texts, consent_texts, reading_texts, report_texts, texts
from handlers.alert_texts import AlertTexts, passphrase_locked_out, passphrase_wait

NUMBERS = (0, 1, 2, 5, 20, 24, 30, 60, 101)
DEADLINE = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
CONFIG = OrganisationConfig.model_validate({"organisation": {"name": "Test", "country": "RO"}})

# The nouns a number is followed by, as (singular, plural) words; a language where both are the
# same word (Albanian "orë") cannot get that one wrong. Romanian's third form is the plural
# with "de" before it.
NOUNS: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        ("day", "days"),
        ("hour", "hours"),
        ("minute", "minutes"),
        ("second", "seconds"),
        ("character", "characters"),
        ("passphrase", "passphrases"),
    ),
    "ro": (
        ("zi", "zile"),
        ("oră", "ore"),
        ("minut", "minute"),
        ("secundă", "secunde"),
        ("caracter", "caractere"),
        ("frază-parolă", "fraze-parolă"),
    ),
    "sq": (
        ("ditë", "ditë"),
        ("orë", "orë"),
        ("minutë", "minuta"),
        ("sekondë", "sekonda"),
        ("karakter", "karaktere"),
        ("fjalëkalimi", "fjalëkalimesh"),
        ("dite", "ditëve"),
        ("tjetër", "të tjera"),
    ),
    "rom": (
        ("dives", "divesa"),
        ("ora", "ore"),
        ("minuta", "minute"),
        ("sekunda", "sekunde"),
        ("semno", "semne"),
        ("parola", "parole"),
    ),
}
# English units a translation must not show; "minute" is also Romanian and Romani for minutes.
ENGLISH_UNITS = {
    "ro": r"days?|hours?|minutes|seconds?",
    "sq": r"days?|hours?|minutes?|seconds?",
    "rom": r"days?|hours?|minutes|seconds?",
}
SHORT_UNIT = re.compile(r"\d\s?[dhms]\b")


def i18n() -> I18n:
    return I18n(path=LOCALES_DIR, default_locale="en", domain="messages")


def counted(n: int, language: str) -> Iterator[tuple[str, Callable[[], str]]]:
    """Every message that shows a count, rendered for n."""
    alerts = AlertTexts(i18n(), CONFIG)
    yield "days", lambda: texts.days(n)
    yield "hours", lambda: texts.hours(n)
    yield "minutes", lambda: texts.minutes(n)
    yield "seconds", lambda: texts.seconds(n)
    yield "more cases", lambda: casework_texts.more_cases(n)
    yield "case text too long", lambda: casework_texts.too_long(n)
    yield "question too long", lambda: consent_texts.too_long(n)
    yield "consent sent", lambda: consent_texts.sent(DEADLINE, n, CONFIG.zone)
    yield "open consent requests", lambda: consent_texts.open_requests(n)
    yield "too many tries", lambda: report_texts.too_many_tries(n)
    yield "voice notes follow", lambda: reading_texts.voice_notes_follow(n)
    digest = [DigestLine(f"C{i}", "urgent", language) for i in range(n)]
    yield "digest", lambda: alerts.digest(digest, language)[0]
    yield "key locked", lambda: alerts.key_locked("Ana", "officer", 7, n, language)


def durations(n: int) -> Iterator[tuple[str, timedelta]]:
    for unit in ("seconds", "minutes", "hours", "days"):
        yield f"{n} {unit}", timedelta(**{unit: n})
    yield f"{n} hours and a bit", timedelta(hours=n, minutes=1, seconds=3)


def rendered_durations(n: int, language: str) -> Iterator[tuple[str, str]]:
    alerts = AlertTexts(i18n(), CONFIG)
    for name, value in durations(n):
        yield name, texts.duration(value)
        yield f"{name}, to the second", texts.duration(value, with_seconds=True)
        numbers = CONFIG.help_numbers
        yield f"{name}, child's receipt", report_texts.submitted("child", value, True, numbers)
        yield f"{name}, reporter's receipt", report_texts.submitted("other", value, False, numbers)
        yield f"{name}, before the story", report_texts.before_story(value)
        yield f"{name}, passphrase wait", passphrase_wait(value)
        yield f"{name}, key locked for", passphrase_locked_out(value)
        yield f"{name}, reminder", alerts.reminder("K7", value, DEADLINE, language)


def render(language: str, n: int) -> list[tuple[str, str, bool]]:
    """(what, text, is a duration) for every counted message and duration at n."""
    translations = i18n()
    with translations.context(), translations.use_locale(language):
        found = [(name, make(), False) for name, make in counted(n, language)]
        found += [(name, text, True) for name, text in rendered_durations(n, language)]
    return found


def noun_forms(language: str, text: str) -> list[tuple[int, bool, str]]:
    """Each number followed by a known noun: (number, "de" between them, the noun)."""
    words = "|".join(re.escape(w) for pair in NOUNS[language] for w in pair)
    pattern = re.compile(rf"(?<![\d-])(\d+) (de )?({words})(?![\w-])")
    return [(int(n), bool(de), noun) for n, de, noun in pattern.findall(text)]


@pytest.mark.parametrize("language", SUPPORTED)
@pytest.mark.parametrize("n", NUMBERS)
def test_counts_and_durations_take_the_form_their_number_asks_for(language: str, n: int) -> None:
    singulars = {one for one, many in NOUNS[language] if one != many}
    plurals = {many for one, many in NOUNS[language] if one != many}
    for what, text, is_duration in render(language, n):
        assert not SHORT_UNIT.search(text), f"{language} {what}: short unit in {text!r}"
        if language != "en":
            english = re.search(rf"\b({ENGLISH_UNITS[language]})\b", text)
            assert english is None, f"{language} {what}: English unit in {text!r}"
        forms = noun_forms(language, text)
        if is_duration:
            assert forms, f"{language} {what}: no unit in {text!r}"
            assert all(number > 0 for number, _de, _noun in forms), (
                f"{language} {what}: a zero unit in {text!r}"
            )
        for number, de, noun in forms:
            if number == 1:
                assert noun not in plurals, f"{language} {what}: plural at 1 in {text!r}"
            else:
                assert noun not in singulars, f"{language} {what}: singular at {number}: {text!r}"
            if language == "ro":
                # Romanian: "20 de ore", "101 ore", "100 de ore": "de" when the last two digits
                # are 00 or from 20 up.
                wants_de = number != 0 and (number % 100 == 0 or number % 100 >= 20)
                assert de == wants_de, f"ro {what}: 'de' wrong at {number} in {text!r}"
            else:
                assert not de


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (timedelta(seconds=1), "1 minute"),
        (timedelta(minutes=30), "30 minutes"),
        (timedelta(minutes=60), "1 hour"),
        (timedelta(hours=1, seconds=1), "1 hour 1 minute"),
        (timedelta(hours=3, minutes=4, seconds=30), "3 hours 5 minutes"),
        (timedelta(hours=23, minutes=59, seconds=47), "1 day"),
        (timedelta(days=1, hours=2), "1 day 2 hours"),
        (timedelta(days=1, hours=2, minutes=1), "1 day 3 hours"),
        (timedelta(days=1, hours=23, minutes=1), "2 days"),
        (timedelta(days=30), "30 days"),
    ],
)
def test_a_duration_shows_two_units_at_most_and_never_less_time_than_there_is(
    value: timedelta, shown: str
) -> None:
    translations = i18n()
    with translations.context(), translations.use_locale("en"):
        assert texts.duration(value) == shown
    parts = shown_duration(value)
    total = timedelta(days=parts.days, hours=parts.hours, minutes=parts.minutes)
    assert total >= value


def test_a_wait_under_a_minute_is_shown_in_seconds_when_asked() -> None:
    translations = i18n()
    with translations.context(), translations.use_locale("ro"):
        assert texts.duration(timedelta(seconds=8), with_seconds=True) == "8 secunde"
        assert texts.duration(timedelta(seconds=20), with_seconds=True) == "20 de secunde"
        assert texts.duration(timedelta(hours=20)) == "20 de ore"
        assert texts.duration(timedelta(days=1, hours=2)) == "1 zi și 2 ore"


def test_albanian_one_more_is_singular() -> None:
    translations = i18n()
    with translations.context(), translations.use_locale("sq"):
        assert casework_texts.more_cases(1) == "…dhe 1 tjetër."
        assert casework_texts.more_cases(2) == "…dhe 2 të tjera."
