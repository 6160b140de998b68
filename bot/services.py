"""The domain services, built once: the bot, the command line, the tests and the benches all get
the same graph from `build_services`, so a new service is wired in one place.

Like bot/app.py this is a composition root: it is the one place in bot/ (with the app) that
takes the handlers layer's texts, which the services themselves only know as protocols.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.utils.i18n import I18n

from bot.alerts import EscalationLadder
from bot.audit import AuditLog
from bot.board_figures import BoardStatistics
from bot.case_desk import CaseDesk
from bot.case_model import CaseKind
from bot.casework import CaseWork, ReporterWords
from bot.catalogs import LOCALES_DIR, compile_catalogs
from bot.clock import Clock, RandomSource
from bot.consent import ConsentDesk, ConsentWords
from bot.crypto import SecretHasher
from bot.intake import AnswersByKind, CaseFiler
from bot.notifier import StaffNotifier
from bot.outbox import Outbox, OutboxSignal
from bot.people import PeopleService
from bot.posters import PosterWording
from bot.retention import LegalHolds, RetentionSweep
from bot.server_keys import ServerKeys
from bot.settings import OrganisationConfig
from bot.staff import StaffDesk
from bot.suspension import StaffSuspensions, SuspensionWords
from bot.trail import ChatTrail
from bot.voice_prompts import VoicePrompts
from handlers.alert_texts import AlertTexts
from handlers.casework_texts import CaseworkTexts
from handlers.consent_texts import ConsentTexts
from handlers.poster_texts import PosterTexts
from handlers.suspension_texts import SuspensionTexts
from storage.audit import AuditRepository
from storage.cases import CaseRepository, GuessCounters, StaffRepository
from storage.db import Database
from storage.figures import FiguresRepository
from storage.outbox import OutboxRepository
from storage.people import PersonRepository
from storage.retention import RetentionRepository
from storage.voice_prompts import VoicePromptRepository


@dataclass(frozen=True)
class ServiceTexts:
    """What the services say to people, in their language."""

    # Alerts and reminders to staff, and the digests the outbox sender folds them into.
    alerts: AlertTexts
    casework: ReporterWords
    consent: ConsentWords
    suspension: SuspensionWords

    @classmethod
    def from_i18n(cls, i18n: I18n, config: OrganisationConfig) -> ServiceTexts:
        return cls(
            AlertTexts(i18n, config),
            CaseworkTexts(i18n),
            ConsentTexts(i18n, config),
            SuspensionTexts(i18n),
        )


def translations(config: OrganisationConfig) -> I18n:
    """The translations, compiled from the catalogs first (a fresh checkout has none built)."""
    compile_catalogs()
    return I18n(path=LOCALES_DIR, default_locale=config.languages.default, domain="messages")


def poster_wording(config: OrganisationConfig) -> PosterWording:
    """What posters and cards say, in each of the organisation's languages."""
    return PosterTexts(translations(config), config)


@dataclass(frozen=True)
class Services:
    """The domain graph: one of each service, sharing one database, key, clock and random."""

    database: Database
    config: OrganisationConfig
    keys: ServerKeys
    hasher: SecretHasher
    clock: Clock
    random: RandomSource
    texts: ServiceTexts
    audit: AuditLog
    staff: StaffDesk
    people: PeopleService
    outbox: Outbox
    notifier: StaffNotifier
    ladder: EscalationLadder
    casework: CaseWork
    consent: ConsentDesk
    desk: CaseDesk
    prompts: VoicePrompts
    retention: RetentionSweep
    holds: LegalHolds
    suspensions: StaffSuspensions
    statistics: BoardStatistics


def build_services(
    database: Database,
    config: OrganisationConfig,
    keys: ServerKeys,
    clock: Clock,
    random: RandomSource,
    texts: ServiceTexts,
    *,
    trail: ChatTrail | None = None,
    signal: OutboxSignal | None = None,
) -> Services:
    """Every domain service over `database`. `trail` and `signal` are the running bot's (what
    it sent, to wipe later; a nudge to its outbox sender): a command-line tool has neither, and
    only queues what the bot will send."""
    hasher = SecretHasher(random)
    cases = CaseRepository(database)
    staff_members = StaffRepository(database)
    audit = AuditLog(AuditRepository(database), keys, clock)
    staff = StaffDesk(
        staff_members, keys, hasher, clock, random, config, audit, GuessCounters(database)
    )
    people = PeopleService(PersonRepository(database), keys, clock)
    outbox = Outbox(
        OutboxRepository(database), keys, clock, database=database, trail=trail, signal=signal
    )
    notifier = StaffNotifier(staff, people, outbox, keys, config.languages.default)
    ladder = EscalationLadder(
        cases,
        staff_members,
        staff,
        notifier,
        texts.alerts,
        config.ack,
        config.reminders,
        clock,
        audit,
    )
    casework = CaseWork(cases, staff_members, notifier, texts.casework, keys, clock, random, audit)
    consent = ConsentDesk(
        CaseFiler(cases, keys, hasher, clock, random),
        cases,
        staff_members,
        notifier,
        texts.consent,
        keys,
        clock,
        random,
        audit,
        deadline=config.consent_deadline,
        reminders=config.consent_reminders,
    )
    desk = CaseDesk(
        cases,
        staff_members,
        GuessCounters(database),
        keys,
        hasher,
        clock,
        random,
        config.report_deadline,
        ladder=ladder,
        audit=audit,
        # A sender's answer reaches whoever handles that kind of case.
        answers=AnswersByKind({CaseKind.CONCERN: casework, CaseKind.CONSENT: consent}),
    )
    return Services(
        database=database,
        config=config,
        keys=keys,
        hasher=hasher,
        clock=clock,
        random=random,
        texts=texts,
        audit=audit,
        staff=staff,
        people=people,
        outbox=outbox,
        notifier=notifier,
        ladder=ladder,
        casework=casework,
        consent=consent,
        desk=desk,
        prompts=VoicePrompts(VoicePromptRepository(database), keys, clock),
        retention=RetentionSweep(
            RetentionRepository(database), audit, database, clock, config.retention, keys
        ),
        holds=LegalHolds(RetentionRepository(database), cases, audit, database, clock),
        suspensions=StaffSuspensions(
            cases,
            staff_members,
            OutboxRepository(database),
            notifier,
            texts.suspension,
            clock,
            audit,
        ),
        statistics=BoardStatistics(
            FiguresRepository(database),
            clock,
            config.zone,
            [activity.code for activity in config.activities],
        ),
    )
