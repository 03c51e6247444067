"""One check of Slack's Block Kit limits, for messages and modals alike (DESIGN.md §3)."""

from __future__ import annotations

from typing import Any

MESSAGE_BLOCKS = 50
MODAL_BLOCKS = 100
SECTION_TEXT = 3000
FIELD_TEXT = 2000
FIELDS = 10
HEADER_TEXT = 150
BUTTON_TEXT = 75
OPTION_TEXT = 75
VALUE = 2000
ID = 255
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
MODAL_TITLE = 24
PRIVATE_METADATA = 3000


def _text(obj: dict[str, Any], key: str = "text") -> str:
    value = obj[key]
    return value["text"] if isinstance(value, dict) else value


def _check_element(element: dict[str, Any], where: str) -> None:
    assert len(element.get("action_id", "")) <= ID, f"{where}: action_id too long"
    assert len(element.get("value", "")) <= VALUE, f"{where}: value too long"
    if element["type"] == "button":
        assert 0 < len(_text(element)) <= BUTTON_TEXT, f"{where}: button text {_text(element)!r}"
    for option in element.get("options", []):
        assert 0 < len(_text(option)) <= OPTION_TEXT, f"{where}: option text {_text(option)!r}"
        assert len(option["value"]) <= VALUE, f"{where}: option value too long"


def _check_block(block: dict[str, Any], where: str) -> None:
    assert len(block.get("block_id", "")) <= ID, f"{where}: block_id too long"
    kind = block["type"]
    if kind == "header":
        assert 0 < len(_text(block)) <= HEADER_TEXT, f"{where}: header length {len(_text(block))}"
    elif kind == "section":
        assert "text" in block or "fields" in block, f"{where}: empty section"
        if "text" in block:
            assert 0 < len(_text(block)) <= SECTION_TEXT, f"{where}: section text length {len(_text(block))}"
        fields = block.get("fields", [])
        assert len(fields) <= FIELDS, f"{where}: {len(fields)} fields"
        for field in fields:
            assert 0 < len(_text(field)) <= FIELD_TEXT, f"{where}: field length {len(_text(field))}"
        if "accessory" in block:
            _check_element(block["accessory"], where)
    elif kind == "context":
        assert 0 < len(block["elements"]) <= CONTEXT_ELEMENTS, f"{where}: {len(block['elements'])} context elements"
        for element in block["elements"]:
            assert 0 < len(_text(element)) <= SECTION_TEXT, f"{where}: context text too long"
    elif kind == "actions":
        assert 0 < len(block["elements"]) <= ACTIONS_ELEMENTS, f"{where}: {len(block['elements'])} actions"
        for element in block["elements"]:
            _check_element(element, where)
    elif kind == "input":
        _check_element(block["element"], where)


def assert_within_limits(payload: dict[str, Any]) -> None:
    """Fail with the first of Slack's limits `payload` (a message, or a view with type "modal" or
    "home": a Home tab holds 100 blocks as a modal does) breaks."""
    modal = payload.get("type") == "modal"
    view = modal or payload.get("type") == "home"
    blocks = payload["blocks"]
    cap = MODAL_BLOCKS if view else MESSAGE_BLOCKS
    assert 0 < len(blocks) <= cap, f"{len(blocks)} blocks (at most {cap})"
    for index, block in enumerate(blocks):
        _check_block(block, f"block {index} ({block['type']})")
    if modal:
        assert 0 < len(_text(payload, "title")) <= MODAL_TITLE, f"modal title {_text(payload, 'title')!r}"
        for key in ("submit", "close"):
            if key in payload:
                assert 0 < len(_text(payload, key)) <= MODAL_TITLE, f"modal {key} too long"
        assert len(payload.get("private_metadata", "")) <= PRIVATE_METADATA, "private_metadata too long"
    elif not view:
        assert payload["text"], "a message needs fallback text for notifications"
