"""The demo's guide, played through the page in a real browser, as a new user would.

Debian's Chromium, driven by Playwright: clicks and typing only, never the emulator's control
API. The child speaks Romani, the parent Albanian, the staff English. Each step checks what a
person would see on the phone. On failure, a screenshot of the whole page is saved.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.async_api import Locator, Page, async_playwright, expect

from bot.demo import run_demo
from tests.browser.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS
from tests.e2e.flows import ABOUT_STAFF, FIRST_NAME, GOT_IT, WANTS_REPLY
from tests.e2e.flows import STORY as TELL
from tests.e2e.harness import free_port, translate

# The ladder is shortened for the test; on the demo it is a minute.
ACK_AFTER = timedelta(seconds=8)
STEP_TIMEOUT_MS = 30_000
STORY = "Un baro marel man. story-canary-2f7e"  # what the child tells
REPLY = "Thank you for telling me. Are you safe at home? reply-canary-8c1d"
ANSWER = "Va, som mišto. answer-canary-41aa"
CHILD_NAME = "Florinel"
CODE = re.compile(r"\b([A-HJ-NP-Z2-9]{6})\b")
ADDING = "Write or send a voice message. Tap «That's all» when you have finished."
SCOPES = "What do you take back your agreement for? Tap all that apply, then «Next»."
ERASE = "Should we also delete the data we have already collected?"
TAKE_DOWN = "Should we also take down photos and videos that are already published?"
CHILD = "rom"
PARENT = "sq"


class PhoneOnPage:
    """One phone of the page, found by its accessible name, used with clicks and typing."""

    def __init__(self, page: Page, title: str) -> None:
        self.root = page.get_by_role("region", name=f"{title}'s phone")
        self.chat = self.root.get_by_role("log")

    def newest(self) -> Locator:
        return self.chat.locator(".bubble.bot").last

    async def answer(self, question: str, option: str) -> None:
        """Once the newest message asks `question`, tap `option` on it."""
        newest = self.newest()
        await expect(newest).to_contain_text(question, timeout=STEP_TIMEOUT_MS)
        await newest.get_by_role("button", name=option, exact=True).click()

    async def tap(self, label: str) -> None:
        """Tap `label` on the newest message that offers it, once it is there."""
        button = self.chat.locator(".bubble.bot", has=self._button(label)).last
        await expect(button).to_be_visible(timeout=STEP_TIMEOUT_MS)
        await button.get_by_role("button", name=label, exact=True).click()

    def _button(self, label: str) -> Locator:
        return self.chat.page.get_by_role("button", name=label, exact=True)

    async def type(self, text: str) -> None:
        box = self.root.get_by_role("textbox")
        await box.fill(text)
        await box.press("Enter")

    async def sees(self, text: str) -> None:
        await expect(self.chat).to_contain_text(text, timeout=STEP_TIMEOUT_MS)

    async def bubble_with(self, text: str) -> str:
        bubble = self.chat.locator(".bubble.bot", has_text=text).last
        await expect(bubble).to_be_visible(timeout=STEP_TIMEOUT_MS)
        return await bubble.inner_text()


@contextlib.asynccontextmanager
async def demo_running() -> AsyncIterator[str]:
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    demo = asyncio.create_task(
        run_demo(free_port(), ack_after=ACK_AFTER, on_ready=ready.set_result)
    )
    try:
        waiting: list[asyncio.Future[Any]] = [ready, demo]
        done, _ = await asyncio.wait(waiting, timeout=60, return_when="FIRST_COMPLETED")
        if demo in done:
            demo.result()
        assert ready in done, "the demo did not start within a minute"
        yield ready.result()
    finally:
        demo.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await demo


def rom(text: str) -> str:
    return translate(CHILD, text)


def sq(text: str) -> str:
    return translate(PARENT, text)


async def child_tells_something(child: PhoneOnPage, page: Page) -> str:
    await child.root.get_by_role("combobox").select_option(CHILD)
    await child.sees("Nothing here yet. Press «Start» to begin")
    await child.root.get_by_role("button", name="Came from the «Summer camp» poster").click()
    await child.tap("✓ Romani čhib")
    await child.answer(rom("Who are you?"), rom("I am a child or young person"))
    await child.answer(rom("Are you safe right now?"), rom("Yes, I am safe"))
    await child.sees(rom(TELL))
    await child.type(STORY)
    await child.answer(rom(GOT_IT), rom("That's all"))
    await child.answer(rom(FIRST_NAME), rom("Skip"))
    await child.answer(rom(ABOUT_STAFF), rom("No, or I am not sure"))
    await child.answer(rom(WANTS_REPLY), rom("Yes, please"))
    await child.answer(rom("Shall I send it to the safe person now?"), rom("Send"))
    receipt = await child.bubble_with(rom("Erase the messages in this chat"))
    found = CODE.search(receipt)
    assert found, receipt
    return found.group(1)


async def test_the_guide_plays_end_to_end_in_a_real_browser(request: pytest.FixtureRequest) -> None:
    started = time.monotonic()
    async with demo_running() as address, async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = await browser.new_page(viewport={"width": 1500, "height": 950})
        try:
            await page.goto(address + "/")
            await expect(page.get_by_role("heading", name="Try this")).to_be_visible()
            child = PhoneOnPage(page, "Child")
            parent = PhoneOnPage(page, "Parent")
            officer = PhoneOnPage(page, "Officer")
            deputy = PhoneOnPage(page, "Deputy")
            dpo = PhoneOnPage(page, "Data protection")
            languages = await child.root.get_by_role("combobox").locator("option").all_inner_texts()
            assert languages == ["Română", "Shqip", "Romani čhib", "English"]

            # 1 and 2. The child tells something; the officer's alert arrives at once.
            code = await child_tells_something(child, page)
            alert = await officer.bubble_with(f"New case {code}")
            assert STORY not in alert  # facts only
            assert "Summer camp" in alert

            # 3. Nobody acknowledges: the deputy is alerted, and the tab says so.
            deputy_tab = page.get_by_role("tab", name=re.compile("^Deputy"))
            await expect(deputy_tab.locator(".badge")).to_be_visible(timeout=STEP_TIMEOUT_MS)
            await deputy_tab.click()
            await deputy.bubble_with(f"New case {code}")
            await page.get_by_role("tab", name=re.compile("^Officer")).click()

            # 4. Acknowledge, Read with the passphrase shown on the page, Reply.
            await officer.tap("Acknowledge")
            await officer.sees(f"You acknowledged case {code}.")
            await officer.tap("Read")
            await officer.sees("Your key is locked.")
            passphrase = await officer.root.locator("[data-role=passphrase]").inner_text()
            await officer.type(passphrase)
            report = await officer.bubble_with(STORY)
            assert f"Case {code}" in report
            assert "protected" in report  # shown protected from forwarding and saving
            assert passphrase not in await officer.chat.inner_text()  # deleted at once
            await officer.tap("Reply")
            await officer.sees("Write your reply.")
            await officer.type(REPLY)
            await officer.sees(f"Sent to the reporter of case {code}.")

            # 5. The reply reaches the child from «the safe person»; the child answers.
            relayed = await child.bubble_with(REPLY)
            assert rom("A message from the safe person:") in relayed
            assert "Maria" not in relayed
            await child.tap(rom("Answer"))
            await child.sees(rom(ADDING))
            await child.type(ANSWER)
            await child.answer(rom(GOT_IT), rom("That's all"))
            await child.sees(rom("Added to your message. Thank you."))
            await officer.sees(f"Case {code}: the reporter wrote more.")

            # 6. A parent takes back consent for photos, in Albanian.
            await parent.root.get_by_role("combobox").select_option(PARENT)
            await parent.root.get_by_role("button", name="Start", exact=True).click()
            await parent.tap("✓ Shqip")
            await parent.answer(
                sq("Who are you?"), sq("Take back my agreement (photos, videos, data)")
            )
            await parent.answer(sq("Who is asking?"), sq("I am a parent or guardian"))
            await parent.answer(sq(SCOPES), sq("Photos"))
            await expect(parent.newest()).to_contain_text("✓ " + sq("Photos"))
            await parent.answer(sq(SCOPES), sq("Next") + " ➡")
            await parent.sees(sq("What is your child's first name? Only the first name, please."))
            await parent.type(CHILD_NAME)
            await parent.answer(sq("Which activity is it about?"), sq("Summer camp"))
            await parent.answer(sq(ERASE), sq("No"))
            await parent.answer(sq(TAKE_DOWN), sq("No"))
            await parent.answer(sq("Please check:"), sq("Send"))
            reference = CODE.search(await parent.bubble_with(sq("Erase the messages in this chat")))
            assert reference, "no reference on the parent's phone"

            # 7. The data-protection contact is alerted and taps Done; the parent is told.
            await page.get_by_role("tab", name=re.compile("^Data protection")).click()
            request_alert = await dpo.bubble_with(
                f"Consent withdrawn: request {reference.group(1)}"
            )
            assert CHILD_NAME not in request_alert
            await dpo.tap("Done")
            await dpo.sees(f"Request {reference.group(1)} is done.")
            done = sq("Your request {code} is done. What you asked for has been carried out.")
            await parent.sees(done.format(code=reference.group(1)))

            # Also on the page: a text over 4096 characters is refused, visibly, and kept.
            await child.type("a" * 5000)
            await expect(child.root.get_by_role("status")).to_contain_text(
                "Not sent: this message has 5,000 characters"
            )
            assert await child.root.get_by_role("textbox").input_value() == "a" * 5000
            await child.root.get_by_role("textbox").fill("")

            # And /erase says what happened to the child's chat.
            await child.type("/erase")
            await child.tap(rom("Erase now"))
            await expect(child.chat.locator(".notice")).to_contain_text("The bot deleted")
            await expect(child.chat.locator(".bubble")).to_have_count(0)
        except BaseException:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shot = ARTIFACTS / f"{request.node.name}.png"
            await page.screenshot(path=shot, full_page=True)
            print(f"screenshot of the failure: {shot}")
            raise
        finally:
            await browser.close()
    print(f"the whole story took {time.monotonic() - started:.1f} s")
