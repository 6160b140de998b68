"""The composition root: builds the bot, the dispatcher, storage and services from settings."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Final, Literal

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError
from aiogram.fsm.storage.base import BaseEventIsolation
from aiogram.fsm.storage.memory import DisabledEventIsolation
from aiogram.fsm.storage.redis import RedisEventIsolation
from aiogram.types import BotCommand
from aiogram.utils.i18n import I18n
from sqlalchemy.exc import DBAPIError

import handlers
from bot.alerts import EscalationLadder
from bot.clock import Clock, RandomSource, SystemClock, SystemRandom
from bot.consent import ConsentDesk
from bot.contexts import WEBHOOK_VERSION, Label
from bot.courier import Courier
from bot.health import (
    HealthMonitor,
    SystemdNotifier,
    TelegramContact,
    serve_health_port,
    tell_systemd,
    watchdog_interval,
)
from bot.heartbeat import Heartbeat, LateArrivals
from bot.housekeeping import Housekeeping
from bot.keyvault import InMemoryKeyVault, KeyVault, RedisKeyVault
from bot.ladder_loop import LadderLoop, Sweep
from bot.logs import quiet_loop_exceptions
from bot.loops import stop_task
from bot.outbox import OutboxSender, OutboxSignal
from bot.pipeline import UpdatePipeline
from bot.polling import ConfirmAfterCommitPoller, RawGetUpdates
from bot.reading import CaseReader
from bot.ready import ready_lines
from bot.sealing import ConversationCipher
from bot.send_limits import SendLimiter
from bot.server_keys import ServerKeys
from bot.services import ServiceTexts, build_services, translations
from bot.settings import ConfigError, OrganisationConfig, Settings
from bot.shown import ShownMessages
from bot.staff import StaffDesk
from bot.telegram_calls import read_answer, response_models
from bot.telegram_retry import RetryRefusedCalls
from bot.trail import ChatTrail
from bot.updates import UpdateJournal
from bot.voices import DraftVoices
from bot.webhook import run_webhook
from handlers.errors import apology
from handlers.heartbeat_texts import HeartbeatTexts
from handlers.middlewares import PersonLanguageMiddleware
from handlers.prompt_buttons import PlayButtons
from handlers.texts import PUBLIC_COMMANDS, command_description
from storage import migrate
from storage.cases import CaseRepository, StaffRepository
from storage.db import Database
from storage.deletions import DeletionRepository
from storage.draft_voices import DraftVoiceRepository
from storage.fsm import EncryptedFsmStorage
from storage.ledger import UpdateLedger
from storage.liveness import LivenessRepository
from storage.outbox import OutboxRepository
from storage.set_aside import SetAsideRepository
from storage.trail import TrailRepository

logger = logging.getLogger(__name__)
# How long one person's lock across instances lives at most. It is held only while one update's
# transaction runs (a few Argon2id hashings at worst: seconds), and it is what an instance that
# crashed holding it leaves behind: that person's next message waits this long. aiogram's
# default, 60 s, is a long minute for a child who just wrote.
PERSON_LOCK_SECONDS: Final = 15


@dataclass
class SafePerson:
    """Everything one running instance holds; built once, closed once."""

    settings: Settings
    config: OrganisationConfig
    database: Database
    bot: Bot
    dispatcher: Dispatcher
    pipeline: UpdatePipeline
    i18n: I18n
    housekeeping: Housekeeping
    isolation: BaseEventIsolation
    # Telegram's webhook secret header when none is configured (derived, so stable).
    default_webhook_secret: str
    outbox_sender: OutboxSender
    ladder: EscalationLadder
    consent: ConsentDesk
    shown: ShownMessages
    staff: StaffDesk
    # The daily word that the channel works, and whether this instance is healthy now.
    heartbeat: Heartbeat
    health: HealthMonitor
    # Unlocked reader keys: in this process, or shared through Redis by every instance.
    vault: KeyVault
    # Set once the schema is up to date and updates are being taken.
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    # aiogram's answer models, held so that they are built once (bot.telegram_calls).
    answer_models: tuple[object, ...] = field(
        default_factory=lambda: response_models(RawGetUpdates)
    )

    async def prepare(self, *, say_ready: bool = True) -> None:
        """Before handling anything: schema up to date, old ledger marks pruned, commands set;
        then the ready line (the demo, which enrols its staff only afterwards, says none)."""
        try:
            await migrate.upgrade(self.database)
        except (OSError, DBAPIError) as exc:
            where = self.database.url.render_as_string(hide_password=True)
            raise ConfigError(
                f"Cannot open the database at {where} ({type(exc).__name__}): check "
                "SAFEPERSON_DATABASE_URL and that the database server is running."
            ) from exc
        await self.housekeeping.sweep()
        try:
            await self._publish_commands()
            if say_ready:
                await self._say_ready()
        except TelegramUnauthorizedError as exc:
            raise ConfigError(
                "Telegram refused SAFEPERSON_BOT_TOKEN: copy the token again from @BotFather."
            ) from exc
        except TelegramNetworkError as exc:
            raise ConfigError(
                f"Cannot reach Telegram at {self.settings.telegram_api_url}: check the network "
                "and SAFEPERSON_TELEGRAM_API_URL."
            ) from exc

    async def _say_ready(self) -> None:
        """One line an operator can check at a glance, and a loud one if no officer is enrolled
        (counts only, no names)."""
        me = await self.bot.get_me()
        lines = await ready_lines(
            StaffRepository(self.database), self.database.url, self.config, me.username or "?"
        )
        logger.info("%s", lines[0])
        for warning in lines[1:]:
            logger.warning("%s", warning)

    async def run_polling(self) -> None:
        await self.bot.delete_webhook(drop_pending_updates=False)
        await self.dispatcher.emit_startup(bot=self.bot)
        self.ready.set()
        try:
            await ConfirmAfterCommitPoller(self.dispatcher, self.bot, self.pipeline).run()
        finally:
            await self.dispatcher.emit_shutdown(bot=self.bot)

    async def close(self) -> None:
        await self.bot.session.close()
        await self.isolation.close()
        if isinstance(self.isolation, RedisEventIsolation):
            # aiogram's close() leaves the client it made from the URL open.
            await self.isolation.redis.aclose(close_connection_pool=True)
        await self.vault.close()
        await self.database.dispose()

    async def _publish_commands(self) -> None:
        languages = self.config.languages
        # The list without a language code is the default, in the organisation's language.
        await self._publish_commands_in(languages.default, telegram_code=None)
        for language in languages.enabled:
            # Telegram scopes command lists by two-letter code; Romani has none, so its
            # speakers see the default list.
            if len(language) == 2:
                await self._publish_commands_in(language, telegram_code=language)

    async def _publish_commands_in(self, language: str, telegram_code: str | None) -> None:
        with self.i18n.context(), self.i18n.use_locale(language):
            commands = [
                BotCommand(command=name, description=command_description(name))
                for name in PUBLIC_COMMANDS
            ]
        await self.bot.set_my_commands(commands, language_code=telegram_code)


def build_safeperson(
    settings: Settings,
    config: OrganisationConfig,
    *,
    token: str,
    secret: bytes,
    clock: Clock | None = None,
    random: RandomSource | None = None,
) -> SafePerson:
    clock = clock or SystemClock()
    random = random or SystemRandom()
    keys = ServerKeys(secret, random)
    database = Database(settings.database_url, pool_size=settings.database_pool_size)
    i18n = translations(config)
    fsm_storage = EncryptedFsmStorage(database, ConversationCipher(keys), clock)
    bot_id = int(token.split(":", 1)[0])
    trail = ChatTrail(TrailRepository(database), keys, clock, bot_id, legacy=fsm_storage)
    signal = OutboxSignal()
    services = build_services(
        database,
        config,
        keys,
        clock,
        random,
        ServiceTexts.from_i18n(i18n, config),
        trail=trail,
        signal=signal,
    )
    people, outbox, ladder = services.people, services.outbox, services.ladder
    outbox_repository = OutboxRepository(database)
    shown = ShownMessages(DeletionRepository(database), keys, clock, config.read_visible_for)
    voices = DraftVoices(DraftVoiceRepository(database), keys, clock)
    courier = Courier(database, outbox, trail, shown, random)

    isolation: BaseEventIsolation = DisabledEventIsolation()
    vault: KeyVault = InMemoryKeyVault(clock, config.unlocked_for)
    if settings.redis_url:
        # With several instances, one person's updates are handled one at a time across all.
        isolation = RedisEventIsolation.from_url(
            settings.redis_url, lock_kwargs={"timeout": PERSON_LOCK_SECONDS}
        )
        # And a member who unlocked their key on one instance reads on any, until /lock.
        vault = RedisKeyVault.from_url(settings.redis_url, keys, clock, config.unlocked_for)
    dispatcher = Dispatcher(
        storage=fsm_storage,
        # The pipeline orders each person's updates (and locks them across instances).
        events_isolation=DisabledEventIsolation(),
        config=config,
        people=people,
        desk=services.desk,
        trail=trail,
        staff=services.staff,
        ladder=ladder,
        vault=vault,
        reader=CaseReader(CaseRepository(database), StaffRepository(database)),
        casework=services.casework,
        consent=services.consent,
        shown=shown,
        audit=services.audit,
        voices=voices,
        prompts=services.prompts,
        holds=services.holds,
        suspensions=services.suspensions,
        statistics=services.statistics,
    )
    PersonLanguageMiddleware(i18n, people, config.languages).setup(dispatcher)
    # Counts the messages Telegram held while the bot was down (for the word after an outage).
    late = LateArrivals()
    dispatcher.update.outer_middleware(late)
    dispatcher.include_router(handlers.build_router(clock))

    limiter = SendLimiter(global_per_second=settings.send_rate)
    session = AiohttpSession(
        api=TelegramAPIServer.from_base(settings.telegram_api_url),
        json_loads=read_answer,
    )
    # Outermost first: inside an update a call is only collected; after the commit it waits
    # for its turn under the flood limits, and a refused or lost call is tried again.
    # Before the courier collects a message: 🔊 beside a message that has a recording.
    session.middleware(PlayButtons(services.prompts, config))
    session.middleware(courier.middleware())
    session.middleware(limiter.middleware())
    session.middleware(RetryRefusedCalls())
    # Innermost: each call Telegram actually answered (the health check's "reachable").
    contact = TelegramContact(clock)
    session.middleware(contact)
    bot = Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    journal = UpdateJournal(UpdateLedger(database), clock)
    pipeline = UpdatePipeline(
        dispatcher,
        bot,
        database,
        UpdateLedger(database),
        SetAsideRepository(database),
        courier,
        isolation,
        apology(i18n, people, config.languages),
        clock,
    )
    liveness = LivenessRepository(database)
    heartbeat = Heartbeat(
        database,
        liveness,
        StaffRepository(database),
        services.notifier,
        services.audit,
        HeartbeatTexts(i18n, config),
        config.heartbeat,
        config.zone,
        clock,
        late,
    )
    health = HealthMonitor(
        clock, liveness, contact, probe=bot.get_me, updates_in_hand=lambda: pipeline.busy
    )
    return SafePerson(
        settings,
        config,
        database,
        bot,
        dispatcher,
        pipeline,
        i18n,
        Housekeeping(
            fsm_storage,
            journal,
            trail,
            voices,
            clock,
            database,
            CaseRepository(database),
            outbox_repository,
            witness=ladder,
            retention=services.retention,
        ),
        isolation,
        keys.key_id(Label.WEBHOOK, WEBHOOK_VERSION),
        OutboxSender(
            bot,
            outbox_repository,
            keys,
            clock,
            database=database,
            limiter=limiter,
            signal=signal,
            digests=services.texts.alerts,
            trail=trail,
        ),
        ladder,
        services.consent,
        shown,
        services.staff,
        heartbeat,
        health,
        vault,
    )


Mode = Literal["polling", "webhook"]


def ladder_sweeps(app: SafePerson) -> tuple[tuple[str, Sweep], ...]:
    """What falls due with time, by name, escalations first; a new kind of case with a
    deadline adds its reminder sweep here."""
    return (
        ("escalations", app.ladder.escalate_due),
        ("deadline reminders", app.ladder.remind_deadlines),
        ("consent reminders", app.consent.remind_deadlines),
    )


def ladder_loop(app: SafePerson) -> LadderLoop:
    """The loop that escalates, reminds and deletes what is due, for this instance."""
    return LadderLoop(
        app.database,
        app.bot,
        sweeps=ladder_sweeps(app),
        shown=app.shown,
    )


def health_tasks(app: SafePerson) -> list[asyncio.Task[None]]:
    """The health port (SAFEPERSON_HEALTH_PORT) and systemd's notifications, when asked for."""
    tasks: list[asyncio.Task[None]] = []
    settings = app.settings
    if settings.health_port is not None:
        serving = serve_health_port(app.health, settings.health_host, settings.health_port)
        tasks.append(asyncio.create_task(serving))
    systemd = SystemdNotifier.from_environment()
    if systemd.enabled:
        telling = tell_systemd(systemd, app.health, app.ready, watchdog_interval())
        tasks.append(asyncio.create_task(telling))
    return tasks


