"""Read a message the way a person does: its visible text and its buttons."""

from __future__ import annotations

from typing import Any


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text"):
            return [node["text"]]
        return [s for key, value in node.items() if key not in ("value", "url") for s in _strings(value)]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item)]
    return []


def visible_text(payload: dict[str, Any]) -> str:
    """Every text a person can see in the blocks (and the notification text), one per line."""
    return "\n".join([payload.get("text", ""), *_strings(payload["blocks"])])


def elements(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The interactive elements of every actions block and section accessory."""
    found: list[dict[str, Any]] = []
    for block in payload["blocks"]:
        found.extend(block.get("elements", []) if block["type"] == "actions" else [])
        if "accessory" in block:
            found.append(block["accessory"])
    return found


def button(payload: dict[str, Any], action_id: str) -> dict[str, Any] | None:
    """The button with this action id, or None."""
    return next((e for e in elements(payload) if e.get("action_id") == action_id), None)


def sections(payload: dict[str, Any]) -> list[str]:
    """The texts of the section blocks, in order."""
    return [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section" and "text" in b]


def field(payload: dict[str, Any], label: str) -> str:
    """The value of the field `*label*`, from any fields section."""
    for block in payload["blocks"]:
        for f in block.get("fields", []):
            head, _, value = f["text"].partition("\n")
            if head == f"*{label}*":
                return value
    raise AssertionError(f"no field {label!r}")


def assert_inert(payload: dict[str, Any]) -> None:
    """The outside text `builders.EVIL` shows as text: it pings no one and links nowhere."""
    text = visible_text(payload)
    assert "<!" not in text
    assert "<@U123>" not in text
    assert "<https://evil.example" not in text
    assert "&lt;!channel&gt;" in text
    assert "&amp; co" in text
