"""Reading Bot API call parameters from any encoding Telegram accepts.

Telegram takes parameters from the query string, urlencoded forms, multipart forms and JSON
bodies. In forms every value is a string and complex values are JSON text (that is what
aiogram sends); in JSON bodies values keep their JSON types. The accessors below accept both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from aiohttp import BodyPartReader, MultipartReader

from emulator.errors import BotApiError, bad_request

if TYPE_CHECKING:
    from aiohttp import web

# Telegram accepts uploads up to 50 MB for bots; a little headroom for the other form fields.
MAX_REQUEST_BYTES = 52 * 1024 * 1024


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    content_type: str
    data: bytes


@dataclass
class CallParams:
    """The parameters of one call: plain values by name, and uploaded file parts by field name."""

    values: dict[str, Any] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def str_or_none(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def int_or_none(self, name: str) -> int | None:
        value = self.values.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise bad_request(f'field "{name}" must be an integer') from None

    def float_or_none(self, name: str) -> float | None:
        value = self.values.get(name)
        if value in (None, ""):
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f'field "{name}" must be a number') from None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1", "yes")
        return bool(value)

    def json_or_none(self, name: str, *, error: str | None = None) -> Any:
        """A value that may arrive as JSON text (forms) or as a JSON value (JSON bodies)."""
        value = self.values.get(name)
        if value in (None, ""):
            return None
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(error or f'can\'t parse "{name}" JSON object') from None


async def read_call_params(request: web.Request) -> CallParams:
    params = CallParams(values=dict(request.query))
    if not request.can_read_body:
        return params
    content_type = request.content_type
    if content_type == "multipart/form-data":
        body = await read_multipart(await request.multipart())
        params.values.update(body.values)
        params.files.update(body.files)
    elif content_type == "application/json":
        raw = await _read_limited(request)
        try:
            decoded = json.loads(raw) if raw.strip() else {}
        except ValueError:
            raise bad_request("can't parse JSON request body") from None
        if not isinstance(decoded, dict):
            raise bad_request("JSON request body must be an object")
        params.values.update(decoded)
    else:
        # Telegram treats anything else as an urlencoded form (curl's default).
        raw = await _read_limited(request)
        params.values.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    return params


async def read_multipart(reader: MultipartReader) -> CallParams:
    params = CallParams()
    total = 0
    while True:
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        data = await part.read(decode=True)
        total += len(data)
        if total > MAX_REQUEST_BYTES:
            raise BotApiError(413, "Request Entity Too Large")
        if part.filename is not None:
            content_type = part.headers.get("Content-Type", "application/octet-stream")
            params.files[part.name] = UploadedFile(part.filename, content_type, data)
        else:
            params.values[part.name] = data.decode(part.get_charset("utf-8"), "replace")
    return params


async def _read_limited(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_REQUEST_BYTES:
        raise BotApiError(413, "Request Entity Too Large")
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        total += len(chunk)
        if total > MAX_REQUEST_BYTES:
            raise BotApiError(413, "Request Entity Too Large")
        chunks.append(chunk)
    return b"".join(chunks)
