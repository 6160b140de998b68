"""Bot API methods for files: sending voice notes, audio, documents and photos, and getFile."""

from __future__ import annotations

import io
import mimetypes
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from PIL import Image, UnidentifiedImageError

from emulator.call import Call, ChatAccess, parse_reply_markup
from emulator.errors import bad_request
from emulator.formatting import parse_formatted
from emulator.limits import MAX_DOWNLOAD_BYTES, check_caption
from emulator.state import StoredFile

if TYPE_CHECKING:
    from emulator.call import MethodHandler
    from emulator.params import UploadedFile
    from emulator.state import EmulatorState, SimulatedUser


@dataclass(frozen=True)
class MediaKind:
    field: str
    folder: str
    default_mime: str
    extension: str


VOICE = MediaKind("voice", "voice", "audio/ogg", "oga")
AUDIO = MediaKind("audio", "music", "audio/mpeg", "mp3")
DOCUMENT = MediaKind("document", "documents", "application/octet-stream", "bin")
PHOTO = MediaKind("photo", "photos", "image/jpeg", "jpg")

# sendPhoto's documented limits: at most 10 MB, width and height together at most 10000, and
# one side at most 20 times the other.
MAX_PHOTO_BYTES: Final = 10 * 1024 * 1024
MAX_PHOTO_SIDES: Final = 10_000
MAX_PHOTO_RATIO: Final = 20
# The longest side of each size Telegram keeps of a photo (s, m, x, y, w), smallest first; the
# photo itself is kept at most as large as the last.
PHOTO_SIDES: Final = (90, 320, 800, 1280, 2560)


