"""Consent by chat: a withdrawal reaches the data-protection contact, a question and its answer
travel both ways, Done reaches the sender, the export lists it, and the database cannot read it."""

from __future__ import annotations

import gettext
from datetime import timedelta

import pytest

from bot.catalogs import LOCALES_DIR
from bot.languages import ENDONYMS, LanguageCode
from bot.staff import PASSPHRASE_FREE_TRIES
from tests.e2e.conftest import MakePerson
from tests.e2e.flows import (
    BUCHAREST,
    GOT_IT,
    PASSPHRASE,
    RECEIPT,
    THATS_ALL,
    answer,
    audit_actions,
    enrolled,
    local_day,
    stored_bytes,
    tap_newest,
)
from tests.e2e.harness import (
    InProcessBot,
    Person,
    run_cli,
    translate,
    wait_until_confirmed,
    wait_until_outbox_sent,
)

INTRO_EN = (
    "You can take back your agreement at any time. You do not need to give a reason, "
    "and nobody will ask you why."
)
SENT_ONE_EN = (
    "Sent. Our data-protection contact will act on it by {day} (within {days} day). "
    "You do not need to do anything else."
)
SENT_EN = (
    "Sent. Our data-protection contact will act on it by {day} (within {days} days). "
    "You do not need to do anything else."
)


def translate_counted(language: str, singular: str, plural: str, count: int) -> str:
    """What the bot should say in that language for a message whose words follow a count."""
    catalog = gettext.translation("messages", LOCALES_DIR, languages=[language])
    return catalog.ngettext(singular, plural, count)


CHILD_NAME = "Florinel"  # the first name given in the request: never stored readable
QUESTION = "Does it also cover the group photo from June? question-canary-31d7"
ANSWER = "Yes, every photo please. answer-canary-c04e"
ASK_SECRET = "Now send your secret word. I will delete it from the chat at once."
ADDING = "Write or send a voice message. Tap «That's all» when you have finished."


async def withdraw(
    person: Person,
    language: LanguageCode,
    *,
    requester: str = "I am a parent or guardian",
    scopes: tuple[str, ...] = ("Photos", "Videos"),
    name: str = CHILD_NAME,
) -> tuple[str, str]:
    """From the first menu to the reference, as a parent would: two scopes, erase, take down."""
    await person.send("/start")
    screen = await person.wait_for(lambda s: bool(s.bot_messages and s.bot_messages[-1].buttons))
    label = next(t for t in screen.bot_messages[-1].button_texts if ENDONYMS[language] in t)
    await person.tap(label)
    await person.wait_for_bot_text(translate(language, "Who are you?"))
    await person.tap(translate(language, "Take back my agreement (photos, videos, data)"))
    await answer(person, language, "Who is asking?", requester)
    ask = "What do you take back your agreement for? Tap all that apply, then «Next»."
    await person.wait_for_bot_text(translate(language, ask))
    for scope in scopes:
        # Each tap ticks the option in the same message.
        await tap_newest(person, language, scope)
        ticked = "✓ " + translate(language, scope)
        await person.wait_for(lambda s, t=ticked: t in s.bot_messages[-1].button_texts)  # type: ignore[misc]
    await tap_newest(person, language, translate(language, "Next") + " ➡")
    await person.wait_for_bot_text(
        translate(language, "What is your child's first name? Only the first name, please.")
    )
    await person.send(name)
    await answer(person, language, "Which activity is it about?", "Summer camp")
    await answer(
        person, language, "Should we also delete the data we have already collected?", "Yes, please"
    )
    await answer(
        person,
        language,
        "Should we also take down photos and videos that are already published?",
        "Yes, please",
    )
    screen = await person.wait_for_bot_text(translate(language, "Please check:"))
    summary = screen.bot_messages[-1].text
    assert name in summary
    assert translate(language, "No reason is needed. Send it now?") in summary
    await tap_newest(person, language, "Send")
    screen = await person.wait_for(lambda s: any(RECEIPT.search(m.text) for m in s.bot_messages))
    receipt = next(m for m in screen.bot_messages if RECEIPT.search(m.text))
    # /status one tap away (the reference filled in), next to the erase button.
    assert receipt.button_texts == [
        translate(language, "See my request"),
        translate(language, "Erase the messages in this chat"),
    ]
    found = RECEIPT.search(receipt.text)
    assert found is not None
    return found.group(1), found.group(2)


async def consent_export(bot: InProcessBot, passphrase: str) -> tuple[int, str, str]:
    return await run_cli(
        bot, "consent", "export", "--activity", "summer_camp", stdin=f"{passphrase}\n"
    )


