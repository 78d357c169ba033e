"""`airflow-prefect-bridge tokens list|revoke`: the API tokens kept in Prefect, for an operator.

Reads PREFECT_API_URL and PREFECT_API_KEY like the bridge. A revoked token
is refused by every replica within BRIDGE_IDENTITY_CHECK_SECONDS. Exit
status: 0 done, 1 a token to revoke was not found, 2 usage, 3 Prefect
could not be read.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from uuid import UUID

from app.errors import UpstreamError
from app.prefect import PrefectClient
from app.services.blocks import BlockTypes
from app.services.users import UserStore
from app.settings import Settings
from app.translate.users import TokenRecord


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "tokens",
        help="list or revoke the API tokens issued by POST /auth/token",
        description="List the API tokens kept in Prefect (never the tokens themselves: Prefect holds their "
        "hashes), or revoke them by id or by user. Honours PREFECT_API_URL and PREFECT_API_KEY.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", help="id, user, issued, expires and state of every token")
    revoke = actions.add_parser("revoke", help="revoke tokens by id (from `tokens list`) or every token of a user")
    revoke.add_argument("ids", nargs="*", metavar="ID")
    revoke.add_argument("--user", help="revoke every token of this user")


def run_tokens(arguments: argparse.Namespace) -> int:
    if arguments.action == "revoke" and not arguments.ids and not arguments.user:
        print("airflow-prefect-bridge tokens revoke: name token ids or --user", file=sys.stderr)
        return 2
    api_url = os.environ.get("PREFECT_API_URL") or Settings.model_fields["prefect_api_url"].default
    client = PrefectClient(api_url, api_key=os.environ.get("PREFECT_API_KEY"))
    store = UserStore(client, BlockTypes(client), check_seconds=0, role_exists=lambda _name: True, admin=None)
    try:
        tokens = store.list_tokens()
        if arguments.action == "list":
            for document_id, record in tokens:
                print(f"{document_id}  {record.username}  issued {_when(record.created)}  "
                      f"expires {_when(record.expires)}  {_state(record)}")
            return 0
        return _revoke(store, tokens, arguments.ids, arguments.user)
    except UpstreamError as error:
        print(f"airflow-prefect-bridge tokens: Prefect could not be read: {error}", file=sys.stderr)
        return 3
    finally:
        client.close()


def _revoke(store: UserStore, tokens: list[tuple[UUID, TokenRecord]], ids: list[str], user: str | None) -> int:
    chosen = {str(document_id) for document_id, record in tokens if user and record.username.lower() == user.lower()}
    known = {str(document_id) for document_id, _ in tokens}
    missing = [each for each in ids if each not in known]
    for each in missing:
        print(f"no such token: {each}", file=sys.stderr)
    for document_id in sorted(chosen | (set(ids) - set(missing))):
        store.revoke_token(document_id=UUID(document_id))
        print(f"revoked {document_id}")
    return 1 if missing else 0


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _state(record: TokenRecord) -> str:
    if record.revoked:
        return "revoked"
    return "expired" if record.expires <= datetime.now(UTC) else "valid (while its user keeps its password)"