class MediaApi:
    def __init__(self, state: EmulatorState, chats: ChatAccess) -> None:
        self._state = state
        self._chats = chats

    def methods(self) -> dict[str, MethodHandler]:
        return {
            "sendVoice": self.send_voice,
            "sendAudio": self.send_audio,
            "sendDocument": self.send_document,
            "sendPhoto": self.send_photo,
            "getFile": self.get_file,
        }

    async def send_voice(self, call: Call) -> dict[str, Any]:
        return self._send_media(call, VOICE)

    async def send_audio(self, call: Call) -> dict[str, Any]:
        return self._send_media(call, AUDIO)

    async def send_document(self, call: Call) -> dict[str, Any]:
        return self._send_media(call, DOCUMENT)

    async def send_photo(self, call: Call) -> dict[str, Any]:
        """A photo: an upload (direct or attach://) or a photo's file_id. The message carries
        the photo's sizes (PhotoSize objects), smallest first, as Telegram's does."""
        user = self._chats.target_user(call, sending=True)
        return self._add_media_message(call, user, PHOTO.field, self._photo_sizes(call))

    def _photo_sizes(self, call: Call) -> list[dict[str, Any]]:
        upload = call.params.files.get(PHOTO.field)
        reference = call.params.str_or_none(PHOTO.field) or ""
        if upload is None and reference.startswith("attach://"):
            upload = call.params.files.get(reference.removeprefix("attach://"))
            if upload is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
        if upload is not None:
            return self._store_photo(upload.data)
        if not reference:
            raise bad_request("there is no photo in the request")
        if reference.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")
        file = self._state.files_by_id.get(reference)
        if file is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if file.photo_sizes is None:
            raise bad_request("type of file mismatch")
        return file.photo_sizes

    def _store_photo(self, data: bytes) -> list[dict[str, Any]]:
        """Check an uploaded photo as Telegram does and keep it with its smaller sizes. The
        largest size keeps the uploaded bytes (a test can read back exactly what was sent);
        the smaller ones are real JPEG thumbnails."""
        if len(data) > MAX_PHOTO_BYTES:
            raise bad_request("PHOTO_SAVE_FILE_INVALID")
        try:
            with Image.open(io.BytesIO(data)) as image:
                # The header gives the size: a photo refused for it is never decoded.
                width, height = image.size
                mime_type = Image.MIME.get(image.format or "", PHOTO.default_mime)
                if width + height > MAX_PHOTO_SIDES or max(width, height) > MAX_PHOTO_RATIO * min(
                    width, height
                ):
                    raise bad_request("PHOTO_INVALID_DIMENSIONS")
                image.load()
                thumbnails = [
                    self._thumbnail(image, side)
                    for side in PHOTO_SIDES
                    if side < max(width, height)
                ]
        except (UnidentifiedImageError, OSError):
            raise bad_request("IMAGE_PROCESS_FAILED") from None
        scale = min(1.0, PHOTO_SIDES[-1] / max(width, height))
        largest = self.store_file(
            PHOTO,
            size=len(data),
            data=data,
            mime_type=mime_type,
            extension=(mimetypes.guess_extension(mime_type) or ".jpg").lstrip("."),
        )
        sizes = [*thumbnails, _photo_size(largest, round(width * scale), round(height * scale))]
        largest.photo_sizes = sizes
        return sizes

    def _thumbnail(self, image: Image.Image, side: int) -> dict[str, Any]:
        small = image.convert("RGB")
        small.thumbnail((side, side))
        buffer = io.BytesIO()
        small.save(buffer, format="JPEG")
        file = self.store_file(
            PHOTO, size=buffer.tell(), data=buffer.getvalue(), mime_type="image/jpeg",
            extension="jpg",
        )  # fmt: skip
        return _photo_size(file, small.width, small.height)

    async def get_file(self, call: Call) -> dict[str, Any]:
        file = self._state.files_by_id.get(call.params.str_or_none("file_id") or "")
        if file is None:
            raise bad_request("wrong file_id or the file is temporarily unavailable")
        if file.size > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return {
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "file_size": file.size,
            "file_path": file.file_path,
        }

    def store_file(
        self, kind: MediaKind, *, size: int, data: bytes | None, mime_type: str, extension: str
    ) -> StoredFile:
        """Keep a file so that getFile and downloads find it (also used for users' uploads)."""
        file_id, unique_id = self._state.new_file_id()
        number = len(self._state.files_by_id) + 1
        file = StoredFile(
            file_id=file_id,
            file_unique_id=unique_id,
            file_path=f"{kind.folder}/file_{number}.{extension}",
            size=size,
            mime_type=mime_type,
            data=data,
        )
        self._state.files_by_id[file_id] = file
        self._state.files_by_path[file.file_path] = file
        return file

    def _send_media(self, call: Call, kind: MediaKind) -> dict[str, Any]:
        user = self._chats.target_user(call, sending=True)
        file, file_name = self._input_file(call, kind)
        media: dict[str, Any] = {
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "mime_type": file.mime_type,
            "file_size": file.size,
        }
        if kind in (VOICE, AUDIO):
            media["duration"] = call.params.int_or_none("duration") or 0
        if kind in (AUDIO, DOCUMENT) and file_name:
            media["file_name"] = file_name
        return self._add_media_message(call, user, kind.field, media)

    def _add_media_message(
        self, call: Call, user: SimulatedUser, field: str, media: dict[str, Any] | list[Any]
    ) -> dict[str, Any]:
        """The message a media send leaves in the chat, once the file is known: its caption
        and buttons checked, the chat's flood limit taken."""
        caption = parse_formatted(
            call.params.str_or_none("caption") or "", call.params.str_or_none("parse_mode")
        )
        check_caption(caption.text)
        _, markup = parse_reply_markup(call)
        self._chats.take_rate_token(user)
        message = self._state.add_message(
            user,
            "bot",
            call.bot_id,
            field,
            caption=caption.text or None,
            caption_entities=caption.entities,
            media=media,
            reply_markup=markup,
            protect_content=call.params.flag("protect_content"),
        )
        return self._state.message_to_api(message)

    def _input_file(self, call: Call, kind: MediaKind) -> tuple[StoredFile, str | None]:
        """The file a send refers to: an upload (direct or attach://) or an existing file_id."""
        upload = call.params.files.get(kind.field)
        reference = call.params.str_or_none(kind.field) or ""
        if upload is None and reference.startswith("attach://"):
            upload = call.params.files.get(reference.removeprefix("attach://"))
            if upload is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
        if upload is not None:
            return self._store_upload(kind, upload), upload.filename
        if not reference:
            raise bad_request(f"there is no {kind.field} in the request")
        if reference.startswith(("http://", "https://")):
            # The emulator never reaches out to the internet.
            raise bad_request("failed to get HTTP URL content")
        file = self._state.files_by_id.get(reference)
        if file is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return file, None

    def _store_upload(self, kind: MediaKind, upload: UploadedFile) -> StoredFile:
        mime_type = upload.content_type
        if kind == VOICE:
            mime_type = VOICE.default_mime  # Telegram reports every voice note as OGG/Opus.
        elif mime_type in ("", "application/octet-stream"):
            mime_type = mimetypes.guess_type(upload.filename)[0] or kind.default_mime
        suffix = upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else kind.extension
        return self.store_file(
            kind, size=len(upload.data), data=upload.data, mime_type=mime_type, extension=suffix
        )


def _photo_size(file: StoredFile, width: int, height: int) -> dict[str, Any]:
    return {
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "width": width,
        "height": height,
        "file_size": file.size,
    }