async def serve(
    app: SafePerson,
    mode: Mode = "polling",
    *,
    say_ready: bool = True,
    ladder: LadderLoop | None = None,
) -> None:
    """Run until cancelled (Ctrl-C or SIGTERM), then close everything. `ladder`: the ladder's
    loop when the caller also steps it (a test), else one of this instance's own."""
    background: list[asyncio.Task[None]] = []
    quiet_loop_exceptions(asyncio.get_running_loop())
    try:
        await app.prepare(say_ready=say_ready)
        await app.heartbeat.started()
        health = app.health
        background.append(asyncio.create_task(app.housekeeping.run_forever()))
        background.append(
            asyncio.create_task(app.outbox_sender.run_forever(on_tick=health.watch("outbox")))
        )
        # Also the start-up sweep: what fell due while the bot was down is escalated first.
        background.append(
            asyncio.create_task(
                (ladder or ladder_loop(app)).run_forever(on_tick=health.watch("ladder"))
            )
        )
        background.append(
            asyncio.create_task(app.heartbeat.run_forever(on_tick=health.watch("heartbeat")))
        )
        background += health_tasks(app)
        if mode == "webhook":
            await run_webhook(app)
        else:
            await app.run_polling()
    except asyncio.CancelledError:
        logger.info("stopping")
        raise
    finally:
        for task in background:
            await stop_task(task)
        await app.close()
