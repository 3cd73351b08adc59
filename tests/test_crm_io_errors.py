"""Bad CRM data: each case is one CrmDataError whose one line names the file and the column
or field, and reading it leaves every folder as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from laneforge.io import load_process
from laneforge.io.crm import (
    CrmDataError,
    CrmMap,
    check_mapping,
    load_mapping,
    read_export,
)

from conftest import REPO
from crmhelpers import LEAD1, salesforce_export, write_csv


def _listing(folder: Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(folder)), p.stat().st_size) for p in folder.rglob("*"))


def _refused(tmp_path: Path, paths: list[Path], **options) -> CrmDataError:
    """Read, expecting a refusal; the message is one line and nothing was written."""
    before = _listing(tmp_path)
    with pytest.raises(CrmDataError) as caught:
        read_export(paths, **options)
    error = caught.value
    assert "\n" not in str(error) and "Traceback" not in str(error)
    assert isinstance(error, ValueError)
    assert _listing(tmp_path) == before
    return error


def test_empty_folder(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    error = _refused(tmp_path, [folder])
    assert error.path == folder
    assert str(error).startswith(f"{folder}: the folder holds no CSV files")
    write_csv(folder, "notes.csv", "a,b\n1,2\n")  # CSVs, but none an export
    assert "no CRM export found" in str(_refused(tmp_path, [folder]))


def test_missing_file_and_no_paths(tmp_path: Path) -> None:
    error = _refused(tmp_path, [tmp_path / "nope.csv"])
    assert str(error) == f"{tmp_path / 'nope.csv'}: no such file or folder"
    assert "no export files" in str(_refused(tmp_path, []))


def test_missing_required_column(tmp_path: Path) -> None:
    folder = salesforce_export(tmp_path / "sf")
    lead = folder / "Lead.csv"
    lines = lead.read_text().splitlines()
    lead.write_text("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n")
    error = _refused(tmp_path, [folder])
    assert str(error) == f"{lead}: column 'CreatedDate' is missing"
    assert error.path == lead and error.field == "CreatedDate"


def test_salesforce_without_lead_history(tmp_path: Path) -> None:
    folder = salesforce_export(tmp_path / "sf")
    (folder / "LeadHistory.csv").unlink()
    error = _refused(tmp_path, [folder])
    assert "has no LeadHistory.csv" in str(error) and error.path == folder


@pytest.mark.parametrize(("content", "expected"), [
    (b"PK\x03\x04\x14\x00\x06\x00", "is an Excel workbook or a ZIP archive, not a CSV file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "is an old Excel workbook (.xls)"),
    (b"<html><body><table><tr><td>Lead ID</td></tr></table></body></html>",
     "looks like HTML, XML or JSON"),
    (b"Id,Status\x00\x01\x02", "holds binary data"),
    ("\ufeffId,Status".encode("utf-16-le"), "is UTF-16 text"),
    (b"", "the file is empty"),
])
def test_file_that_is_not_csv(tmp_path: Path, content: bytes, expected: str) -> None:
    folder = salesforce_export(tmp_path / "sf")
    (folder / "Lead.csv").write_bytes(content)
    error = _refused(tmp_path, [folder])
    assert str(error).startswith(f"{folder / 'Lead.csv'}: ")
    assert expected in str(error)


def test_non_utf8_text_names_the_file_and_row(tmp_path: Path) -> None:
    folder = salesforce_export(tmp_path / "sf")
    history = folder / "LeadHistory.csv"
    lines = history.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"Working - Contacted", b"Travaill\xe9")
    history.write_bytes(b"\n".join(lines))
    error = _refused(tmp_path, [folder])
    assert str(error).startswith(f"{history}, row 3: is not UTF-8 text (byte 0xE9 at position")
    assert error.row == 3
    assert '"encoding": "cp1252"' in str(error)


def test_date_that_does_not_parse_names_row_and_column(tmp_path: Path) -> None:
    folder = salesforce_export(tmp_path / "sf")
    history = folder / "LeadHistory.csv"
    rows = history.read_text().splitlines()
    rows += [f"0170000000000{i:02d}AAA,{LEAD1},,2025-03-06T10:00:00Z,Status,A,B"
             for i in range(8, 17)]
    rows[16] = rows[16].replace("2025-03-06T10:00:00Z", "31/02/2025")
    history.write_text("\n".join(rows) + "\n")
    error = _refused(tmp_path, [folder])
    assert str(error) == (f"{history}, row 17, column 'CreatedDate': cannot read "
                          "'31/02/2025' as a date")
    assert (error.path, error.row, error.field) == (history, 17, "CreatedDate")


@pytest.mark.parametrize(("column", "bad", "what"), [
    ("CallDurationInSeconds", "ten", "as a number"),
    ("IsClosed", "maybe", "as true or false"),
])
def test_bad_number_or_flag(tmp_path: Path, column: str, bad: str, what: str) -> None:
    folder = salesforce_export(tmp_path / "sf")
    write_csv(folder, "Task.csv", f"""
        WhoId,OwnerId,CreatedDate,TaskSubtype,{column}
        {LEAD1},x,2025-03-04T16:00:00Z,Call,{bad}
        """)
    error = _refused(tmp_path, [folder])
    assert str(error) == (f"{folder / 'Task.csv'}, row 2, column '{column}': cannot read "
                          f"'{bad}' {what}")


def test_blank_key_value(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "events.csv", """
        case_id,activity,timestamp
        A,MQL,2025-01-05T10:00:00
        ,SQL,2025-01-06T10:00:00
        """)
    error = _refused(tmp_path, [path])
    assert str(error) == f"{path}, row 3, column 'case_id': is empty"


def test_ragged_rows_and_unknown_kind(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "events.csv", """
        case_id,activity,timestamp
        A,MQL,2025-01-05T10:00:00
        A,SQL,2025-01-06T10:00:00,extra
        """)
    assert str(_refused(tmp_path, [path])).startswith(
        f"{path}, row 3: expected 3 columns, found 4")
    path.write_text("case_id,activity,timestamp,kind\nA,MQL,2025-01-05,milestone\n")
    assert str(_refused(tmp_path, [path])) == (
        f"{path}, row 2, column 'kind': unknown kind 'milestone' (expected stage, activity "
        "or owner)")


def test_unknown_file_named_explicitly(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "numbers.csv", "x,y\n1,2\n")
    assert str(_refused(tmp_path, [path])) == (
        f"{path}: is not a CRM export laneforge reads (its columns: x, y)")


def test_bad_options(tmp_path: Path) -> None:
    folder = salesforce_export(tmp_path / "sf")
    assert str(_refused(tmp_path, [folder], format="pipedrive")).startswith(
        "option 'format': unknown format 'pipedrive'")
    assert str(_refused(tmp_path, [folder], since="last spring")) == (
        "option 'since': cannot read 'last spring' as a date")
    assert "must be later than --since" in str(
        _refused(tmp_path, [folder], since="2025-05-01", until="2025-04-01"))
    assert str(_refused(tmp_path, [folder], since="2030-01-01")).endswith(
        "no lead was created inside --since/--until")


# --- MAP.json ------------------------------------------------------------------------------


def _map_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "MAP.json"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("text", "expected"), [
    ('{"stages": {"MQL": "Marketing Qualified"}}',
     "field 'stages.MQL': expected a list [...], got 'Marketing Qualified'"),
    ('{"timezone": "America/NewYork"}',
     "field 'timezone': unknown time zone 'America/NewYork'"),
    ('{"stage": {}}', "field 'stage': unknown field"),
    ('{"format": "pipedrive"}', "field 'format': unknown format 'pipedrive'"),
    ('{"encoding": "klingon"}', "field 'encoding': unknown text encoding 'klingon'"),
    ('{"stages": {}, }', "invalid JSON at line 1 column 16"),
    ('["stages"]', "expected a JSON object"),
])
def test_load_mapping_errors(tmp_path: Path, text: str, expected: str) -> None:
    path = _map_file(tmp_path, text)
    with pytest.raises(CrmDataError) as caught:
        load_mapping(path)
    assert str(caught.value).startswith(f"{path}")
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_load_mapping_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CrmDataError, match=r"MAP\.json: no such file"):
        load_mapping(tmp_path / "MAP.json")


@pytest.mark.parametrize(("mapping", "expected"), [
    ({"stages": {"MQLs": ["Marketing Qualified"]}},
     "field 'stages.MQLs': the process has no stage 'MQLs'; did you mean 'MQL'?"),
    ({"sources": {"Web": "website"}}, "field 'sources.Web': the process has no source node "
                                      "'website'"),
    ({"sources": {"Web": "first_call"}},
     "field 'sources.Web': the process has no source node 'first_call' (it has: inbound, "
     "webinar)"),
    ({"owners": {"role:SDR": "sdr_team"}},
     "field 'owners.role:SDR': the process has no lane 'sdr_team'"),
    ({"outcomes": {"Closed Won": "victory"}},
     "field 'outcomes.Closed Won': the process has no end node or outcome 'victory'"),
    ({"nodes": {"Nurture": "nurture"}}, "field 'nodes.Nurture': the process has no node "
                                        "'nurture'"),
    ({"activities": {"Call": "is_mql"}},
     "field 'activities.Call': the process has no task 'is_mql'"),
])
def test_mapping_to_a_node_or_lane_that_does_not_exist(mapping: dict, expected: str) -> None:
    process = load_process(REPO / "processes" / "lead-lifecycle.lane.json")
    with pytest.raises(CrmDataError) as caught:
        check_mapping(CrmMap.model_validate(mapping), process, path="MAP.json")
    assert str(caught.value).startswith(f"MAP.json, {expected}")


def test_no_lead_reaches_a_mapped_stage(tmp_path: Path) -> None:
    process = load_process(REPO / "processes" / "lead-lifecycle.lane.json")
    log = read_export([salesforce_export(tmp_path / "sf")])
    mapping = CrmMap(stages={"MQL": ["Marketing Qualified"]}, outcomes={"Won": "customer"})
    path = tmp_path / "MAP.json"
    with pytest.raises(CrmDataError) as caught:
        check_mapping(mapping, process, log, path=path)
    assert str(caught.value).startswith(
        f"{path}, field 'stages': no lead in the export reaches a mapped stage or status "
        "(the export has 'Open - Not Contacted', 'Working - Contacted',")
    good = CrmMap(stages={"MQL": ["working - contacted"]}, outcomes={"Closed Won": "won"})
    check_mapping(good, process, log)  # any case, and an outcome word, are fine


def test_saved_mapping_reads_back(tmp_path: Path) -> None:
    from laneforge.io.crm import save_mapping

    mapping = CrmMap(format="salesforce", stages={"MQL": ["Marketing Qualified"]},
                     owners={"role:SDR": "inside_sales"}, timezone="Europe/Berlin")
    path = tmp_path / "MAP.json"
    save_mapping(mapping, path)
    assert load_mapping(path) == mapping
    assert json.loads(path.read_text())["activities"] == {}
