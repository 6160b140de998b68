"""The `safeperson` command: init, run, demo, staff, consent, audit, poster, stats, backup,
restore, db upgrade."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import re
import signal
import sys
from collections.abc import Coroutine, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError
from aiogram.utils.token import TokenValidationError
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.app import build_safeperson, serve
from bot.audit import AuditLog, Verdict, normalise_fingerprint
from bot.backup import backup_command, restore_command
from bot.board_charts import dashboard_png, report_pdf, table_lines
from bot.board_figures import BoardFigures, Period
from bot.case_model import StaffRole, StaffStatus
from bot.clock import SystemClock, SystemRandom
from bot.consent import ConsentExport
from bot.durations import format_time_left
from bot.languages import SUPPORTED, LanguageCode
from bot.links import activity_link, start_link
from bot.local_time import on_the_wall
from bot.logs import configure_logging
from bot.posters import (
    Poster,
    PosterFormat,
    PosterTooFullError,
    page_count,
    render_poster,
)
from bot.ready import (
    INVITE_AN_OFFICER,
    enrolled_by_role,
    no_officer_warning,
    what_no_officer_costs,
)
from bot.server_keys import ServerKeys
from bot.services import Services, ServiceTexts, build_services, poster_wording, translations
from bot.settings import (
    Activity,
    ConfigError,
    OrganisationConfig,
    Settings,
    bot_token,
    load_organisation_config,
    load_settings,
    server_secret,
)
from bot.setup_files import write_setup_files
from bot.staff import (
    PASSPHRASE_LOCK_AFTER,
    ROLES,
    Invitation,
    Member,
    PassphraseRefused,
    StaffDesk,
    StaffError,
)
from handlers import stats_texts
from storage import migrate
from storage.audit import AuditRepository
from storage.cases import StaffRepository
from storage.copy import Copied, TargetNotEmptyError, copy_database
from storage.db import Database
from storage.models import StaffMember


def build_parser() -> argparse.ArgumentParser:
    """Every command and option with its help; a missing one is named as it is typed."""
    parser = argparse.ArgumentParser(
        prog="safeperson", description="A confidential reporting channel for child safeguarding."
    )
    commands = _commands(parser, "command", "what to do")
    commands.add_parser("init", help="write safeperson.toml and a .env with a new secret")
    run = commands.add_parser("run", help="run the bot (applies database migrations first)")
    run.add_argument("--webhook", action="store_true", help="receive updates by webhook")
    demo = commands.add_parser("demo", help="try it out: a local Telegram and a chat page")
    demo.add_argument("--port", type=_port, default=8088, help="port of the chat page (8088)")
    staff = commands.add_parser("staff", help="the people who read reports")
    staff_commands = _commands(staff, "staff_command", "what to do with staff")
    invite = staff_commands.add_parser("invite", help="print a one-time enrolment link")
    invite.add_argument("--name", required=True, help="the member's name, as staff know them")
    invite.add_argument("--role", required=True, choices=ROLES, help="what they read and when")
    invite.add_argument("--activity", help="the activity code, for a safe person")
    staff_commands.add_parser("list", help="everyone invited, enrolled or revoked")
    revoke = staff_commands.add_parser("revoke", help="stop a member from reading new cases")
    revoke.add_argument(
        "member_id", metavar="ID", type=int, help="the member's ID in `safeperson staff list`"
    )
    revoke.add_argument(
        "--yes",
        action="store_true",
        help="revoke even the last enrolled officer (new cases then have no officer)",
    )
    consent = commands.add_parser("consent", help="withdrawals of consent")
    consent_commands = _commands(consent, "consent_command", "what to do with consent")
    export = consent_commands.add_parser(
        "export", help="print who withdrew which consent for an activity (needs a passphrase)"
    )
    export.add_argument("--activity", required=True, help="the activity code from the config")
    export.add_argument(
        "--member",
        type=int,
        help="whose key opens the requests (an id from `staff list`); "
        "by default the one data-protection contact",
    )
    audit = commands.add_parser("audit", help="the tamper-evident audit log")
    audit_commands = _commands(audit, "audit_command", "what to do with the audit log")
    verify = audit_commands.add_parser(
        "verify",
        help="check that no event was changed or removed, and print the head's fingerprint",
    )
    verify.add_argument(
        "--expect",
        metavar="FINGERPRINT",
        help="a fingerprint printed earlier: check that the log still extends that head "
        "(it was not rolled back to before it)",
    )
    poster = commands.add_parser(
        "poster", help="a printable PDF poster or cards with an activity's QR code"
    )
    poster.add_argument("--activity", required=True, help="the activity code from the config")
    poster.add_argument(
        "--language",
        metavar="CODES",
        help="languages separated by commas, e.g. ro,rom (default: every enabled one, in order)",
    )
    poster.add_argument(
        "--format",
        choices=[f.value for f in PosterFormat],
        default=PosterFormat.A4.value,
        help="a4: a poster, two languages a page; a6-cards: four cards on an A4 sheet, one "
        "language a card (default: a4)",
    )
    poster.add_argument(
        "--output",
        metavar="PATH",
        type=Path,
        help="the PDF to write (default: poster-<activity>-<format>.pdf in this folder)",
    )
    poster.add_argument(
        "--bot",
        metavar="USERNAME",
        type=_bot_username_argument,
        help="the bot's username, as in t.me/USERNAME (default: asked from Telegram with the "
        "token in .env)",
    )
    poster.add_argument("--force", action="store_true", help="replace PATH if it exists")
    backup = commands.add_parser(
        "backup", help="copy the database into one file, even while running"
    )
    backup.add_argument(
        "path", metavar="PATH", type=Path, help="the file to write, on another disk"
    )
    backup.add_argument("--force", action="store_true", help="replace PATH if it exists")
    restore = commands.add_parser(
        "restore", help="replace the database with a backup (the bot stopped, the same secret)"
    )
    restore.add_argument("path", metavar="PATH", type=Path, help="a file `safeperson backup` wrote")
    restore.add_argument(
        "--force", action="store_true", help="replace a database that already holds data"
    )
    stats = commands.add_parser(
        "stats", help="the board's figures for a period (counts under 3 hidden), as text and files"
    )
    stats.add_argument(
        "--from",
        dest="first",
        required=True,
        type=_day,
        metavar="YYYY-MM-DD",
        help="the first day, on the organisation's clock",
    )
    stats.add_argument(
        "--to",
        dest="last",
        required=True,
        type=_day,
        metavar="YYYY-MM-DD",
        help="the last day, included",
    )
    stats.add_argument(
        "--language",
        choices=SUPPORTED,
        help="the language of the table and the files (the organisation's default if not given)",
    )
    stats.add_argument("--png", type=Path, metavar="PATH", help="write the picture there")
    stats.add_argument("--pdf", type=Path, metavar="PATH", help="write the PDF report there")
    db = commands.add_parser("db", help="database maintenance")
    db_commands = _commands(db, "db_command", "what to do with the database")
    db_commands.add_parser("upgrade", help="apply database migrations")
    copy = db_commands.add_parser(
        "copy", help="copy everything into an empty database (SQLite to PostgreSQL)"
    )
    copy.add_argument("--to", required=True, help="the empty database's URL")
    _name_commands_as_typed(parser)
    return parser


def _commands(
    parser: argparse.ArgumentParser, dest: str, help_text: str
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """Sub-commands that must be given (named as typed once all are added: see below)."""
    return parser.add_subparsers(dest=dest, required=True, help=help_text)


def _name_commands_as_typed(parser: argparse.ArgumentParser) -> None:
    """argparse names a missing sub-command by its attribute ("staff_command") unless it has a
    metavar: give each group its choices, as its usage line shows them."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            action.metavar = "{" + ",".join(action.choices) + "}"
            for sub_parser in action.choices.values():
                _name_commands_as_typed(sub_parser)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a day: write it as 2026-03-31"
        ) from None


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port: give a number from 1 to 65535")
    return port


