"""Everything the emulated Telegram remembers: users, chats, messages, files and updates.

All of it lives on one `EmulatorState` per emulator, so tests never share state.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from emulator.signals import ChangeSignal

if TYPE_CHECKING:
    import random

    from emulator.clock import EmulatorClock

Sender = Literal["bot", "user"]
# The kinds of content the screen distinguishes; the key is also the Message field that holds it.
MEDIA_KINDS = ("voice", "audio", "document", "sticker", "photo", "location")
BOT_FIRST_NAME = "SafePerson"
_FILE_ID_ALPHABET = string.ascii_letters + string.digits + "-_"
_MAX_TOASTS_KEPT = 50


@dataclass
class Toast:
    text: str
    show_alert: bool
    callback_query_id: str


@dataclass
class SimulatedUser:
    user_id: int
    first_name: str
    language_code: str
    chat_instance: str
    last_name: str | None = None
    username: str | None = None
    # A user who never opened the bot cannot be messaged first (Telegram answers 403).
    started: bool = True
    blocked: bool = False
    screen_version: int = 0
    next_message_id: int = 1
    toasts: list[Toast] = field(default_factory=list)
    deleted_message_ids: list[int] = field(default_factory=list)
    screen_changed: ChangeSignal = field(default_factory=ChangeSignal)

    @property
    def chat_id(self) -> int:
        # Telegram's private chat with a user has the user's id.
        return self.user_id

    def to_api_user(self) -> dict[str, Any]:
        user: dict[str, Any] = {
            "id": self.user_id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        return user

    def to_api_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {
            "id": self.chat_id,
            "type": "private",
            "first_name": self.first_name,
        }
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat


@dataclass
class StoredMessage:
    chat_id: int
    message_id: int
    sender: Sender
    sender_id: int
    date: int
    kind: str
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    # The value of the Message field named by `kind` (e.g. the Voice object), for media kinds.
    media: Any = None
    reply_markup: dict[str, Any] | None = None
    protect_content: bool = False
    link_preview_options: dict[str, Any] | None = None
    edit_date: int | None = None
    deleted: bool = False

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        if self.reply_markup is None:
            return []
        rows: list[list[dict[str, Any]]] = self.reply_markup.get("inline_keyboard", [])
        return rows


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    size: int
    mime_type: str
    # None for fake files made up by the emulator; their bytes are generated on download.
    data: bytes | None = None
    # A photo's sizes as Telegram lists them (PhotoSize objects, smallest first); None for
    # every other kind of file.
    photo_sizes: list[dict[str, Any]] | None = None

    def content(self) -> bytes:
        if self.data is not None:
            return self.data
        # A recognisable OGG page header, padded to the advertised size.
        return (b"OggS\x00\x02" + b"\x00" * 20).ljust(self.size, b"\x00")[: self.size]


@dataclass
class CallbackQueryRecord:
    query_id: str
    user_id: int
    message_id: int
    data: str | None
    created_at: float
    answered: bool = False


@dataclass
class StoredUpdate:
    update_id: int
    kind: str
    payload: dict[str, Any]
    chat_id: int
    confirmed: bool = False
    delivered_count: int = 0
    # A re-queued update stays pending until it has been delivered again, whatever the offset.
    requeued: bool = False
    delivered_since_requeue: bool = False

    def to_api(self) -> dict[str, Any]:
        return {"update_id": self.update_id, self.kind: self.payload}

    def mark_delivered(self) -> None:
        self.delivered_count += 1
        self.delivered_since_requeue = True


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None
    max_connections: int
    bot_token: str
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class CallRecord:
    method: str
    status: int
    chat_id: int | None
    at: float


class EmulatorState:
    def __init__(self, *, clock: EmulatorClock, rng: random.Random, bot_username: str) -> None:
        self.clock = clock
        self.rng = rng
        self.bot_username = bot_username
        self.bot_id: int | None = None
        self.users: dict[int, SimulatedUser] = {}
        self.messages: dict[tuple[int, int], StoredMessage] = {}
        self.files_by_id: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.updates: list[StoredUpdate] = []
        self.updates_changed = ChangeSignal()
        # Any user's screen: one long poll can watch several phones (the demo page's).
        self.any_screen_changed = ChangeSignal()
        self.next_update_id = rng.randint(100_000_000, 900_000_000)
        self.allowed_updates: list[str] | None = None
        self.webhook: WebhookConfig | None = None
        self.webhook_changed = ChangeSignal()
        # Telegram lets one getUpdates poll run at a time; a newer poll ends the older one.
        self.poll_generation = 0
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.calls: list[CallRecord] = []

    # Identities

    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id or 0,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": self.bot_username,
        }

    def create_user(
        self,
        *,
        first_name: str,
        language_code: str,
        last_name: str | None = None,
        username: str | None = None,
        started: bool = True,
    ) -> SimulatedUser:
        user_id = self.rng.randint(1_000_000_000, 7_999_999_999)
        while user_id in self.users:
            user_id = self.rng.randint(1_000_000_000, 7_999_999_999)
        user = SimulatedUser(
            user_id=user_id,
            first_name=first_name,
            language_code=language_code,
            chat_instance=str(self.rng.randint(-(2**62), 2**62)),
            last_name=last_name,
            username=username,
            started=started,
        )
        self.users[user_id] = user
        return user

    def new_file_id(self) -> tuple[str, str]:
        file_id = "".join(self.rng.choices(_FILE_ID_ALPHABET, k=72))
        unique_id = "".join(self.rng.choices(_FILE_ID_ALPHABET, k=16))
        return file_id, unique_id

    def new_callback_query_id(self) -> str:
        return str(self.rng.randint(10**18, 9 * 10**18))

    # Messages

    def add_message(
        self, user: SimulatedUser, sender: Sender, sender_id: int, kind: str, **content: Any
    ) -> StoredMessage:
        message = StoredMessage(
            chat_id=user.chat_id,
            message_id=user.next_message_id,
            sender=sender,
            sender_id=sender_id,
            date=self.clock.unix(),
            kind=kind,
            **content,
        )
        user.next_message_id += 1
        self.messages[(message.chat_id, message.message_id)] = message
        self.screen_changed(user)
        return message

    def visible_message(self, chat_id: int, message_id: int) -> StoredMessage | None:
        message = self.messages.get((chat_id, message_id))
        return None if message is None or message.deleted else message

    def delete_message(self, user: SimulatedUser, message: StoredMessage) -> None:
        message.deleted = True
        user.deleted_message_ids.append(message.message_id)
        self.screen_changed(user)

    def add_toast(self, user: SimulatedUser, toast: Toast) -> None:
        user.toasts.append(toast)
        del user.toasts[:-_MAX_TOASTS_KEPT]
        self.screen_changed(user)

    def screen_changed(self, user: SimulatedUser) -> None:
        user.screen_version += 1
        user.screen_changed.notify()
        self.any_screen_changed.notify()

    def message_to_api(self, message: StoredMessage) -> dict[str, Any]:
        user = self.users[message.chat_id]
        api: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": user.to_api_chat(),
            "from": user.to_api_user() if message.sender == "user" else self.bot_user(),
        }
        if message.sender == "bot":
            api["from"]["id"] = message.sender_id
        if message.text is not None:
            api["text"] = message.text
            if message.entities:
                api["entities"] = message.entities
        if message.kind in MEDIA_KINDS:
            api[message.kind] = message.media
        if message.caption:
            api["caption"] = message.caption
            if message.caption_entities:
                api["caption_entities"] = message.caption_entities
        if message.reply_markup is not None:
            api["reply_markup"] = message.reply_markup
        if message.protect_content:
            api["has_protected_content"] = True
        if message.link_preview_options is not None:
            api["link_preview_options"] = message.link_preview_options
        if message.edit_date is not None:
            api["edit_date"] = message.edit_date
        return api

    # Updates

    def enqueue_update(self, kind: str, payload: dict[str, Any], chat_id: int) -> StoredUpdate:
        update = StoredUpdate(self.next_update_id, kind, payload, chat_id)
        self.next_update_id += 1
        self.updates.append(update)
        self.updates_changed.notify()
        return update

    def pending_updates(self) -> list[StoredUpdate]:
        return sorted(
            (update for update in self.updates if not update.confirmed),
            key=lambda update: update.update_id,
        )

    def confirm_below(self, offset: int) -> None:
        """getUpdates' offset: every update with a smaller id is confirmed and never sent again."""
        for update in self.updates:
            if update.update_id < offset and (
                not update.requeued or update.delivered_since_requeue
            ):
                update.confirmed = True

    def requeue(self, update: StoredUpdate) -> None:
        update.confirmed = False
        update.requeued = True
        update.delivered_since_requeue = False
        self.updates_changed.notify()

    # Commands

    @staticmethod
    def command_scope_key(scope: dict[str, Any] | None) -> str:
        return json.dumps(scope or {"type": "default"}, sort_keys=True)

    def commands_for(self, user: SimulatedUser) -> list[dict[str, str]]:
        """The command list a private chat shows, resolved in Telegram's documented order."""
        scopes: list[dict[str, Any]] = [
            {"type": "chat", "chat_id": user.chat_id},
            {"type": "all_private_chats"},
            {"type": "default"},
        ]
        for scope in scopes:
            for language in (user.language_code, ""):
                commands = self.commands.get((self.command_scope_key(scope), language))
                if commands is not None:
                    return commands
        return []

    # Screens

    def screen(self, user: SimulatedUser) -> dict[str, Any]:
        messages = sorted(
            (
                message
                for (chat_id, _), message in self.messages.items()
                if chat_id == user.chat_id and not message.deleted
            ),
            key=lambda message: message.message_id,
        )
        return {
            "version": user.screen_version,
            "messages": [self._screen_message(message) for message in messages],
            "deleted": list(user.deleted_message_ids),
            "toasts": [
                {
                    "text": toast.text,
                    "show_alert": toast.show_alert,
                    "callback_query_id": toast.callback_query_id,
                }
                for toast in user.toasts
            ],
            "commands": self.commands_for(user),
            "blocked": user.blocked,
        }

    @staticmethod
    def _screen_message(message: StoredMessage) -> dict[str, Any]:
        text = message.text if message.text is not None else (message.caption or "")
        if message.kind == "sticker" and isinstance(message.media, dict):
            text = str(message.media.get("emoji", ""))
        return {
            "message_id": message.message_id,
            "from": message.sender,
            "text": text,
            "kind": message.kind,
            "buttons": [[_screen_button(button) for button in row] for row in message.buttons],
            "edited": message.edit_date is not None,
            "protect_content": message.protect_content,
            "date": message.date,
            # A voice note, audio or document: its file, which getFile and a download read back.
            # A photo: its largest size.
            "file_id": _file_id_of(message.media),
            # A photo's sizes (file_id, width, height), smallest first; none for other kinds.
            "photo": [
                {"file_id": size["file_id"], "width": size["width"], "height": size["height"]}
                for size in (message.media if message.kind == "photo" else [])
            ],
        }


def _file_id_of(media: Any) -> str | None:
    if isinstance(media, dict):
        return media.get("file_id")
    if isinstance(media, list) and media and isinstance(media[-1], dict):
        return media[-1].get("file_id")  # a photo's sizes: the largest is the last
    return None


def _screen_button(button: dict[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {"text": button.get("text", "")}
    for action in ("callback_data", "url"):
        if action in button:
            shown[action] = button[action]
    return shown
