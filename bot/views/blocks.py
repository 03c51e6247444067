"""Block Kit primitives, mrkdwn escaping, and the one guard every message passes.

Blocks are plain dicts (`Block`), built by small functions. `guard()` enforces Slack's documented
limits on a whole message, truncating visibly ("…") instead of letting Slack answer `invalid_blocks`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "LIMITS",
    "Block",
    "actions",
    "button",
    "context",
    "divider",
    "esc",
    "fields_section",
    "guard",
    "header",
    "link",
    "message",
    "section",
    "truncate",
]

Block = dict[str, Any]

LIMITS = {
    "blocks": 50,
    "modal_blocks": 100,
    "section_text": 3000,
    "field_text": 2000,
    "fields": 10,
    "header": 150,
    "button_text": 75,
    "value": 2000,
    "action_id": 255,
    "block_id": 255,
    "context_elements": 10,
    "actions_elements": 25,
    "modal_title": 24,
    "private_metadata": 3000,
    "fallback_text": 3000,
    "option_text": 75,
}

ELLIPSIS = "…"


def esc(text: object) -> str:
    """Escape outside text for mrkdwn, so `<!channel>` or `<url|label>` stays inert text."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """Cut `text` to `limit` characters, ending with a visible ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    # Do not leave half an escape sequence (`&am`) behind.
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:] and len(cut) - amp < 6:
        cut = cut[:amp]
    return cut + ELLIPSIS


def link(url: str, label: str) -> str:
    """A mrkdwn link; the label is escaped, the URL has its `|` and `>` removed."""
    safe_url = url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
    return f"<{safe_url}|{esc(label)}>"


def section(text: str, *, accessory: Block | None = None, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if accessory:
        block["accessory"] = accessory
    if block_id:
        block["block_id"] = block_id
    return block


def fields_section(fields: Iterable[tuple[str, str]], *, text: str | None = None) -> Block:
    """A section of `*label*\\nvalue` fields; values must already be escaped."""
    block: Block = {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": f"*{label}*\n{value}"} for label, value in fields],
    }
    if text:
        block["text"] = {"type": "mrkdwn", "text": text}
    return block


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text or " ", "emoji": True}}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": t} for t in texts if t]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str,
    action_id: str,
    *,
    value: str | None = None,
    url: str | None = None,
    style: str | None = None,
    confirm: Block | None = None,
) -> Block:
    b: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id,
    }
    if value is not None:
        b["value"] = value
    if url:
        b["url"] = url
    if style:
        b["style"] = style
    if confirm:
        b["confirm"] = confirm
    return b


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def message(text: str, blocks: Sequence[Block]) -> dict[str, Any]:
    """A message payload (fallback text plus blocks), passed through the guard."""
    return guard({"text": text, "blocks": list(blocks)})


# --- the guard ---------------------------------------------------------------------------------


def _cap_text(obj: Block, key: str, limit: int) -> None:
    t = obj.get(key)
    if isinstance(t, dict) and isinstance(t.get("text"), str):
        t["text"] = truncate(t["text"], limit) or " "
    elif isinstance(t, str):
        obj[key] = truncate(t, limit)


def _guard_element(el: Block) -> None:
    if el.get("type") == "button":
        _cap_text(el, "text", LIMITS["button_text"])
    for key in ("action_id",):
        if key in el:
            el[key] = el[key][: LIMITS["action_id"]]
    if "value" in el and isinstance(el["value"], str):
        el["value"] = el["value"][: LIMITS["value"]]
    for opt in el.get("options", []) or []:
        _cap_text(opt, "text", LIMITS["option_text"])
        if isinstance(opt.get("value"), str):
            opt["value"] = opt["value"][: LIMITS["value"]]


def _guard_block(block: Block) -> None:
    kind = block.get("type")
    if "block_id" in block:
        block["block_id"] = block["block_id"][: LIMITS["block_id"]]
    if kind == "header":
        _cap_text(block, "text", LIMITS["header"])
    elif kind == "section":
        _cap_text(block, "text", LIMITS["section_text"])
        if "fields" in block:
            block["fields"] = block["fields"][: LIMITS["fields"]]
            for f in block["fields"]:
                f["text"] = truncate(f["text"], LIMITS["field_text"]) or " "
        if "accessory" in block:
            _guard_element(block["accessory"])
    elif kind == "context":
        block["elements"] = block["elements"][: LIMITS["context_elements"]]
        for e in block["elements"]:
            if "text" in e:
                e["text"] = truncate(e["text"], LIMITS["section_text"]) or " "
    elif kind == "actions":
        block["elements"] = block["elements"][: LIMITS["actions_elements"]]
        for e in block["elements"]:
            _guard_element(e)
    elif kind == "input":
        _cap_text(block, "label", 2000)
        if "element" in block:
            _guard_element(block["element"])


def guard(payload: dict[str, Any], *, modal: bool = False) -> dict[str, Any]:
    """Make `payload` (a message or a modal view) fit Slack's limits, visibly.

    Too many blocks: the tail is replaced by one context block saying how many were left out.
    Over-long texts end in "…". Empty texts become a space, which Slack accepts.
    """
    blocks: list[Block] = payload.get("blocks") or []
    cap = LIMITS["modal_blocks"] if modal else LIMITS["blocks"]
    if len(blocks) > cap:
        hidden = len(blocks) - (cap - 1)
        blocks = [*blocks[: cap - 1], context(f"{ELLIPSIS} {hidden} more blocks not shown")]
    for block in blocks:
        _guard_block(block)
    payload["blocks"] = blocks
    if isinstance(payload.get("text"), str):
        payload["text"] = truncate(payload["text"], LIMITS["fallback_text"])
    if modal:
        _cap_text(payload, "title", LIMITS["modal_title"])
        _cap_text(payload, "submit", LIMITS["modal_title"])
        _cap_text(payload, "close", LIMITS["modal_title"])
        if len(payload.get("private_metadata", "")) > LIMITS["private_metadata"]:
            raise ValueError("private_metadata over Slack's 3000 characters: carry less state")
    return payload