# Telegram's rule for a bot's username: 5 to 32 letters, digits or _, ending in "bot".
_BOT_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{1,28}[Bb][Oo][Tt]$")


def _bot_username_argument(value: str) -> str:
    username = value.strip().removeprefix("@")
    if not _BOT_USERNAME.match(username):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a bot's username: give the name in t.me/USERNAME, which ends in "
            "'bot' (e.g. SafePersonBot)"
        )
    return username


def _run_until_interrupted(main: Coroutine[Any, Any, None]) -> None:
    """Run main; Ctrl-C or SIGTERM cancels it so that it can close cleanly."""

    async def wrapper() -> None:
        task = asyncio.ensure_future(main)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(wrapper())


def _init() -> None:
    settings = load_settings()
    folder = Path.cwd()
    written = write_setup_files(folder, settings.config, SystemRandom())
    for path in written:
        print(f"wrote {path}")
    # An absolute config path stays as it is under `/`.
    for path in (folder / settings.config, folder / ".env"):
        if path not in written:
            print(f"kept {path} as it was")
    print(
        "Next: put your bot's token from @BotFather into .env, check the config, "
        "then start the bot: `safeperson run` (or `make run` in the source folder)."
    )


def _run(webhook: bool) -> None:
    settings = load_settings()
    token = bot_token(settings)
    secret = server_secret(settings)
    config = load_organisation_config(settings.config)
    configure_logging(settings.log_level)
    try:
        app = build_safeperson(settings, config, token=token, secret=secret)
    except (ArgumentError, ValueError) as exc:
        raise ConfigError(
            f"SAFEPERSON_DATABASE_URL or SAFEPERSON_REDIS_URL is malformed ({exc})."
        ) from exc
    _run_until_interrupted(serve(app, "webhook" if webhook else "polling"))


