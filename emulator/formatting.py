"""Turning formatted text into plain text plus entities, the way Telegram does before storing it.

Telegram measures text limits after parsing (tags and markers removed, HTML entities decoded),
and reports entity offsets and lengths in UTF-16 code units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from emulator.errors import bad_request

_HTML_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^>]*)?)\s*(/?)>")
_HTML_ATTRIBUTE = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_HTML_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|lt|gt|amp|quot);")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SIMPLE_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
# Telegram marks every /command in a message as a bot_command entity, with an optional @botname.
_BOT_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?")
_MARKDOWN_V2_RESERVED = set("_*[]()~`>#+-=|{}.!")


def utf16_length(text: str) -> int:
    # A lone surrogate (half an emoji a client cut off) is one UTF-16 unit, as Telegram counts.
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


@dataclass
class FormattedText:
    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _OpenEntity:
    marker: str
    entity: dict[str, Any]


class _Builder:
    """Accumulates plain text and closes entities at the current UTF-16 position."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.position = 0
        self.entities: list[dict[str, Any]] = []
        self.open: list[_OpenEntity] = []

    def add_text(self, text: str) -> None:
        self.parts.append(text)
        self.position += utf16_length(text)

    def open_entity(self, marker: str, entity: dict[str, Any]) -> None:
        entity["offset"] = self.position
        self.open.append(_OpenEntity(marker, entity))

    def close_entity(self) -> None:
        closed = self.open.pop().entity
        closed["length"] = self.position - closed["offset"]
        if closed["length"] > 0:
            self.entities.append(closed)

    def result(self) -> FormattedText:
        self.entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return FormattedText("".join(self.parts), self.entities)


def parse_formatted(text: str, parse_mode: str | None) -> FormattedText:
    mode = (parse_mode or "").strip().lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown(text, version=2)
    if mode == "markdown":
        return parse_markdown(text, version=1)
    if mode:
        raise bad_request(f"unsupported parse_mode {parse_mode}")
    return FormattedText(text)


def parse_html(source: str) -> FormattedText:
    builder = _Builder()
    position = 0
    while position < len(source):
        less_than = source.find("<", position)
        chunk_end = len(source) if less_than == -1 else less_than
        builder.add_text(_decode_html_entities(source[position:chunk_end]))
        if less_than == -1:
            break
        tag = _HTML_TAG.match(source, less_than)
        byte_offset = len(source[:less_than].encode())
        if tag is None:
            raise bad_request(
                f"can't parse entities: Unexpected character '<' at byte offset {byte_offset}"
            )
        closing, name, attributes = tag.group(1) == "/", tag.group(2).lower(), tag.group(3)
        if closing:
            _close_html_tag(builder, name, byte_offset)
        else:
            builder.open_entity(name, _html_entity_for(name, attributes, byte_offset))
        position = tag.end()
    if builder.open:
        raise bad_request(
            "can't parse entities: Can't find end tag corresponding to start tag "
            f'"{builder.open[-1].marker}"'
        )
    return builder.result()


def _html_entity_for(name: str, attributes: str, byte_offset: int) -> dict[str, Any]:
    attrs = {
        match.group(1).lower(): _decode_html_entities(
            next(value for value in match.groups()[1:] if value is not None)
        )
        for match in _HTML_ATTRIBUTE.finditer(attributes)
    }
    if name in _SIMPLE_HTML_TAGS:
        return {"type": _SIMPLE_HTML_TAGS[name]}
    if name == "span" and attrs.get("class") == "tg-spoiler":
        return {"type": "spoiler"}
    if name == "a" and "href" in attrs:
        return {"type": "text_link", "url": attrs["href"]}
    if name == "blockquote":
        return {"type": "expandable_blockquote" if "expandable" in attributes else "blockquote"}
    if name == "tg-emoji" and "emoji-id" in attrs:
        return {"type": "custom_emoji", "custom_emoji_id": attrs["emoji-id"]}
    raise bad_request(
        f'can\'t parse entities: Unsupported start tag "{name}" at byte offset {byte_offset}'
    )


def _close_html_tag(builder: _Builder, name: str, byte_offset: int) -> None:
    if not builder.open:
        raise bad_request(f"can't parse entities: Unexpected end tag at byte offset {byte_offset}")
    expected = builder.open[-1].marker
    if expected != name:
        raise bad_request(
            f"can't parse entities: Unmatched end tag at byte offset {byte_offset}, "
            f'expected "</{expected}>", found "</{name}>"'
        )
    builder.close_entity()


def _decode_html_entities(text: str) -> str:
    def decode(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith(("#x", "#X")):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return _NAMED_ENTITIES[name]

    return _HTML_ENTITY.sub(decode, text)


_MARKDOWN_V2_MARKERS = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
    "`": "code",
    "```": "pre",
}
_MARKDOWN_V1_MARKERS = {"*": "bold", "_": "italic", "`": "code", "```": "pre"}


def parse_markdown(source: str, *, version: int) -> FormattedText:
    """A compact Markdown / MarkdownV2 reader: markers, links and (V2) escaping rules."""
    markers = _MARKDOWN_V2_MARKERS if version == 2 else _MARKDOWN_V1_MARKERS
    builder = _Builder()
    index = 0
    while index < len(source):
        char = source[index]
        in_code = bool(builder.open) and builder.open[-1].marker in ("`", "```")
        if char == "\\" and index + 1 < len(source) and (version == 2 or not in_code):
            builder.add_text(source[index + 1])
            index += 2
            continue
        marker = next(
            (m for m in sorted(markers, key=len, reverse=True) if source.startswith(m, index)),
            None,
        )
        if marker is not None and (not in_code or marker == builder.open[-1].marker):
            if builder.open and builder.open[-1].marker == marker:
                builder.close_entity()
            elif any(open_entity.marker == marker for open_entity in builder.open):
                raise _markdown_error(source, index)
            else:
                builder.open_entity(marker, {"type": markers[marker]})
            index += len(marker)
            continue
        if char == "[" and not in_code:
            link = re.compile(r"\[([^\]]*)\]\(([^)]*)\)").match(source, index)
            if link is not None:
                label = parse_markdown(link.group(1), version=version)
                entity = {"type": "text_link", "url": link.group(2).replace("\\", "")}
                builder.open_entity("[", entity)
                builder.add_text(label.text)
                builder.close_entity()
                index = link.end()
                continue
        if version == 2 and not in_code and char in _MARKDOWN_V2_RESERVED:
            raise bad_request(
                f"can't parse entities: Character '{char}' is reserved and must be escaped "
                "with the preceding '\\'"
            )
        builder.add_text(char)
        index += 1
    if builder.open:
        raise bad_request(
            "can't parse entities: Can't find end of the entity starting at byte offset "
            f"{builder.open[-1].entity['offset']}"
        )
    return builder.result()


def _markdown_error(source: str, index: int) -> Exception:
    byte_offset = len(source[:index].encode())
    return bad_request(
        f"can't parse entities: Can't find end of the entity starting at byte offset {byte_offset}"
    )


def bot_command_entities(text: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "bot_command",
            "offset": utf16_length(text[: match.start()]),
            "length": utf16_length(match.group(0)),
        }
        for match in _BOT_COMMAND.finditer(text)
    ]
