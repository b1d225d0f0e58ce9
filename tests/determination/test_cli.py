"""`jiuzhu determine` (called through main(argv)): JSON lines in, one result per line out."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from jiuzhu.engine.determination.cli import main
from jiuzhu.engine.determination.sample import random_households

from .conftest import write_snapshot

AS_OF = date(2026, 1, 15)


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_results_in_input_order_with_errors_per_line(tmp_path: Path) -> None:
    hs = random_households(6, 11, AS_OF)
    lines = [json.dumps(h, ensure_ascii=False) for h in hs]
    bad_json = '{"household_id": "X", '
    no_members = json.dumps({**hs[0], "household_id": "NM", "members": []})
    unknown = json.dumps({**hs[1], "household_id": "UC", "county_code": "369999"})
    floaty = json.loads(json.dumps(hs[2]))
    floaty["household_id"] = "FL"
    floaty["income_items"] = [{"income_type": "wages", "amount": 100.5}]
    lines[1:1] = [bad_json]
    lines += [no_members, unknown, json.dumps(floaty)]
    out = tmp_path / "out.jsonl"
    rc = main(["determine", "--input", str(_write(tmp_path / "in.jsonl", lines)), "--as-of", "2026-01-15", "--output", str(out)])
    assert rc == 1
    res = [json.loads(x) for x in out.read_text("utf-8").splitlines()]
    assert [r["line"] for r in res] == list(range(1, len(lines) + 1))
    assert res[1]["error"]["code"] == "json" and "第2行" in res[1]["error"]["message_zh"]
    by_id = {r["household_id"]: r for r in res if r.get("household_id")}
    assert by_id["NM"]["error"]["field"] == "members"
    assert by_id["UC"]["error"]["field"] == "county_code" and "369999" in by_id["UC"]["error"]["message_zh"]
    assert by_id["FL"]["error"]["field"] == "income_items[0].amount"
    assert "line" in by_id["FL"]["error"]["message_en"]
    for h in hs:
        r = by_id[h["household_id"]]
        assert "error" not in r
        assert set(r) >= {"household_id", "categories", "benefits", "parameter_version"}
        assert all(isinstance(v, str) for v in r["benefits"].values())
        assert "explanation" not in r


def test_explain_flag_and_clean_exit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hs = random_households(3, 12, AS_OF)
    hs = [h for h in hs if any(not m.get("in_prison") for m in h["members"])]
    inp = _write(tmp_path / "in.jsonl", [json.dumps(h, ensure_ascii=False) for h in hs])
    rc = main(["--input", str(inp), "--as-of", "2026-01-15", "--explain"])
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert rc == 0 and len(out) == len(hs)
    assert all("explanation" in r and r["explanation"]["summary_zh"].startswith("认定结果") for r in out)


def test_as_of_before_parameters_is_an_error_per_line(tmp_path: Path) -> None:
    hs = random_households(2, 13, AS_OF)
    inp = _write(tmp_path / "in.jsonl", [json.dumps(h) for h in hs])
    out = tmp_path / "o.jsonl"
    assert main(["--input", str(inp), "--as-of", "2020-01-01", "--output", str(out)]) == 1
    res = [json.loads(x) for x in out.read_text("utf-8").splitlines()]
    assert len(res) == 2
    assert all(r["error"]["code"] in ("before_first_value", "json") or r["error"]["field"] for r in res)
    assert all(r["error"]["field"] in ("as_of", "members[0].birth_date", "members[1].birth_date", "members[2].birth_date") for r in res)


def test_what_if_override_changes_version(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    h = {"household_id": "W", "county_code": "360102", "area_type": "urban",
         "members": [{"member_id": "A", "birth_date": "1980-01-01"}],
         "income_items": [{"income_type": "wages", "amount": "19200.00"}]}
    inp = _write(tmp_path / "in.jsonl", [json.dumps(h)])
    main(["--input", str(inp), "--as-of", "2026-01-15"])
    base = json.loads(capsys.readouterr().out)
    main(["--input", str(inp), "--as-of", "2026-01-15", "--set", "dibao.marginal_multiplier=1.7"])
    what_if = json.loads(capsys.readouterr().out)
    assert base["categories"] == [] and what_if["categories"] == ["marginal"]
    assert base["parameter_version"] != what_if["parameter_version"]


def test_snapshot_batch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_snapshot(random_households(50, 14, AS_OF), AS_OF, tmp_path / "snap")
    rc = main(["--snapshot", str(tmp_path / "snap"), "--as-of", "2026-01-15", "--output", str(tmp_path / "r.parquet")])
    summary = json.loads(capsys.readouterr().out)
    assert summary["households"] == 50 and (tmp_path / "r.parquet").exists()
    assert rc == (1 if summary["errors"] else 0)