def _db_copy(to: str) -> None:
    settings = load_settings()
    target_url = Settings.model_validate({"database_url": to}).database_url
    shown = make_url(target_url).render_as_string(hide_password=True)
    if make_url(target_url) == make_url(settings.database_url):
        raise ConfigError("--to is the database SAFEPERSON_DATABASE_URL already names")

    async def copy() -> Copied:
        source, target = Database(settings.database_url), Database(target_url)
        try:
            return await copy_database(source, target)
        except TargetNotEmptyError as full:
            raise ConfigError(
                f"{shown} already holds data (table {full}): copy only into an empty database"
            ) from full
        except (OSError, SQLAlchemyError) as failed:
            raise ConfigError(f"cannot copy into {shown}: {type(failed).__name__}") from failed
        finally:
            await source.dispose()
            await target.dispose()

    copied = asyncio.run(copy())
    print(f"copied {sum(copied.rows.values())} rows into {shown}:")
    for table, rows in copied.rows.items():
        if rows:
            print(f"  {table}: {rows}")
    print("Point SAFEPERSON_DATABASE_URL at it; keep SAFEPERSON_SECRET as it is.")


def _db_upgrade() -> None:
    settings = load_settings()

    async def upgrade() -> None:
        database = Database(settings.database_url)
        try:
            await migrate.upgrade(database)
            print(f"database at revision {await migrate.current_revision(database)}")
        finally:
            await database.dispose()

    asyncio.run(upgrade())


async def _bot_username(settings: Settings) -> str | None:
    """The bot's @username for the link, if Telegram can be asked; the code works without it."""
    if settings.bot_token is None:
        return None
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    try:
        bot = Bot(settings.bot_token.get_secret_value(), session=session)
        return (await bot.get_me(request_timeout=10)).username
    except (TelegramAPIError, TokenValidationError, OSError, TimeoutError):
        return None
    finally:
        await session.close()


def _staff(args: argparse.Namespace) -> None:
    settings = load_settings()
    secret = server_secret(settings)
    config = load_organisation_config(settings.config)

    async def act() -> None:
        database = Database(settings.database_url)
        desk = _services(database, config, secret).staff
        try:
            await migrate.upgrade(database)
            if args.staff_command == "invite":
                # One unit of work: the invitation and its audit event commit together.
                async with database.transaction():
                    invitation = await desk.invite(args.name, args.role, args.activity)
                # Telegram is asked after the commit, so no database lock waits on the network.
                username = await _bot_username(settings) or "<your bot's username>"
                _print_invitation(invitation, username, config.zone)
            else:
                async with database.transaction():
                    await _act_on_staff(args, desk, StaffRepository(database), config.zone)
        except StaffError as problem:
            raise ConfigError(str(problem)) from problem
        finally:
            await database.dispose()

    asyncio.run(act())


def _services(database: Database, config: OrganisationConfig, secret: bytes) -> Services:
    """The domain services for a command: what they would send is only queued, for the running
    bot's outbox sender to deliver."""
    random = SystemRandom()
    return build_services(
        database,
        config,
        ServerKeys(secret, random),
        SystemClock(),
        random,
        ServiceTexts.from_i18n(translations(config), config),
    )


