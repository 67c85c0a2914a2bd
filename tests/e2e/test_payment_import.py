"""``etrakit-tui payment import FILE`` as staff meet it: one line per row, then the counts;
exit 0 (all applied or already applied), 1 (a row not applied), 2 (the file as a whole)."""

from __future__ import annotations

from pathlib import Path

from etrakit_tui.domain.payments.orders import create_order, orders_for_permit
from etrakit_tui.domain.payments.views import OrderState
from etrakit_tui.domain.store.db import Database
from tests.e2e.test_cli import assert_one_line_error, run
from tests.unit.payments_support import HEADER, scene


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_a_file_is_applied_once_and_every_row_gets_its_line(
    db: Database, sqlite_url: str, tmp_path: Path
) -> None:
    sc = scene(db)
    order = create_order(db, sc.a, ["B2611-001"])
    good = f"{order.number},116.00,2026-11-18T10:15:00-08:00,T-884213\n"
    settlement = write(tmp_path, "settlement.csv", HEADER + good)

    first = run("--db", sqlite_url, "payment", "import", settlement)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        f"line 2  {order.number}  T-884213  applied",
        "1 applied, 0 already applied, 0 not applied",
    ]
    assert orders_for_permit(db, sc.a, "B2611-001")[0].state is OrderState.PAID

    again = run("payment", "import", "--db", sqlite_url, settlement)
    assert again.returncode == 0
    assert again.stdout.splitlines() == [
        f"line 2  {order.number}  T-884213  already applied",
        "0 applied, 1 already applied, 0 not applied",
    ]

    mixed = write(tmp_path, "mixed.csv", HEADER + good + "PO-2611-0099,5.00,2026-11-18,T-2\n")
    result = run("--db", sqlite_url, "payment", "import", mixed)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"line 2  {order.number}  T-884213  already applied",
        "line 3  PO-2611-0099  T-2  not applied: there is no order PO-2611-0099",
        "0 applied, 1 already applied, 1 not applied",
    ]
    assert result.stderr == ""


def test_a_file_that_cannot_be_read_is_exit_2_and_one_line(
    db: Database, sqlite_url: str, tmp_path: Path
) -> None:
    scene(db)
    missing = run("--db", sqlite_url, "payment", "import", str(tmp_path / "nope.csv"))
    assert missing.returncode == 2
    assert_one_line_error(missing, "cannot read", "nope.csv")

    latin = write(tmp_path, "latin.csv", HEADER + "PO-2611-0001,1.00,2026-11-18,Café\n", "latin-1")
    wrong = run("--db", sqlite_url, "payment", "import", latin)
    assert wrong.returncode == 2 and wrong.stdout == ""
    assert_one_line_error(wrong, "latin.csv", "not UTF-8")

    columns = write(tmp_path, "columns.csv", "Ref,Amount\nPO-2611-0001,1.00\n")
    refused = run("--db", sqlite_url, "payment", "import", columns)
    assert refused.returncode == 2
    assert_one_line_error(refused, 'no "Order Number", "Paid At", "Transaction ID" columns')


def test_the_column_names_come_from_the_config(
    db: Database, sqlite_url: str, tmp_path: Path
) -> None:
    sc = scene(db)
    order = create_order(db, sc.a, ["B2611-002"])
    config = tmp_path / "city.toml"
    config.write_text('[settlement_columns]\norder = "Reference"\ntransaction = "Txn"\n')
    data = write(
        tmp_path,
        "mapped.csv",
        f"Reference,Amount,Paid At,Txn\n{order.number},50.00,2026-11-18T10:15:00Z,T-5\n",
    )
    result = run("--config", str(config), "--db", sqlite_url, "payment", "import", data)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"line 2  {order.number}  T-5  applied"
