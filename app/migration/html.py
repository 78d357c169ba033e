"""The page shell shared by the compare report and the status page: one self-contained HTML file (pure).

No external assets: the style is inline, charts are inline SVG, nothing is
fetched, so the file reads the same from a CI artifact, an e-mail or a
closed network. Every value from either system goes through `escape`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from html import escape as _escape

AIRFLOW_COLOUR = "#017cee"  # Airflow's blue
PREFECT_COLOUR = "#2c2a64"  # Prefect's navy
BAD_COLOUR = "#c62828"
GOOD_COLOUR = "#2e7d32"

STYLE = f"""
:root {{ color-scheme: light; }}
body {{ font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1d2330;
  background: #f5f6f8; }}
main {{ max-width: 1100px; margin: 0 auto; padding: 24px; }}
h1 {{ font-size: 24px; margin: 0 0 4px; }}
h2 {{ font-size: 18px; margin: 0 0 8px; }}
.sub {{ color: #5b6478; margin: 0 0 20px; }}
section.card {{ background: #fff; border: 1px solid #e1e4ea; border-radius: 8px; padding: 16px 20px;
  margin: 0 0 18px; }}
table {{ border-collapse: collapse; width: 100%; font-size: 14px; }}
th, td {{ text-align: left; padding: 6px 10px; border-bottom: 1px solid #eceef2; vertical-align: top; }}
th {{ font-weight: 600; color: #5b6478; background: #fafbfc; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
code {{ font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; }}
.badge {{ display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600;
  color: #fff; }}
.ok {{ background: {GOOD_COLOUR}; }}
.bad {{ background: {BAD_COLOUR}; }}
.muted {{ background: #8a93a6; }}
.airflow {{ background: {AIRFLOW_COLOUR}; }}
.prefect {{ background: {PREFECT_COLOUR}; }}
.shadow {{ background: #8e44ad; }}
.legend span {{ display: inline-block; margin-right: 14px; font-size: 13px; color: #5b6478; }}
.legend i {{ display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; }}
.progress {{ height: 14px; background: #e6e9ef; border-radius: 7px; overflow: hidden; margin: 8px 0 4px; }}
.progress > div {{ height: 100%; background: {GOOD_COLOUR}; }}
.big {{ font-size: 28px; font-weight: 700; margin: 0; }}
h3 {{ font-size: 14px; color: #5b6478; margin: 16px 0 6px; font-weight: 600; }}
.warning {{ background: #fdecea; border: 1px solid #f5c2bd; color: {BAD_COLOUR}; border-radius: 6px;
  padding: 8px 12px; }}
svg text {{ font: 11px system-ui, sans-serif; fill: #5b6478; }}
"""


def moment(value: datetime | str | None) -> str:
    """A date for people: `2025-01-31 06:00 UTC` (the JSON keeps full ISO 8601)."""
    if value is None:
        return ""
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return str(value)  # shown as stored rather than not at all
    return parsed.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def escape(value: object) -> str:
    return _escape("" if value is None else str(value), quote=True)


def page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>\n"
        f"<body><main>\n{body}\n</main></body></html>\n"
    )


def html_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    numeric: Iterable[int] = (),
    row_ids: Sequence[str] | None = None,
) -> str:
    """A table of already-escaped cells; columns listed in `numeric` align right; rows may carry ids."""
    right = set(numeric)

    def cell(tag: str, index: int, content: str) -> str:
        return f'<{tag} class="num">{content}</{tag}>' if index in right else f"<{tag}>{content}</{tag}>"

    def row(number: int, cells: Sequence[str]) -> str:
        opening = f'<tr id="{escape(row_ids[number])}">' if row_ids else "<tr>"
        return opening + "".join(cell("td", index, content) for index, content in enumerate(cells)) + "</tr>"

    head = "".join(cell("th", index, escape(header)) for index, header in enumerate(headers))
    body = "".join(row(number, cells) for number, cells in enumerate(rows))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def badge(text: str, kind: str) -> str:
    return f'<span class="badge {escape(kind)}">{escape(text)}</span>'