def _print_invitation(invitation: Invitation, username: str, zone: ZoneInfo) -> None:
    # The organisation's clock, with its zone's abbreviation: what the person handed it reads.
    until = on_the_wall(invitation.expires_at, zone).strftime("%d.%m.%Y %H:%M %Z")
    print(f"Invitation for {invitation.name} ({invitation.role}), valid until {until}:")
    print(f"  code: {invitation.code}")
    print(f"  link: {start_link(username, invitation.code)}")
    print("Give it to them privately. It works once.")


async def _act_on_staff(
    args: argparse.Namespace, desk: StaffDesk, staff: StaffRepository, zone: ZoneInfo
) -> None:
    if args.staff_command == "list":
        _print_staff(await desk.members())
    elif args.staff_command == "revoke":
        await _revoke(args.member_id, desk, staff, zone, even_the_last_officer=args.yes)


_STAFF_COLUMNS = f"{'ID':>4}  {'NAME':<24} {'ROLE':<12} {'ACTIVITY':<14} {'STATUS':<8} KEY"


def _print_staff(members: Sequence[StaffMember]) -> None:
    print(_STAFF_COLUMNS)
    for member in members:
        enrolled = "key ready" if member.public_key else "no key yet"
        activity = member.activity or "-"
        print(
            f"{member.id:>4}  {member.name:<24} {member.role:<12} "
            f"{activity:<14} {member.status:<8} {enrolled}"
        )
    if not members:
        print("nobody yet: safeperson staff invite --name NAME --role officer")


async def _revoke(
    member_id: int,
    desk: StaffDesk,
    staff: StaffRepository,
    zone: ZoneInfo,
    *,
    even_the_last_officer: bool,
) -> None:
    last_officer = await desk.is_last_enrolled_officer(member_id)
    if last_officer and not even_the_last_officer:
        without = await enrolled_by_role(staff)
        without[StaffRole.OFFICER] -= 1
        raise StaffError(
            f"member {member_id} is the last enrolled officer; without one, "
            f"{what_no_officer_costs(without)}. Enrol another officer first "
            f"({INVITE_AN_OFFICER}), or add --yes to revoke anyway."
        )
    revocation = await desk.revoke(member_id)
    member = revocation.member
    if revocation.already_revoked:
        revoked_on = (
            f" on {on_the_wall(member.revoked_at, zone):%d.%m.%Y}" if member.revoked_at else ""
        )
        print(
            f"member {member.id} ({member.role}) was already revoked{revoked_on}: nothing changed"
        )
        return
    print(f"revoked {member.name} ({member.role}): new cases are not sealed for them")
    if last_officer:
        print(f"WARNING: {no_officer_warning(await enrolled_by_role(staff))}")


def _known_activity(config: OrganisationConfig, code: str) -> Activity:
    activity = config.activity(code)
    if activity is None:
        known = ", ".join(a.code for a in config.activities) or "none in the config"
        raise ConfigError(f'no activity "{code}" in the config (known: {known})')
    return activity


def _poster_languages(config: OrganisationConfig, requested: str | None) -> list[LanguageCode]:
    """The languages asked for, each once, in the order given; by default every enabled one."""
    enabled = config.languages.enabled
    if requested is None:
        return list(enabled)
    chosen: list[LanguageCode] = []
    for word in requested.split(","):
        code = next((c for c in enabled if c == word.strip().lower()), None)
        if code is None:
            raise ConfigError(
                f'--language: "{word.strip()}" is not one of the organisation\'s languages '
                f"({', '.join(enabled)}, under [languages] in the config)"
            )
        if code not in chosen:
            chosen.append(code)
    return chosen


