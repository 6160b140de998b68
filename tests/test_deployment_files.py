"""The files an operator deploys with: the Dockerfile and what it is built from, compose.yaml and
the systemd unit. Each is read the way its tool reads it, and what matters is checked: no
secret in the image, an unprivileged user, a health check that really fails on a 503, services
that restart and keep their data, and a unit that systemd accepts."""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
HEALTHZ_PORT_VARIABLE = "SAFEPERSON_HEALTH_PORT"
# Debian's package, as `make test` installs it.
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"


# --- the Dockerfile -----------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined and comments left out."""
    joined = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    instructions = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def healthcheck_command() -> list[str]:
    [arguments] = [args for keyword, args in final_stage() if keyword == "HEALTHCHECK"]
    exec_form = arguments[arguments.index("CMD ") + len("CMD ") :]
    command: list[str] = json.loads(exec_form)
    return command


def test_the_image_is_built_in_stages_and_runs_as_an_unprivileged_user() -> None:
    instructions = dockerfile_instructions()
    assert sum(keyword == "FROM" for keyword, _ in instructions) >= 2
    assert all(args.startswith("python:3.11-slim") for k, args in instructions if k == "FROM")
    [user] = [args for keyword, args in final_stage() if keyword == "USER"]
    assert user.split(":")[0] not in {"root", "0"}
    # The user comes after everything that needs root, and the bot is what the image runs.
    stage = final_stage()
    assert [k for k, _ in stage].index("USER") > max(
        i for i, (k, _) in enumerate(stage) if k in {"RUN", "COPY"}
    )
    [entrypoint] = [args for keyword, args in stage if keyword == "ENTRYPOINT"]
    assert json.loads(entrypoint) == ["safeperson"]
    [command] = [args for keyword, args in stage if keyword == "CMD"]
    assert json.loads(command) == ["run"]


def test_the_catalogs_are_compiled_while_the_image_is_built() -> None:
    runs = " ".join(args for keyword, args in dockerfile_instructions() if keyword == "RUN")
    assert "compile_catalogs(force=True)" in runs
    # Into the folder bot.catalogs reads at run time: beside the installed bot package.
    assert 'cp -r locales "$site/locales"' in runs


def test_the_image_keeps_its_data_in_a_volume_and_exposes_the_health_port() -> None:
    stage = final_stage()
    assert ("VOLUME", '["/data"]') in stage
    assert ("WORKDIR", "/data") in stage
    environment = " ".join(args for keyword, args in stage if keyword == "ENV")
    assert f"{HEALTHZ_PORT_VARIABLE}=8081" in environment


def test_nothing_secret_is_copied_into_the_image() -> None:
    copied = [args for keyword, args in dockerfile_instructions() if keyword in {"COPY", "ADD"}]
    sources = [word for args in copied for word in args.split()[:-1] if not word.startswith("--")]
    assert sources, "the Dockerfile copies nothing?"
    assert "." not in sources, "copying the whole folder would take .env along"
    for source in sources:
        assert not re.search(r"\.env|\.db|safeperson\.toml|secret", source), source
    environment = " ".join(args for keyword, args in dockerfile_instructions() if keyword == "ENV")
    assert "TOKEN" not in environment
    assert "SECRET" not in environment


def dockerignore_excludes(path: str) -> bool:
    """Whether Docker leaves `path` out of the build context: the last matching line wins, and
    a line matches a path when it matches the path or one of its parent folders."""
    excluded = False
    for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line.removeprefix("!").strip("/")
        regex = (
            re.escape(pattern)
            .replace(r"\*\*/", "(?:.*/)?")
            .replace(r"\*\*", ".*")
            .replace(r"\*", "[^/]*")
            .replace(r"\?", "[^/]")
        )
        parts = path.split("/")
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        if any(re.fullmatch(regex, prefix) for prefix in prefixes):
            excluded = not negated
    return excluded


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        "safeperson.toml",
        "safeperson.db",
        "safeperson.db-wal",
        "backups/safeperson.db",
        "bot/.env",
        ".venv/bin/python",
        ".git/config",
        "tests/test_cli.py",
        "locales/ro/LC_MESSAGES/messages.mo",
        "bot/__pycache__/app.cpython-311.pyc",
    ],
)
def test_the_build_context_leaves_out_secrets_data_and_local_files(path: str) -> None:
    assert dockerignore_excludes(path)


@pytest.mark.parametrize(
    "path",
    [
        "pyproject.toml",
        "README.md",
        "bot/app.py",
        "handlers/texts.py",
        "storage/migrations/script.py.mako",
        "emulator/static/chat.html",
        "locales/ro/LC_MESSAGES/messages.po",
    ],
)
def test_the_build_context_has_what_the_image_is_built_from(path: str) -> None:
    assert (ROOT / path).exists()
    assert not dockerignore_excludes(path)


# --- the health check ---------------------------------------------------------------------------