@pytest.mark.parametrize("language", ["ro", "sq", "rom"])
async def test_a_parent_withdraws_consent_and_it_is_handled_both_ways(
    safeperson: InProcessBot, make_person: MakePerson, language: LanguageCode
) -> None:
    dpo = await enrolled(safeperson, make_person, "Irina Dobre", "dpo")
    officer = await enrolled(safeperson, make_person, "Maria", "officer")
    parent = await make_person(first_name="Vera", language_code="en")
    code, secret = await withdraw(parent, language)
    said = "\n".join(m.text for m in (await parent.screen()).bot_messages)
    assert translate(language, INTRO_EN) in said
    deadline = local_day(safeperson.clock.now() + timedelta(days=30), language)
    assert (
        translate_counted(language, SENT_ONE_EN, SENT_EN, 30).format(day=deadline, days=30) in said
    )

    # The data-protection contact is alerted with the deadline (30 days), facts only.
    screen = await dpo.wait_for_bot_text(f"Consent withdrawn: request {code}")
    alert = next(m for m in screen.bot_messages if code in m.text)
    assert "Deadline:" in alert.text
    assert "Summer camp" in alert.text
    assert CHILD_NAME not in alert.text
    assert alert.button_texts == ["Read", "Done", "Ask a question"]
    # The officer is not a reader of consent requests when there is a data-protection contact.
    await wait_until_outbox_sent(safeperson)
    assert not any(code in m.text for m in (await officer.screen()).bot_messages)

    # Read: what is taken back, for whom.
    await dpo.tap("Read", message_id=alert.message_id)
    await dpo.wait_for_bot_text("Your key is locked.")
    await dpo.send(PASSPHRASE)
    screen = await dpo.wait_for_bot_text(f"Consent request {code}")
    opened = next(m for m in screen.bot_messages if f"Consent request {code}" in m.text)
    assert "Takes back: Photos, Videos" in opened.text
    assert f"First name: {CHILD_NAME}" in opened.text
    assert "Delete the data already collected: Yes, please" in opened.text
    assert opened.protect_content

    # A question goes to the parent, in their language, without the asker's name.
    await dpo.tap("Ask a question", message_id=alert.message_id)
    await dpo.wait_for_bot_text("Write your question.")
    await dpo.send(QUESTION)
    await dpo.wait_for_bot_text(f"Question sent for request {code}.")
    screen = await parent.wait_for_bot_text(QUESTION)
    relayed = next(m for m in screen.bot_messages if QUESTION in m.text)
    assert code in relayed.text
    assert "Irina" not in relayed.text
    assert "Dobre" not in relayed.text
    assert relayed.button_texts == [translate(language, "Answer")]

    # The parent answers it; the contact is told, and reads it.
    await parent.tap(translate(language, "Answer"), message_id=relayed.message_id)
    await parent.wait_for_bot_text(translate(language, ADDING))
    await parent.send(ANSWER)
    await parent.wait_for_bot_text(translate(language, GOT_IT))
    await tap_newest(parent, language, THATS_ALL)
    screen = await dpo.wait_for_bot_text(f"Consent request {code}: the person who asked answered")
    nudge = next(m for m in screen.bot_messages if "the person who asked answered" in m.text)
    assert ANSWER not in nudge.text
    await dpo.tap("Read", message_id=nudge.message_id)
    screen = await dpo.wait_for(lambda s: any(ANSWER in m.text for m in s.bot_messages))
    opened = [m for m in screen.bot_messages if ANSWER in m.text][-1]
    assert "Irina Dobre asked" in opened.text
    assert opened.text.index(QUESTION) < opened.text.index(ANSWER)

    # /status with the reference shows the question and the progress.
    await parent.send("/status")
    await parent.wait_for_bot_text(translate(language, "Please send your code."))
    await parent.send(code)
    await parent.wait_for_bot_text(translate(language, ASK_SECRET))
    await parent.send(secret)
    screen = await parent.wait_for(lambda s: sum(QUESTION in m.text for m in s.bot_messages) >= 2)
    await parent.wait_for_bot_text(code)

    # Done reaches the parent; a second tap changes nothing.
    await dpo.tap("Done", message_id=alert.message_id)
    await dpo.wait_for_bot_text(f"Request {code} is done.")
    done = translate(
        language, "Your request {code} is done. What you asked for has been carried out."
    ).format(code=code)
    await parent.wait_for_bot_text(done)
    await dpo.tap("Done", message_id=alert.message_id)
    await dpo.wait_for(lambda s: any("already done" in t.text for t in s.toasts))

    # The export lists it for the activity's photographers, opened with the contact's key.
    returncode, out, err = await consent_export(safeperson, PASSPHRASE)
    assert returncode == 0, err
    assert CHILD_NAME in out
    assert "photos, videos" in out
    assert f"since {safeperson.clock.now().astimezone(BUCHAREST):%d.%m.%Y}" in out
    assert code in out
    for _ in range(PASSPHRASE_FREE_TRIES):
        returncode, out, err = await consent_export(safeperson, "not the passphrase at all")
        assert returncode == 2
        assert CHILD_NAME not in out
    # The same limit as Read in the chat: after a few wrong ones, the next must wait.
    returncode, out, err = await consent_export(safeperson, PASSPHRASE)
    assert returncode == 2
    assert "too many wrong passphrases: wait" in err
    assert CHILD_NAME not in out

    # Nothing of it is readable in the database file; every step is in the audit log.
    await safeperson.stop()
    stored = await stored_bytes(safeperson)
    for needle in (CHILD_NAME, "question-canary-31d7", "answer-canary-c04e"):
        assert needle.encode() not in stored
    actions = [action for _actor, action, case in await audit_actions(safeperson) if case == code]
    for action in (
        "consent request received",
        "read",
        "consent: question asked",
        "consent: requester answered",
        "consent: done",
    ):
        assert action in actions
    assert "consent list exported" in [a for _, a, _ in await audit_actions(safeperson)]


