"""Staff accounts from the command line (`make staff-user NAME=...`, `make staff-token NAME=...`).

    python -m bot.staff_cli create-user NAME     asks for the password twice (one line of stdin in scripts)
    python -m bot.staff_cli create-token NAME    prints a new API token for the JSON API, once
    python -m bot.staff_cli migrate              brings DATABASE_URL to the latest schema
    python -m bot.staff_cli purge                erases tickets resolved longer ago than the retention period
                                                 (`make run` does this daily; with several instances, run it from cron)
"""
from __future__ import annotations

import argparse
import getpass
import sys

from bot import config, db, staff_accounts, tickets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.staff_cli", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("create-user", help="create a staff account").add_argument("name")
    commands.add_parser("create-token", help="print a new API token for an account").add_argument("name")
    commands.add_parser("migrate", help="bring the database to the latest schema")
    commands.add_parser("purge", help="erase tickets resolved longer ago than the retention period")
    args = parser.parse_args(argv)

    if args.command == "migrate":
        db.migrate(config.DATABASE_URL)
        print("Database is up to date.")
        return 0
    sessions = db.connect(config.DATABASE_URL)
    if args.command == "purge":
        print(f"Erased {tickets.purge_expired(sessions)} expired ticket(s).")
        return 0
    try:
        if args.command == "create-user":
            password = _read_password()
            staff_accounts.create_user(sessions, args.name, password)
            print(f"Created staff user {args.name!r}.")
        else:
            print(staff_accounts.create_api_token(sessions, args.name))
    except staff_accounts.AccountError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _read_password() -> str:
    """Twice from the terminal; one line from standard input when it is not a terminal (scripts)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Repeat the password: ") != password:
        raise staff_accounts.AccountError("The passwords do not match.")
    return password


if __name__ == "__main__":
    sys.exit(main())