class _Health(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads exit codes, not the server's log."""


@pytest.fixture
def health_server() -> Iterator[tuple[http.server.HTTPServer, type[_Health]]]:
    class Health(_Health):
        """This test's own status, which it changes."""

    server = http.server.HTTPServer(("127.0.0.1", 0), Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, Health
    server.shutdown()
    server.server_close()
    thread.join()


def run_check(command: list[str], port: int) -> int:
    """The health check as Docker runs it inside the container (python from the image)."""
    assert command[0] == "python"
    env = {**os.environ, HEALTHZ_PORT_VARIABLE: str(port)}
    return subprocess.run(
        [sys.executable, *command[1:]], env=env, capture_output=True, timeout=30, check=False
    ).returncode


def test_the_image_health_check_passes_on_200_and_fails_on_503(
    health_server: tuple[http.server.HTTPServer, type[_Health]],
) -> None:
    server, handler = health_server
    command = healthcheck_command()
    assert run_check(command, server.server_port) == 0
    handler.status = 503
    assert run_check(command, server.server_port) != 0
    server.shutdown()
    server.server_close()
    # Nothing listening (the bot has stopped): unhealthy too.
    assert run_check(command, server.server_port) != 0


# --- compose.yaml -------------------------------------------------------------------------------


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    return loaded


def interpolated(value: str, variables: dict[str, str]) -> str:
    """${NAME}, ${NAME:-default} and ${NAME:?error} as Compose fills them in."""

    def fill(match: re.Match[str]) -> str:
        name, operator, rest = match[1], match[2], match[3]
        if name in variables:
            return variables[name]
        if operator == ":-":
            return rest
        raise AssertionError(f"{name} is required: {rest}")

    return re.sub(r"\$\{(\w+)(?:(:[-?])([^}]*))?\}", fill, value)


def test_compose_runs_the_bot_with_postgresql_and_redis_for_several_instances() -> None:
    services = compose()["services"]
    assert set(services) == {"safeperson", "postgres", "redis", "safeperson-instance", "haproxy"}
    # `docker compose up -d` starts the bot and PostgreSQL; Redis only with the profile.
    assert "profiles" not in services["safeperson"]
    assert "profiles" not in services["postgres"]
    assert services["redis"]["profiles"] == ["instances"]
    assert services["safeperson-instance"]["profiles"] == ["instances"]
    assert services["haproxy"]["profiles"] == ["instances"]
    assert services["haproxy"]["image"].startswith("haproxy:")
    assert (
        "./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro"
        in (services["haproxy"]["volumes"])
    )
    # Several instances share PostgreSQL's connections: each takes a smaller pool.
    instance = services["safeperson-instance"]
    pool = int(instance["environment"]["SAFEPERSON_DATABASE_POOL_SIZE"])
    assert instance["deploy"]["replicas"] * pool * 1.25 < 100
    assert services["safeperson"]["build"] == "."
    assert services["safeperson"].get("command", ["run"]) == ["run"]
    assert services["safeperson-instance"]["command"] == ["run", "--webhook"]
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")


def test_every_service_restarts_and_has_a_health_check() -> None:
    for name, service in compose()["services"].items():
        assert service["restart"] == "unless-stopped", name
        test = service["healthcheck"]["test"]
        assert test[0] in {"CMD", "CMD-SHELL"}, name
    services = compose()["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "ping" in services["redis"]["healthcheck"]["test"]
    for name in ("safeperson", "safeperson-instance"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        # A restarted PostgreSQL restarts the bot too, which then reconnects.
        assert depends["postgres"]["restart"] is True
    assert services["safeperson-instance"]["depends_on"]["redis"]["condition"] == (
        "service_healthy"
    )


def test_the_bots_health_check_in_compose_is_the_one_the_image_has(
    health_server: tuple[http.server.HTTPServer, type[_Health]],
) -> None:
    server, handler = health_server
    services = compose()["services"]
    assert services["safeperson"]["healthcheck"]["test"] == ["CMD", *healthcheck_command()]
    assert services["safeperson"]["environment"][HEALTHZ_PORT_VARIABLE] == "8081"
    # In webhook mode /healthz is on the webhook server's port.
    instance = services["safeperson-instance"]
    webhook_check = instance["healthcheck"]["test"][1:]
    port = instance["environment"]["SAFEPERSON_WEBHOOK_PORT"]
    assert f"127.0.0.1:{port}/healthz" in webhook_check[-1]
    assert instance["environment"]["SAFEPERSON_WEBHOOK_HOST"] == "0.0.0.0"
    handler.status = 503
    assert run_check(services["safeperson"]["healthcheck"]["test"][1:], server.server_port) != 0
    handler.status = 200
    assert run_check(services["safeperson"]["healthcheck"]["test"][1:], server.server_port) == 0


def test_the_data_is_kept_in_named_volumes() -> None:
    document = compose()
    services = document["services"]
    declared = set(document["volumes"])
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "safeperson-data:/data" in services["safeperson"]["volumes"]
    assert {"postgres-data", "safeperson-data"} <= declared


def test_the_bot_reads_its_secrets_from_env_and_its_config_read_only() -> None:
    services = compose()["services"]
    for name in ("safeperson", "safeperson-instance"):
        service = services[name]
        assert service["env_file"] == ".env"
        config = service["environment"]["SAFEPERSON_CONFIG"]
        assert f"./safeperson.toml:{config}:ro" in service["volumes"]
        assert not any(
            "TOKEN" in key or key == "SAFEPERSON_SECRET" for key in service["environment"]
        )


def test_the_database_address_is_one_the_settings_accept() -> None:
    services = compose()["services"]
    variables = {"POSTGRES_PASSWORD": "0123abcd"}
    url = interpolated(services["safeperson"]["environment"]["SAFEPERSON_DATABASE_URL"], variables)
    assert url == "postgresql+asyncpg://safeperson:0123abcd@postgres:5432/safeperson"
    assert Settings(database_url=url).database_url == url
    postgres = services["postgres"]["environment"]
    assert postgres["POSTGRES_USER"] == "safeperson"
    assert postgres["POSTGRES_DB"] == "safeperson"
    assert interpolated(postgres["POSTGRES_PASSWORD"], variables) == "0123abcd"
    # Without a password in .env, Compose stops and says what to add.
    with pytest.raises(AssertionError, match="POSTGRES_PASSWORD"):
        interpolated(postgres["POSTGRES_PASSWORD"], {})
    assert services["safeperson-instance"]["environment"]["SAFEPERSON_REDIS_URL"].startswith(
        "redis://redis:6379/"
    )


# --- the systemd unit ---------------------------------------------------------------------------


def rendered_unit() -> str:
    """The unit as `make install-service` installs it, for this checkout and this environment."""
    make = shutil.which("make")
    assert make is not None
    return subprocess.run(
        [make, "-s", "--no-print-directory", "service-unit", f"VENV={sys.prefix}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def unit_settings(text: str) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_the_unit_is_a_watched_hardened_service_of_this_folder() -> None:
    settings = unit_settings(rendered_unit())
    assert settings["Type"] == ["notify"]
    assert settings["WatchdogSec"] == ["120"]
    assert settings["Restart"] == ["on-failure"]
    assert settings["User"] == ["safeperson"]
    assert settings["WorkingDirectory"] == [str(ROOT)]
    assert settings["ExecStart"] == [f"{sys.prefix}/bin/safeperson run"]
    assert settings["ReadWritePaths"] == [str(ROOT)]
    for hardening in ("NoNewPrivileges", "PrivateTmp", "ProtectHome"):
        assert settings[hardening] == ["yes"], hardening
    assert settings["ProtectSystem"] == ["strict"]
    assert settings["WantedBy"] == ["multi-user.target"]


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    assert analyze is not None, "systemd-analyze (Debian's systemd package) checks the unit"
    unit = tmp_path / "safeperson.service"
    unit.write_text(rendered_unit(), encoding="utf-8")
    result = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60, check=False
    )
    # systemd-analyze warns about unknown keys and bad values but still exits 0: any line about
    # this unit is a mistake in it.
    about_the_unit = [line for line in result.stderr.splitlines() if "safeperson" in line]
    assert result.returncode == 0, result.stderr
    assert about_the_unit == []


def test_systemd_analyze_would_notice_a_mistake_in_the_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    assert analyze is not None
    unit = tmp_path / "safeperson.service"
    unit.write_text(rendered_unit().replace("WatchdogSec=", "WatchdogSecs="), encoding="utf-8")
    result = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60, check=False
    )
    assert "Unknown key 'WatchdogSecs'" in result.stderr


def test_the_load_balancer_config_is_one_haproxy_accepts(tmp_path: Path) -> None:
    """deploy/haproxy.cfg as shipped, checked by HAProxy itself, with a certificate of its own
    where the volume would put the real one."""
    certificate = tmp_path / "safeperson.pem"
    certificate.write_bytes(self_signed_pem())
    config = tmp_path / "haproxy.cfg"
    shipped = (ROOT / "deploy" / "haproxy.cfg").read_text(encoding="utf-8")
    assert "crt /etc/haproxy/certs/safeperson.pem" in shipped
    config.write_text(
        shipped.replace("/etc/haproxy/certs/safeperson.pem", str(certificate)), encoding="utf-8"
    )
    checked = subprocess.run(
        [HAPROXY, "-c", "-f", str(config)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # A mistake is noticed: the check is not a formality.
    config.write_text(shipped.replace("balance roundrobin", "balance roundrobbin"))
    broken = subprocess.run([HAPROXY, "-c", "-f", str(config)], capture_output=True, check=False)
    assert broken.returncode != 0


def self_signed_pem() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "safeperson.example")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
