"""Slack sink: honours Slack's incoming-webhook contract.

Each Slack receiver gets its own URL ``http://host:port/services/<receiver>``; the path names
the receiver. A POST carries JSON (or a form field ``payload=<json>``); Slack answers 200 ``ok``,
and 400 with an error code when it would not post the message:
- ``invalid_payload``: not JSON, not an object, a key Slack does not know, a value of the wrong
  type (attachments must be a list of objects, fields a list of {title, value, short} ...);
- ``no_text``: neither text, attachments nor blocks;
- ``too_many_attachments``: more than 100 attachments.
A path outside ``/services/`` is answered 404 ``no_service``. With ``served`` (from
fixtures/endpoints.yaml) only the declared paths exist (404 ``no_service`` elsewhere) and each
accepts only its declared channel (404 ``channel_not_found`` for another).

Limits: the key and type rules are those of Slack's published message and legacy-attachment
reference (what Alertmanager can send and a bit more); Block Kit blocks are checked only for
being objects with a ``type``. Slack itself ignores some unknown keys; this sink refuses them,
which can only make a test stricter, not hide a bug.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from email.message import Message
from typing import Any
from urllib.parse import parse_qs, unquote

from validation.sinks.httpserver import HttpSink, Reply, route_of
from validation.sinks.inbox import Notification
from validation.sinks.rendered import status_from_text

MAX_ATTACHMENTS = 100
_STR, _BOOL, _NUM = (str,), (bool,), (int, float)

_TOP: dict[str, tuple[type, ...]] = {
    "text": _STR, "blocks": (list,), "attachments": (list,), "thread_ts": _STR, "mrkdwn": _BOOL,
    "channel": _STR, "username": _STR, "icon_emoji": _STR, "icon_url": _STR,
    "link_names": (bool, int), "unfurl_links": _BOOL, "unfurl_media": _BOOL, "parse": _STR,
    "reply_broadcast": _BOOL, "response_type": _STR, "replace_original": _BOOL,
    "delete_original": _BOOL, "metadata": (dict,),
}  # fmt: skip
_ATTACHMENT: dict[str, tuple[type, ...]] = {
    "fallback": _STR, "color": _STR, "pretext": _STR, "author_name": _STR, "author_link": _STR,
    "author_icon": _STR, "title": _STR, "title_link": _STR, "text": _STR, "fields": (list,),
    "image_url": _STR, "thumb_url": _STR, "footer": _STR, "footer_icon": _STR,
    "ts": (*_NUM, str), "mrkdwn_in": (list,), "actions": (list,), "callback_id": _STR,
    "attachment_type": _STR, "blocks": (list,), "id": (int,),
}  # fmt: skip
_FIELD: dict[str, tuple[type, ...]] = {"title": _STR, "value": _STR, "short": _BOOL}
_ACTION: dict[str, tuple[type, ...]] = {
    "type": _STR, "text": _STR, "url": _STR, "style": _STR, "name": _STR, "value": _STR,
    "confirm": (dict,), "id": _STR, "data_source": _STR, "min_query_length": (int,),
    "options": (list,), "option_groups": (list,), "selected_options": (list,),
}  # fmt: skip


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _check_object(obj: Any, where: str, allowed: Mapping[str, tuple[type, ...]], problems: list[str]) -> bool:
    if not isinstance(obj, dict):
        problems.append(f"{where}: want an object, got {_type_name(obj)}")
        return False
    for key, value in obj.items():
        types = allowed.get(key)
        if types is None:
            problems.append(f"{where}.{key}: not a key Slack knows")
        elif isinstance(value, bool) and bool not in types:
            problems.append(f"{where}.{key}: want {'/'.join(t.__name__ for t in types)}, got bool")
        elif not isinstance(value, types):
            problems.append(
                f"{where}.{key}: want {'/'.join(t.__name__ for t in types)}, got {_type_name(value)}"
            )
    return True


def _check_attachment(att: Any, where: str, problems: list[str]) -> None:
    if not _check_object(att, where, _ATTACHMENT, problems):
        return
    for i, item in enumerate(att.get("fields") or []):
        _check_object(item, f"{where}.fields[{i}]", _FIELD, problems)
    for i, item in enumerate(att.get("actions") or []):
        if _check_object(item, f"{where}.actions[{i}]", _ACTION, problems) and "type" not in item:
            problems.append(f"{where}.actions[{i}]: missing type")
    mrkdwn_in = att.get("mrkdwn_in")
    # Slack documents pretext/text/fields but accepts any name (Alertmanager sends "fallback").
    if isinstance(mrkdwn_in, list) and not all(isinstance(m, str) for m in mrkdwn_in):
        problems.append(f"{where}.mrkdwn_in: want a list of strings, got {mrkdwn_in!r}")


def slack_payload_problems(payload: Any) -> tuple[str, list[str]]:
    """``("", [])`` when Slack would post it, else (error code Slack answers, reasons)."""
    problems: list[str] = []
    if not _check_object(payload, "payload", _TOP, problems):
        return "invalid_payload", problems
    attachments = payload.get("attachments")
    if isinstance(attachments, list):
        for i, att in enumerate(attachments):
            _check_attachment(att, f"attachments[{i}]", problems)
    blocks = payload.get("blocks")
    if isinstance(blocks, list):
        for i, block in enumerate(blocks):
            if not (isinstance(block, dict) and isinstance(block.get("type"), str)):
                problems.append(f"blocks[{i}]: want an object with a string type")
    if problems:
        return "invalid_payload", problems
    if isinstance(attachments, list) and len(attachments) > MAX_ATTACHMENTS:
        return "too_many_attachments", [f"attachments: {len(attachments)} > {MAX_ATTACHMENTS}"]
    text = payload.get("text")
    if not (isinstance(text, str) and text.strip()) and not attachments and not blocks:
        return "no_text", ["payload: no text, attachments or blocks"]
    return "", []


def _rendered(payload: Mapping[str, Any]) -> tuple[str, str]:
    """(title, text) as a reader sees them: the first attachment title, then all the words."""
    attachments = payload.get("attachments") or []
    title = next((a["title"] for a in attachments if a.get("title")), "")
    parts = [payload.get("text", "")]
    for att in attachments:
        parts += [att.get("pretext", ""), att.get("text", "")]
        parts += [f"{f.get('title', '')}: {f.get('value', '')}" for f in att.get("fields") or []]
        parts += [att.get("footer", "")]
        if not att.get("text") and att.get("fallback") != att.get("title"):
            parts.append(att.get("fallback", ""))
    return title, "\n".join(p for p in parts if p)


def slack_notification(
    receiver: str, payload: Mapping[str, Any], raw: bytes, received_at: float, path: str
) -> Notification:
    title, text = _rendered(payload)
    colors = [a.get("color", "") for a in payload.get("attachments") or []]
    status = status_from_text(title, text) or (
        "firing" if "danger" in colors else "resolved" if "good" in colors else ""
    )
    return Notification(
        kind="slack",
        receiver=receiver,
        received_at=received_at,
        status=status,
        subject=title,
        text=text,
        raw=raw,
        payload=payload,
        meta={"path": path, "channel": payload.get("channel", "")},
    )


def _receiver_of(path: str) -> str:
    route = path.split("?", 1)[0]
    return unquote(route[len("/services/") :]).strip("/") if route.startswith("/services/") else ""


class SlackSink(HttpSink):
    """Slack incoming webhooks; URL for a receiver: ``sink.url_for(receiver)``."""

    kind = "slack"

    def url_for(self, receiver: str) -> str:
        return f"{self.url}/services/{receiver}"

    def receiver_of(self, path: str, headers: Message, body: bytes) -> str:
        return _receiver_of(path)

    def handle_post(self, path: str, headers: Message, body: bytes) -> Reply:
        received_at = self.inbox.clock()
        receiver = self.senders.get(route_of(path)) or _receiver_of(path)
        unknown = self.refuse_unknown(path, body, receiver, b"no_service")
        if unknown is not None:
            return unknown
        if not receiver:
            return self.reject(path, body, f"path {path!r} is not /services/<receiver>", b"no_service", 404)
        try:
            payload = json.loads(self._json_part(headers, body))
        except ValueError as err:
            return self.reject(path, body, f"body is not JSON: {err}", b"invalid_payload")
        code, problems = slack_payload_problems(payload)
        if code:
            return self.reject(path, body, "; ".join(problems), code.encode())
        declared = self.endpoint_at(path)
        channel = payload.get("channel", "")
        if declared is not None and declared.channel and channel and channel != declared.channel:
            # A webhook belongs to one channel; a message for another one never reaches it.
            return self.refuse(
                path,
                body,
                receiver,
                f"channel {channel} via {self.name}{path.split('?', 1)[0]}",
                f"this webhook posts to {declared.channel}, not {channel}",
                b"channel_not_found",
                404,
            )
        self.inbox.record(slack_notification(receiver, payload, body, received_at, path))
        return Reply(200, b"ok", "text/html")

    @staticmethod
    def _json_part(headers: Message, body: bytes) -> bytes:
        if headers.get_content_type() == "application/x-www-form-urlencoded":
            fields = parse_qs(body.decode("utf-8", "replace"))
            return fields.get("payload", [""])[0].encode()
        return body