def _poster(args: argparse.Namespace) -> None:
    settings = load_settings()
    config = load_organisation_config(settings.config)
    activity = _known_activity(config, args.activity)
    languages = _poster_languages(config, args.language)
    page_format = PosterFormat(args.format)
    output: Path = args.output or Path(f"poster-{activity.code}-{page_format}.pdf")
    if output.exists() and not args.force:
        raise ConfigError(_exists(output))
    username = args.bot or asyncio.run(_bot_username(settings))
    if username is None:
        # A poster with a wrong link sends children nowhere: better none.
        raise ConfigError(
            "the poster's link needs the bot's username, and Telegram could not be asked for it "
            "(no SAFEPERSON_BOT_TOKEN, or no answer): give it with --bot USERNAME, the name in "
            "t.me/USERNAME"
        )
    wording = poster_wording(config)
    link = activity_link(username, activity.code)
    poster = Poster(
        link=link,
        organisation=config.organisation.name,
        activity=activity.name,
        safe_person=activity.safe_person,
        words=tuple(wording.words(language) for language in languages),
    )
    try:
        pdf = render_poster(poster, page_format, SystemClock().now())
    except PosterTooFullError as problem:
        raise ConfigError(str(problem)) from problem
    try:
        # "x": never replace a file that appeared since the check above, unless --force.
        with output.open("wb" if args.force else "xb") as file:
            file.write(pdf)
    except FileExistsError:
        raise ConfigError(_exists(output)) from None
    except OSError as exc:
        raise ConfigError(f"cannot write {output} ({exc.strerror})") from exc
    pages = page_count(page_format, len(languages))
    print(
        f"wrote {output}: {pages} page{'s' if pages > 1 else ''} "
        f"({', '.join(languages)}) with the link {link}"
    )


def _exists(output: Path) -> str:
    return f"{output} already exists: add --force to replace it, or choose another --output"


def _refused(refused: PassphraseRefused) -> str:
    wait = format_time_left(refused.retry_after + timedelta(seconds=59))
    if refused.locked_out:
        return (
            f"too many wrong passphrases: this key stays locked for {wait}, and the board is "
            "told in the bot"
        )
    return f"too many wrong passphrases: wait {wait} before the next try"


def _read_passphrase(name: str) -> str:
    prompt = f"Passphrase of {name} (not shown): "
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().rstrip("\n")  # piped in, e.g. from a password manager


def _consent_export(activity: str, member_id: int | None) -> None:
    settings = load_settings()
    secret = server_secret(settings)
    config = load_organisation_config(settings.config)
    _known_activity(config, activity)

    async def export() -> None:
        database = Database(settings.database_url)
        services = _services(database, config, secret)
        staff = StaffRepository(database)
        staff_desk = services.staff
        try:
            await migrate.upgrade(database)
            member = Member.of(await _export_member(staff, member_id))
            passphrase = _read_passphrase(member.name)
            # The same limit as Read in the chat: one transaction, so a wrong try is counted.
            async with database.transaction():
                unlocked = await staff_desk.unlock_limited(member, passphrase)
                if isinstance(unlocked, PassphraseRefused) and unlocked.just_locked:
                    # Only queued: the running bot's outbox sender delivers it.
                    await services.ladder.tell_board_key_locked(member, PASSPHRASE_LOCK_AFTER)
            if isinstance(unlocked, PassphraseRefused):
                raise ConfigError(_refused(unlocked))
            if unlocked is None:
                raise ConfigError(f"that passphrase does not open {member.name}'s key")
            private_key = unlocked
            async with database.transaction():
                result = await services.consent.export(activity, member, private_key)
            _print_export(activity, result, config.zone)
        finally:
            await database.dispose()

    asyncio.run(export())


async def _export_member(staff: StaffRepository, member_id: int | None) -> StaffMember:
    active = [
        m for m in await staff.all_members() if m.status == StaffStatus.ACTIVE and m.public_key
    ]
    if member_id is not None:
        chosen = next((m for m in active if m.id == member_id), None)
        if chosen is None:
            raise ConfigError(f"no enrolled, unrevoked member {member_id}: see `staff list`")
        return chosen
    contacts = [m for m in active if m.role == StaffRole.DPO] or [
        m for m in active if m.role == StaffRole.OFFICER
    ]
    if len(contacts) != 1:
        raise ConfigError(
            "say whose key opens the requests with --member ID (see `safeperson staff list`)"
        )
    return contacts[0]


