"""/stats: the board's figures for a period, as a picture in the chat and a PDF for the annual
report. Board members and the officer (who prepares the report) may ask; other staff are told
kindly it is not for them; someone not enrolled gets what any unknown command gets.

`/stats` covers the last 12 months up to today, `/stats 2026` one calendar year.
"""

from __future__ import annotations

import asyncio
import html
import re
from typing import Final

from aiogram import Bot, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message

from bot.board_charts import dashboard_png, report_pdf
from bot.board_figures import BoardStatistics, Period, may_see_figures
from bot.settings import OrganisationConfig
from bot.staff import StaffDesk
from handlers import stats_texts as say

_YEAR: Final = re.compile(r"^\s*(\d{4})\s*$")
# Years a report could be about: earlier or later is a typo.
_FIRST_YEAR: Final = 2000


def requested_period(argument: str | None, statistics: BoardStatistics) -> Period | None:
    """The period `/stats [YEAR]` asks for; None for anything else."""
    today = statistics.today()
    if not argument or not argument.strip():
        return Period.twelve_months_to(today)
    match = _YEAR.match(argument)
    if match is None or not _FIRST_YEAR <= int(match.group(1)) <= today.year:
        return None
    return Period.year(int(match.group(1)))


def file_name(period: Period) -> str:
    return f"figures-{period.first:%Y-%m-%d}-{period.last:%Y-%m-%d}"


async def on_stats(
    message: Message,
    command: CommandObject,
    bot: Bot,
    config: OrganisationConfig,
    staff: StaffDesk,
    statistics: BoardStatistics,
) -> None:
    if message.from_user is None:
        return
    member = await staff.active_member(message.from_user.id)
    if member is None:
        # Not staff: they must not learn that staff commands exist.
        raise SkipHandler
    if not may_see_figures(member.role):
        await message.answer(say.not_allowed())
        return
    period = requested_period(command.args, statistics)
    if period is None:
        await message.answer(say.usage())
        return
    figures = await statistics.figures(period)
    words = say.chart_words(figures, config)
    # Drawing takes a second or two of CPU: off the event loop, so other chats go on.
    picture, report = await asyncio.gather(
        asyncio.to_thread(dashboard_png, figures, words),
        asyncio.to_thread(report_pdf, figures, words),
    )
    name = file_name(period)
    chat_id = message.chat.id
    # The bot speaks HTML: "<3" must reach the phone as text, not as a tag.
    caption = html.escape(say.caption(figures))
    await bot.send_photo(chat_id, BufferedInputFile(picture, f"{name}.png"), caption=caption)
    await bot.send_document(
        chat_id,
        BufferedInputFile(report, f"{name}.pdf"),
        caption=html.escape(say.title(figures)),
    )


def build_router() -> Router:
    router = Router(name="board figures")
    router.message.register(on_stats, Command("stats"))
    return router
