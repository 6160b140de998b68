"""PostgreSQL restarts under a running bot (a container restarted, a server upgraded): every
connection the bot holds is cut. The bot must go on answering once the database is back,
without being restarted itself."""

from __future__ import annotations

import asyncpg
from sqlalchemy.engine import make_url

from tests.e2e.conftest import MakePerson
from tests.e2e.harness import InProcessBot

CHOOSE = "Choose your language. You can change it later with /language."
HELP = "This is how the chat works:"


async def cut_every_connection(database_url: str) -> int:
    """What a restart of the server does to the bot's connections; how many were cut."""
    url = make_url(database_url)
    admin = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password, database="postgres"
    )
    try:
        cut = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            url.database,
        )
    finally:
        await admin.close()
    return len(cut)


async def test_the_bot_answers_again_after_its_database_connections_are_cut(
    bot_on_postgres: InProcessBot, make_person: MakePerson, postgres_url: str
) -> None:
    ana = await make_person("Ana", "en")
    await ana.send("/start")
    await ana.wait_for_bot_text(CHOOSE)

    # The bot's pooled connections (and the loops') are cut, as by a restart of the server.
    assert await cut_every_connection(postgres_url) >= 1

    await ana.send("/help")
    await ana.wait_for_bot_text(HELP)
    ion = await make_person("Ion", "en")
    await ion.send("/start")
    await ion.wait_for_bot_text(CHOOSE)
