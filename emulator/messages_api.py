"""Bot API methods that send, change and remove messages in a user's chat."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulator.call import Call, ChatAccess, parse_reply_markup, required_message_id
from emulator.errors import bad_request
from emulator.formatting import parse_formatted
from emulator.limits import (
    CALLBACK_QUERY_LIFETIME_SECONDS,
    CHAT_ACTIONS,
    DELETE_WINDOW_SECONDS,
    MAX_DELETE_MESSAGES,
    check_callback_answer_text,
    check_caption,
    check_text,
)
from emulator.state import StoredMessage, Toast

if TYPE_CHECKING:
    from emulator.call import MethodHandler
    from emulator.state import EmulatorState, SimulatedUser

_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


class MessagesApi:
    def __init__(self, state: EmulatorState, chats: ChatAccess) -> None:
        self._state = state
        self._chats = chats

    def methods(self) -> dict[str, MethodHandler]:
        return {
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "editMessageCaption": self.edit_message_caption,
            "deleteMessage": self.delete_message,
            "deleteMessages": self.delete_messages,
            "copyMessage": self.copy_message,
            "answerCallbackQuery": self.answer_callback_query,
            "sendChatAction": self.send_chat_action,
        }

    async def send_message(self, call: Call) -> dict[str, Any]:
        user = self._chats.target_user(call, sending=True)
        text, entities = self._formatted(call, "text", "entities")
        check_text(text)
        _, markup = parse_reply_markup(call)
        self._chats.take_rate_token(user)
        message = self._state.add_message(
            user,
            "bot",
            call.bot_id,
            "text",
            text=text,
            entities=entities,
            reply_markup=markup,
            protect_content=call.params.flag("protect_content"),
            link_preview_options=_link_preview_options(call),
        )
        return self._state.message_to_api(message)

    async def edit_message_text(self, call: Call) -> dict[str, Any]:
        user, message = self._editable_message(call)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._formatted(call, "text", "entities")
        check_text(text)
        # Like Telegram, an edit without reply_markup removes the inline keyboard.
        _, markup = parse_reply_markup(call)
        if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
            raise bad_request(_NOT_MODIFIED)
        self._chats.take_rate_token(user)
        message.text, message.entities, message.reply_markup = text, entities, markup
        message.link_preview_options = _link_preview_options(call)
        return self._mark_edited(user, message)

    async def edit_message_caption(self, call: Call) -> dict[str, Any]:
        user, message = self._editable_message(call)
        if message.text is not None:
            raise bad_request("there is no caption in the message to edit")
        caption, entities = self._formatted(call, "caption", "caption_entities")
        check_caption(caption)
        _, markup = parse_reply_markup(call)
        if (caption, entities, markup) == (
            message.caption or "",
            message.caption_entities,
            message.reply_markup,
        ):
            raise bad_request(_NOT_MODIFIED)
        self._chats.take_rate_token(user)
        message.caption, message.caption_entities, message.reply_markup = caption, entities, markup
        return self._mark_edited(user, message)

    async def edit_message_reply_markup(self, call: Call) -> dict[str, Any]:
        user, message = self._editable_message(call)
        _, markup = parse_reply_markup(call)
        if markup == message.reply_markup:
            raise bad_request(_NOT_MODIFIED)
        self._chats.take_rate_token(user)
        message.reply_markup = markup
        return self._mark_edited(user, message)

    async def delete_message(self, call: Call) -> bool:
        user = self._chats.target_user(call, sending=False)
        message_id = required_message_id(call, "message identifier is not specified")
        message = self._state.visible_message(user.chat_id, message_id)
        if message is None:
            raise bad_request("message to delete not found")
        if not self._deletable(message):
            raise bad_request("message can't be deleted")
        self._state.delete_message(user, message)
        return True

    async def delete_messages(self, call: Call) -> bool:
        user = self._chats.target_user(call, sending=False)
        message_ids = call.params.json_or_none("message_ids")
        if not isinstance(message_ids, list) or not message_ids:
            raise bad_request("message identifiers are not specified")
        if len(message_ids) > MAX_DELETE_MESSAGES:
            raise bad_request("too many message identifiers specified")
        # Telegram skips the messages it cannot find or delete and still answers true.
        for message_id in message_ids:
            message = self._state.visible_message(user.chat_id, int(message_id))
            if message is not None and self._deletable(message):
                self._state.delete_message(user, message)
        return True

    async def copy_message(self, call: Call) -> dict[str, int]:
        source_user = self._chats.target_user(call, sending=False, field="from_chat_id")
        source_id = required_message_id(call, "message identifier is not specified")
        source = self._state.visible_message(source_user.chat_id, source_id)
        if source is None:
            raise bad_request("message to copy not found")
        user = self._chats.target_user(call, sending=True)
        given_markup, markup = parse_reply_markup(call)
        caption, caption_entities = source.caption, source.caption_entities
        if call.params.has("caption"):
            caption, caption_entities = self._formatted(call, "caption", "caption_entities")
            check_caption(caption)
        self._chats.take_rate_token(user)
        copy = self._state.add_message(
            user,
            "bot",
            call.bot_id,
            source.kind,
            text=source.text,
            entities=list(source.entities),
            caption=caption,
            caption_entities=list(caption_entities),
            media=source.media,
            reply_markup=markup if given_markup else None,
            protect_content=call.params.flag("protect_content"),
        )
        return {"message_id": copy.message_id}

    async def answer_callback_query(self, call: Call) -> bool:
        query_id = call.params.str_or_none("callback_query_id") or ""
        query = self._state.callback_queries.get(query_id)
        now = self._state.clock.now()
        if (
            query is None
            or query.answered
            or now - query.created_at > CALLBACK_QUERY_LIFETIME_SECONDS
        ):
            raise bad_request(_QUERY_TOO_OLD)
        call.chat_id = query.user_id
        text = call.params.str_or_none("text")
        check_callback_answer_text(text)
        query.answered = True
        if text:
            user = self._state.users[query.user_id]
            toast = Toast(text, call.params.flag("show_alert"), query.query_id)
            self._state.add_toast(user, toast)
        return True

    async def send_chat_action(self, call: Call) -> bool:
        self._chats.target_user(call, sending=True)
        if call.params.str_or_none("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def _formatted(
        self, call: Call, text_field: str, entities_field: str
    ) -> tuple[str, list[dict[str, Any]]]:
        source = call.params.str_or_none(text_field) or ""
        parse_mode = call.params.str_or_none("parse_mode")
        formatted = parse_formatted(source, parse_mode)
        if not parse_mode and call.params.has(entities_field):
            entities = call.params.json_or_none(entities_field)
            if not isinstance(entities, list):
                raise bad_request(f"can't parse {entities_field} JSON object")
            formatted.entities = entities
        return formatted.text, formatted.entities

    def _editable_message(self, call: Call) -> tuple[SimulatedUser, StoredMessage]:
        if call.params.has("inline_message_id"):
            # The emulator has no inline mode, so no inline message can exist.
            raise bad_request("MESSAGE_ID_INVALID")
        user = self._chats.target_user(call, sending=False)
        message_id = required_message_id(call, "message identifier is not specified")
        message = self._state.visible_message(user.chat_id, message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if message.sender != "bot":
            raise bad_request("message can't be edited")
        return user, message

    def _mark_edited(self, user: SimulatedUser, message: StoredMessage) -> dict[str, Any]:
        message.edit_date = self._state.clock.unix()
        self._state.screen_changed(user)
        return self._state.message_to_api(message)

    def _deletable(self, message: StoredMessage) -> bool:
        return self._state.clock.now() - message.date < DELETE_WINDOW_SECONDS


def _link_preview_options(call: Call) -> dict[str, Any] | None:
    options = call.params.json_or_none("link_preview_options")
    if isinstance(options, dict):
        return options
    if call.params.flag("disable_web_page_preview"):
        return {"is_disabled": True}
    return None