async def test_a_young_person_withdraws_data_only_and_odd_input_is_answered_kindly(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    await enrolled(safeperson, make_person, "Maria", "officer")  # no data-protection contact
    young = await make_person(first_name="Ionut", language_code="en")
    await young.send("/consent")
    await young.wait_for_bot_text(INTRO_EN)
    await answer(young, "en", "Who is asking?", "I am the child or young person")
    await young.wait_for_bot_text("Tap all that apply")
    await tap_newest(young, "en", "Next ➡")  # nothing chosen yet
    await young.wait_for(lambda s: any("at least one" in t.text for t in s.toasts))
    await tap_newest(young, "en", "Data collection")
    await young.wait_for(lambda s: "✓ Data collection" in s.bot_messages[-1].button_texts)
    await tap_newest(young, "en", "Next ➡")
    await young.wait_for_bot_text("What is your first name? Only the first name, please.")
    await young.telegram.send_voice(young.user.user_id, duration=2, content=b"OggS-voice")
    await young.wait_for_bot_text("Please type the first name")
    await young.send("My name is Ionut and I do not want to be in the photos from the camp")
    await young.wait_for_bot_text("Please send only the first name")
    await young.send("Ionut")
    await answer(young, "en", "Which activity is it about?", "All activities")
    await answer(young, "en", "Should we also delete the data we have already collected?", "No")
    # Only data was taken back: nothing to take down, so that question is not asked.
    screen = await young.wait_for_bot_text("Please check:")
    summary = screen.bot_messages[-1].text
    assert "Take back: Data collection" in summary
    assert "Activity: All activities" in summary
    assert "Take down" not in summary
    await young.send("is this ok?")
    await young.wait_for_bot_text("Please tap one of the buttons first.")
    await tap_newest(young, "en", "Send")
    await young.wait_for_bot_text("Your reference:")
    # A second tap on the same Send makes no second request.
    sent = [m for m in (await young.screen()).bot_messages if m.text.startswith("Please check:")]
    second = await young.tap("Send", message_id=sent[0].message_id)
    await wait_until_confirmed(young.telegram, second)
    assert await safeperson.count_cases() == 1


async def test_cases_lists_the_open_consent_requests_to_the_data_protection_contact(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    dpo = await enrolled(safeperson, make_person, "Irina Dobre", "dpo")
    parent = await make_person(first_name="Vera", language_code="en")
    code, _secret = await withdraw(parent, "ro")
    await dpo.wait_for_bot_text(f"Consent withdrawn: request {code}")

    # With the alert scrolled away, /cases brings the request back, with its buttons.
    await dpo.send("/cases")
    await dpo.wait_for_bot_text("Open consent request for you: 1.")
    screen = await dpo.wait_for_bot_text(f"Consent request {code}. Deadline:")
    listed = next(m for m in screen.bot_messages if f"Consent request {code}. Deadline" in m.text)
    assert listed.button_texts == ["Read", "Done", "Ask a question"]
    await dpo.tap("Done", message_id=listed.message_id)
    await dpo.wait_for_bot_text(f"Request {code} is done.")

    # Done: no longer listed.
    await dpo.send("/cases")
    await dpo.wait_for_bot_text("No open cases for you.", count=2)
    # One person's updates are answered in order: once a later /cases is answered, everything
    # the earlier one said is on the screen.
    await dpo.send("/cases")
    screen = await dpo.wait_for_bot_text("No open cases for you.", count=3)
    assert sum("Open consent request" in m.text for m in screen.bot_messages) == 1
