"""The container image, built from this folder and started as compose.yaml starts it, answers
/start through the emulator. Without a Docker engine this is the one test that is skipped, and
its reason says so."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import MakePerson
from tests.e2e.flows import CHOOSE
from tests.e2e.harness import CONFIG_TOML, TOKEN, free_port

ROOT = Path(__file__).resolve().parent.parent.parent
CONFIG_IN_CONTAINER = "/etc/safeperson/safeperson.toml"
# Building the image downloads the dependencies: minutes on a slow line.
BUILD_TIMEOUT = 1800
START_TIMEOUT = 120.0


def docker_engine_problem(docker: str | None) -> str | None:
    """Why no image can be built here, or None when a Docker engine answers."""
    if docker is None:
        return "the docker command is not installed"
    info = subprocess.run(
        [docker, "info", "--format", "{{.ServerVersion}}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if info.returncode != 0:
        lines = (info.stderr or info.stdout).strip().splitlines()
        return lines[-1] if lines else f"`docker info` exited with {info.returncode}"
    return None


@pytest.fixture(scope="module")
def image() -> Iterator[tuple[str, str]]:
    """(the docker command, the tag of an image built from this folder)."""
    docker = shutil.which("docker")
    problem = docker_engine_problem(docker)
    if docker is None or problem is not None:
        pytest.skip(
            f"no Docker engine: `docker info` failed ({problem}), so the image is not built"
        )
    tag = f"safeperson-test:{os.getpid()}"
    build = subprocess.run(
        [docker, "build", "--tag", tag, str(ROOT)],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    assert build.returncode == 0, build.stderr[-4000:]
    yield docker, tag
    subprocess.run([docker, "rmi", "--force", tag], capture_output=True, timeout=120, check=False)


async def docker_output(docker: str, *args: str) -> tuple[int, str]:
    """Run a docker command without blocking the event loop the emulator answers on."""
    process = await asyncio.create_subprocess_exec(
        docker, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode or 0, output.decode(errors="replace")


async def wait_until(docker: str, what: str, *args: str, expect: str = "") -> str:
    """Repeat a docker command until it succeeds and prints `expect`; its last output."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    while True:
        code, output = await docker_output(docker, *args)
        if code == 0 and expect in output:
            return output
        if loop.time() > deadline:
            raise AssertionError(f"{what} did not happen within {START_TIMEOUT}s: {output[-4000:]}")
        await asyncio.sleep(1)


async def test_the_image_answers_start_against_the_emulator(
    image: tuple[str, str], api_url: str, tmp_path: Path, secret: bytes, make_person: MakePerson
) -> None:
    docker, tag = image
    config = tmp_path / "safeperson.toml"
    config.write_text(CONFIG_TOML, encoding="utf-8")
    config.chmod(0o644)
    name = f"safeperson-test-{os.getpid()}-{free_port()}"
    health_port = free_port()
    # As compose.yaml runs it, on the host's network so that the emulator on 127.0.0.1 is
    # Telegram; the embedded SQLite in the image's /data volume.
    code, output = await docker_output(
        docker,
        "run",
        "--detach",
        "--name",
        name,
        "--network",
        "host",
        "--env",
        f"SAFEPERSON_BOT_TOKEN={TOKEN}",
        "--env",
        f"SAFEPERSON_SECRET={secret.hex()}",
        "--env",
        f"SAFEPERSON_TELEGRAM_API_URL={api_url}",
        "--env",
        f"SAFEPERSON_CONFIG={CONFIG_IN_CONTAINER}",
        "--env",
        f"SAFEPERSON_HEALTH_PORT={health_port}",
        "--volume",
        f"{config}:{CONFIG_IN_CONTAINER}:ro",
        tag,
    )
    assert code == 0, output
    try:
        # The bot migrates its database, then says it is ready and polls.
        await wait_until(docker, "the ready line", "logs", name, expect="ready: @")
        person = await make_person(language_code="en")
        await person.send("/start")
        await person.wait_for(
            lambda screen: any(CHOOSE in m.text for m in screen.bot_messages),
            timeout=START_TIMEOUT,
        )
        # It runs as the image's unprivileged user, not as root.
        _, uid = await docker_output(docker, "exec", name, "id", "-u")
        assert uid.strip() == "10001"
        # The image's own health check passes against the running bot.
        _, described = await docker_output(
            docker, "inspect", "--format", "{{json .Config.Healthcheck.Test}}", name
        )
        health_test = json.loads(described)
        assert health_test[0] == "CMD"
        await wait_until(docker, "a passing health check", "exec", name, *health_test[1:])
    finally:
        _, logs = await docker_output(docker, "logs", name)
        await docker_output(docker, "rm", "--force", "--volumes", name)
    assert "Traceback" not in logs
