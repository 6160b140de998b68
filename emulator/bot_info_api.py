"""Bot API methods about the bot itself: identity, session, commands and menu."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from emulator.errors import bad_request
from emulator.limits import MAX_COMMANDS
from emulator.state import BOT_FIRST_NAME

if TYPE_CHECKING:
    from emulator.call import Call, MethodHandler
    from emulator.state import EmulatorState

_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_CODE = re.compile(r"[a-z]{2}")


class BotInfoApi:
    def __init__(self, state: EmulatorState) -> None:
        self._state = state

    def methods(self) -> dict[str, MethodHandler]:
        return {
            "getMe": self.get_me,
            "logOut": self.accept,
            "close": self.accept,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "setChatMenuButton": self.accept,
            "getChatMenuButton": self.get_chat_menu_button,
            "setMyDescription": self.accept,
            "setMyShortDescription": self.accept,
            "setMyName": self.accept,
        }

    async def accept(self, call: Call) -> bool:
        """Settings the emulator does not show anywhere: Telegram just answers true."""
        return True

    async def get_me(self, call: Call) -> dict[str, Any]:
        return {
            "id": call.bot_id,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": self._state.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def set_my_commands(self, call: Call) -> bool:
        commands = call.params.json_or_none("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > MAX_COMMANDS:
            raise bad_request("too many commands specified")
        cleaned = []
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            description = command.get("description") if isinstance(command, dict) else None
            if not isinstance(name, str) or not _COMMAND_NAME.fullmatch(name.lower()):
                raise bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name.lower(), "description": description})
        self._state.commands[self._commands_key(call)] = cleaned
        return True

    async def get_my_commands(self, call: Call) -> list[dict[str, str]]:
        return self._state.commands.get(self._commands_key(call), [])

    async def delete_my_commands(self, call: Call) -> bool:
        self._state.commands.pop(self._commands_key(call), None)
        return True

    async def get_chat_menu_button(self, call: Call) -> dict[str, str]:
        return {"type": "commands"}

    def _commands_key(self, call: Call) -> tuple[str, str]:
        scope = call.params.json_or_none("scope")
        if scope is not None and not isinstance(scope, dict):
            raise bad_request("can't parse BotCommandScope JSON object")
        language = call.params.str_or_none("language_code") or ""
        if language and not _LANGUAGE_CODE.fullmatch(language):
            raise bad_request("invalid language code specified")
        if scope is not None and "chat_id" in scope:
            scope = {**scope, "chat_id": int(scope["chat_id"])}
        return self._state.command_scope_key(scope), language
