"""Airflow variables as Prefect variables.

- key: the Prefect variable name is `VARIABLE_NAMES.to_prefect(key)`
  (app/translate/prefect_names.py): `my_var` stays `my_var`, `Env.HOST` is
  `-env-1-h-o-s-t`; a flow reads it with `Variable.get("-env-1-h-o-s-t")`.
- value: Airflow values are strings and are stored as Prefect string values,
  so a flow reads exactly the string Airflow wrote. A variable made in Prefect
  with another JSON value (a number, an object...) reads back as its JSON
  text (`{"a": 1}`), which is what Airflow's `deserialize_json=True` expects.
- description: Prefect variables have none; it is kept in one tag,
  `airflow-description:` + the text. Other tags are the Prefect user's and
  are left as they are.
- order_by: `key` is Prefect's name order (the byte order of the keys, except
  that capitals and punctuation other than `_` sort before digits and lower
  case); `id` is creation order (Prefect sorts newest first; ascending pages
  are read from the end). `value`: Prefect cannot sort by it, so the bridge
  reads every variable (one call per 200, at most SCAN_LIMIT) and sorts them.
"""

from __future__ import annotations

import json
from typing import Any

from app.prefect.models import Variable as PrefectVariable
from app.translate.airflow import Variable
from app.translate.ordering import Order, parse_order_by, postgres_sorted
from app.translate.paging import Page
from app.translate.prefect_names import VARIABLE_NAMES

DESCRIPTION_TAG = "airflow-description:"
AIRFLOW_ORDER_KEYS = ("value", "key", "id")


def prefect_variable_to_variable(variable: PrefectVariable) -> Variable:
    return Variable(
        key=VARIABLE_NAMES.to_airflow(variable.name),
        value=airflow_value(variable.value),
        description=description_of(variable.tags),
    )


def airflow_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def description_of(tags: list[str]) -> str | None:
    return next((tag.removeprefix(DESCRIPTION_TAG) for tag in tags if tag.startswith(DESCRIPTION_TAG)), None)


def tags_with_description(tags: list[str], description: str | None) -> list[str]:
    """`tags` with the description tag replaced (dropped when `description` is None)."""
    kept = [tag for tag in tags if not tag.startswith(DESCRIPTION_TAG)]
    return kept if description is None else [*kept, DESCRIPTION_TAG + description]


def variable_order(order_by: str) -> Order:
    """Airflow's order; `value` is sorted by the bridge (Prefect cannot sort variables by value)."""
    return parse_order_by(order_by, AIRFLOW_ORDER_KEYS)


def sort_by_value(variables: list[Variable], order: Order) -> list[Variable]:
    """By the value's text, as Airflow without a Fernet key orders its `val` column (with one, it orders ciphertext)."""
    return postgres_sorted(variables, lambda variable: variable.value, descending=order.descending)


def variable_sort(order: Order) -> str:
    """Prefect's sort for the order; `id` ascending is CREATED_DESC read from the end (see `from_the_end`)."""
    if order.key == "key":
        return "NAME_DESC" if order.descending else "NAME_ASC"
    return "CREATED_DESC"


def from_the_end(page: Page, total: int) -> Page:
    """The window of a newest-first list that holds `page` of the oldest-first list, reversed."""
    end = max(total - page.offset, 0)
    start = max(end - page.limit, 0)
    return Page(offset=start, limit=end - start)
