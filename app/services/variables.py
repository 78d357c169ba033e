"""Variables: Airflow variables kept as Prefect variables (rules: app/translate/variables.py).

Upstream cost: a page is two calls (count, then the rows); reading or
deleting one variable is one call; creating is one (three when the key
exists and Airflow's overwrite applies); updating is two.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import BadRequest, NotFound
from app.prefect import PrefectClient, PrefectRequestError
from app.prefect.models import Variable as PrefectVariable
from app.services.pages import fetching, read_bounded, read_window
from app.translate.airflow import Variable
from app.translate.ordering import Order
from app.translate.paging import Page
from app.translate.prefect_names import VARIABLE_NAMES
from app.translate.variables import (
    from_the_end,
    prefect_variable_to_variable,
    sort_by_value,
    tags_with_description,
    variable_sort,
)

UNSET = object()


@dataclass(frozen=True)
class VariablePage:
    variables: list[Variable]
    total: int


def variable_not_found() -> NotFound:
    return NotFound("Variable does not exist", title="Variable not found")


class VariableService:
    def __init__(self, client: PrefectClient) -> None:
        self.client = client

    def list_variables(self, order: Order, page: Page) -> VariablePage:
        """A page: count and rows (two calls); by `value`, every variable read and sorted here."""
        if order.key == "value":
            rows = read_bounded(fetching(self.client.filter_variables, {"sort": "NAME_ASC"}), "variables")
            ordered = sort_by_value([prefect_variable_to_variable(row) for row in rows], order)
            return VariablePage(ordered[page.offset : page.offset + page.limit], len(ordered))
        total = self.client.count_variables({})
        sort = variable_sort(order)
        oldest_first = order.key == "id" and not order.descending
        window = from_the_end(page, total) if oldest_first else page

        rows = read_window(fetching(self.client.filter_variables, {"sort": sort}), window) if window.limit else []
        if oldest_first:
            rows.reverse()
        return VariablePage([prefect_variable_to_variable(row) for row in rows], total)

    def get(self, key: str) -> Variable:
        return prefect_variable_to_variable(self._read(key))

    def set(self, variable: Variable) -> Variable:
        """Create the variable, or overwrite the one with its key, as Airflow's POST does."""
        name = VARIABLE_NAMES.to_prefect(variable.key)
        if not VARIABLE_NAMES.fits(name):
            raise BadRequest(
                f"The key cannot be stored in Prefect: its Prefect variable name '{name}' is longer than "
                f"{VARIABLE_NAMES.max_length} characters or empty",
                title="Invalid Variable schema",
            )
        try:
            self.client.create_variable(name, variable.value, tags_with_description([], variable.description))
        except PrefectRequestError as error:
            if error.prefect_status != 409:
                raise _refused(error) from None
            self.update(variable.key, variable.value, variable.description)
        return variable

    def update(self, key: str, value: str | object = UNSET, description: str | None | object = UNSET) -> Variable:
        """Change the value and/or the description (UNSET: leave it)."""
        current = self._read(key)
        changes: dict[str, object] = {}
        if value is not UNSET:
            changes["value"] = value
        if description is not UNSET:
            changes["tags"] = tags_with_description(current.tags, description)  # type: ignore[arg-type]
        if changes:
            try:
                self.client.update_variable(current.name, changes)
            except PrefectRequestError as error:
                raise variable_not_found() if error.prefect_status == 404 else _refused(error) from None
        return prefect_variable_to_variable(current.model_copy(update=changes))

    def delete(self, key: str) -> None:
        name = VARIABLE_NAMES.to_prefect(key)
        if not VARIABLE_NAMES.fits(name):
            raise NotFound(title="Variable not found")
        try:
            self.client.delete_variable(name)
        except PrefectRequestError as error:
            if error.prefect_status == 404:
                raise NotFound(title="Variable not found") from None
            raise

    def _read(self, key: str) -> PrefectVariable:
        name = VARIABLE_NAMES.to_prefect(key)
        if not VARIABLE_NAMES.fits(name):
            raise variable_not_found()
        try:
            return self.client.read_variable_by_name(name)
        except PrefectRequestError as error:
            if error.prefect_status == 404:
                raise variable_not_found() from None
            raise


def _refused(error: PrefectRequestError) -> Exception:
    """Prefect's 422 on a value it will not keep (over 5000 characters of JSON) is the client's 400."""
    if error.prefect_status == 422:
        return BadRequest(f"Prefect refused the variable: {error.prefect_detail}", title="Invalid Variable schema")
    return error
