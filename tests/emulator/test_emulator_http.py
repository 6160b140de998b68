"""The raw HTTP surface: tokens, unknown methods, encodings, and the demo page."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

if TYPE_CHECKING:
    from emulator import EmulatorClient

TOKEN = "42:raw-http-token"


@pytest.mark.asyncio
async def test_bad_tokens_and_unknown_methods_answer_like_telegram(base_url: str) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base_url}/botnot-a-token/getMe") as response:
            assert response.status == 401
            assert await response.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with http.post(f"{base_url}/bot{TOKEN}/sendTelepathy") as response:
            assert response.status == 404
            assert (await response.json())["description"] == "Not Found: method not found"
        async with http.get(f"{base_url}/bot{TOKEN}/GETME") as response:
            assert (await response.json())["result"]["id"] == 42


@pytest.mark.asyncio
async def test_json_bodies_query_strings_and_urlencoded_forms_are_accepted(
    base_url: str, client: EmulatorClient
) -> None:
    ana = await client.create_user("Ana", "ro")
    url = f"{base_url}/bot{TOKEN}/sendMessage"
    async with aiohttp.ClientSession() as http:
        markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
        async with http.post(
            url, json={"chat_id": ana.chat_id, "text": "json", "reply_markup": markup}
        ) as response:
            assert (await response.json())["result"]["reply_markup"] == markup
        async with http.get(url, params={"chat_id": str(ana.chat_id), "text": "query"}) as response:
            assert response.status == 200
        async with http.post(url, data={"chat_id": str(ana.chat_id), "text": "form"}) as response:
            assert response.status == 200

    assert (await client.screen(ana.user_id)).texts == ["json", "query", "form"]


@pytest.mark.asyncio
async def test_demo_page_is_served_self_contained(base_url: str) -> None:
    async with aiohttp.ClientSession() as http, http.get(base_url + "/") as response:
        page = await response.text()

    assert response.status == 200
    assert "<title>" in page
    assert "/control/users" in page
    assert "http://" not in page
    assert "https://" not in page
    assert ".innerHTML" not in page  # bot text is only ever set as text


@pytest.mark.asyncio
async def test_wait_returns_when_the_screen_changes(base_url: str, client: EmulatorClient) -> None:
    import asyncio

    ana = await client.create_user("Ana", "ro")
    before = await client.screen(ana.user_id)
    waiting = asyncio.create_task(client.wait_screen(ana.user_id, before.version, timeout=30))
    await asyncio.sleep(0.05)

    async with aiohttp.ClientSession() as http:
        await http.post(
            f"{base_url}/bot{TOKEN}/sendMessage", json={"chat_id": ana.chat_id, "text": "news"}
        )

    after = await asyncio.wait_for(waiting, timeout=20)
    assert after.version > before.version
    assert after.texts == ["news"]


@pytest.mark.asyncio
async def test_one_long_poll_watches_several_phones(base_url: str, client: EmulatorClient) -> None:
    """The page's phones share one poll: a browser keeps only six connections to a host."""
    ana = await client.create_user("Ana", "ro")
    ion = await client.create_user("Ion", "en")
    versions = {user.user_id: (await client.screen(user.user_id)).version for user in (ana, ion)}
    query = ",".join(f"{user_id}:{version}" for user_id, version in versions.items())
    async with aiohttp.ClientSession() as http:

        async def wait_any() -> dict[str, Any]:
            url = f"{base_url}/control/screens/wait?users={query}&timeout=30"
            async with http.get(url) as answer:
                screens: dict[str, Any] = (await answer.json())["screens"]
                return screens

        # Whether the poll starts before or after the message, it answers with that screen.
        waiting = asyncio.create_task(wait_any())
        await http.post(
            f"{base_url}/bot{TOKEN}/sendMessage", json={"chat_id": ion.chat_id, "text": "news"}
        )
        changed = await asyncio.wait_for(waiting, timeout=20)
        async with http.get(f"{base_url}/control/screens/wait?users=nonsense") as refused:
            assert refused.status == 400
    assert list(changed) == [str(ion.user_id)]  # only the phone whose screen changed
    assert [m["text"] for m in changed[str(ion.user_id)]["messages"]] == ["news"]