def _print_export(activity: str, result: ConsentExport, zone: ZoneInfo) -> None:
    print(f"Consent withdrawn for {activity} (and for all activities): {len(result.withdrawals)}")
    for w in result.withdrawals:
        scopes = ", ".join(w.scopes)
        extra = [
            *(["erase collected data"] if w.erase else []),
            *(["take down published"] if w.take_down else []),
        ]
        where = w.activity or "all activities"
        print(
            f"  {w.first_name:<20} {scopes:<22} since {on_the_wall(w.received_at, zone):%d.%m.%Y}  "
            f"{where:<16} {w.status:<9} {w.code}" + (f"  ({'; '.join(extra)})" if extra else "")
        )
    if result.not_for_this_reader:
        print(
            f"{result.not_for_this_reader} more request(s) are not sealed for this key: "
            "ask the data-protection contact they were sealed for."
        )
    print("This list is not saved anywhere. Do not keep copies of it longer than needed.")


def _stats(args: argparse.Namespace) -> None:
    settings = load_settings()
    secret = server_secret(settings)
    config = load_organisation_config(settings.config)
    language = args.language or config.languages.default
    try:
        period = Period(args.first, args.last)
    except ValueError as exc:
        raise ConfigError(f"--to is before --from: {exc}") from exc

    async def figures() -> BoardFigures:
        database = Database(settings.database_url)
        try:
            await migrate.upgrade(database)
            return await _services(database, config, secret).statistics.figures(period)
        finally:
            await database.dispose()

    result = asyncio.run(figures())
    i18n = translations(config)
    with i18n.context(), i18n.use_locale(language):
        words = stats_texts.chart_words(result, config)
    # Counts and marks only ("<3"): nothing here names anyone or quotes anything.
    for line in table_lines(result, words):
        print(line)
    for path, draw in ((args.png, dashboard_png), (args.pdf, report_pdf)):
        if path is not None:
            path.write_bytes(draw(result, words))
            print(f"wrote {path}")


# A log from before anchoring that nothing was recorded in since: its end is not protected yet.
NOT_ANCHORED_YET = " (its end is anchored from the next recorded event)"


def _audit_verify(expect: str | None) -> int:
    expected = None
    if expect is not None:
        expected = normalise_fingerprint(expect)
        if expected is None:
            raise ConfigError("--expect takes the 16-digit fingerprint `audit verify` printed")
    settings = load_settings()
    secret = server_secret(settings)

    async def verify() -> Verdict:
        database = Database(settings.database_url)
        try:
            await migrate.upgrade(database)
            keys = ServerKeys(secret, SystemRandom())
            return await AuditLog(AuditRepository(database), keys, SystemClock()).verify(expected)
        finally:
            await database.dispose()

    verdict = asyncio.run(verify())
    # Counts, event ids and fingerprints only: nothing here names anyone or quotes anything.
    if verdict.wrong_secret:
        # Not tampering: every MAC would fail the same way for a log written under another key.
        raise ConfigError("this secret does not belong to this database")
    if verdict.first_broken is not None:
        print(f"audit log BROKEN at event {verdict.first_broken}: it was changed or removed")
    elif verdict.broken_end is not None:
        print(f"audit log BROKEN at its end: {verdict.broken_end}")
    else:
        not_yet = "" if verdict.anchored or not verdict.events else NOT_ANCHORED_YET
        print(f"audit log intact: {verdict.events} events{not_yet}")
        print(f"head fingerprint: {verdict.fingerprint}")
    if verdict.extends_expected is True:
        print(f"it extends the expected head (at event {verdict.expected_at})")
    elif verdict.extends_expected is False:
        print("audit log ROLLED BACK: it does not extend the expected head")
    return 0 if verdict.intact else 1


def _demo(port: int) -> None:
    from bot.demo import run_demo  # imports the emulator, which production never needs

    configure_logging("WARNING")
    _run_until_interrupted(run_demo(port))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "init":
            _init()
        elif args.command == "run":
            _run(args.webhook)
        elif args.command == "demo":
            _demo(args.port)
        elif args.command == "staff":
            _staff(args)
        elif args.command == "consent":
            _consent_export(args.activity, args.member)
        elif args.command == "audit":
            return _audit_verify(args.expect)
        elif args.command == "poster":
            _poster(args)
        elif args.command == "stats":
            _stats(args)
        elif args.command == "backup":
            backup_command(args.path, force=args.force)
        elif args.command == "restore":
            restore_command(args.path, force=args.force)
        elif args.command == "db" and args.db_command == "copy":
            _db_copy(args.to)
        elif args.command == "db":
            _db_upgrade()
    except ConfigError as problem:
        print(f"safeperson: {problem}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
