"""What every CRM reader shares: the error type, header matching by API name or display label,
timestamp parsing (with or without zone, plain dates), and chunked CSV reading with progress.

A reader describes the columns it wants as :class:`Col` (the API name, the labels an export may
use instead, the kind of value) and gets back one typed DataFrame per table; every problem in
a file becomes one :class:`CrmDataError` whose text names the file, the row and the column.
"""

from __future__ import annotations

import codecs
import io
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from .eventlog import SourceFile

#: ``progress(label, done, total)``: a reader reports bytes read of each file
Progress = Callable[[str, int, int], None]

#: rows per chunk: a 1-million-row file is read in five pieces, each parsed and typed on its own
CHUNK_ROWS = 200_000
#: files with more columns are read column-selectively (rows of the wrong width go unnoticed)
WIDE = 40


class CrmDataError(ValueError):
    """A CRM export (or its MAP.json) that cannot be used; ``str()`` is one line naming the
    file, the row and the column or field: ``LeadHistory.csv, row 17, column 'CreatedDate':
    cannot read '31/02/2025' as a date``."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        message: str,
        *,
        field: str | None = None,
        row: int | None = None,
        label: str = "column",
    ) -> None:
        self.path = None if path is None else Path(path)
        self.field = field
        self.row = row
        self.message = message
        self._label = label
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [str(self.path)] if self.path is not None else []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None and f"'{self.field}'" not in self.message:
            where.append(f"{self._label} '{self.field}'")
        return ", ".join(where) + ": " + self.message if where else self.message


def missing_column(path: Path, name: str, *alternatives: str) -> CrmDataError:
    """``Lead.csv: column 'CreatedDate' is missing`` (``or 'ActivityDate'``)."""
    extra = "".join(f" (or '{a}')" for a in alternatives)
    return CrmDataError(path, f"column '{name}' is missing{extra}", field=name)


# --- headers -------------------------------------------------------------------------------


def normalize(text: object) -> str:
    """'Lead ID', 'LeadId', 'lead_id' -> 'leadid': API names and labels compare equal."""
    return re.sub(r"[^0-9a-z]", "", str(text).casefold())


@dataclass(frozen=True)
class Col:
    """A column a reader wants: its API name (used in messages), other spellings, its kind."""

    name: str
    aliases: tuple[str, ...] = ()
    kind: str = "text"  # text | time | number | bool
    required: bool = False
    #: required, and no row may leave it blank (ids, creation times)
    key: bool = False

    def spellings(self) -> tuple[str, ...]:
        return tuple(normalize(n) for n in (self.name, *self.aliases))


def match_columns(header: Sequence[str], wanted: Sequence[Col]) -> dict[str, str]:
    """API name -> the header as written, for the wanted columns the header has."""
    by_key: dict[str, str] = {}
    for column in header:
        by_key.setdefault(normalize(column), column)
    found: dict[str, str] = {}
    for col in wanted:
        for key in col.spellings():
            if key in by_key:
                found[col.name] = by_key[key]
                break
    return found


# --- time ----------------------------------------------------------------------------------

_ZONED = re.compile(r"\d[T ]\d\d:\d\d.*(?:Z|[+-]\d\d(?::?\d\d)?)$", re.IGNORECASE)


def check_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (expected a name such as "
                         "'America/New_York' or 'UTC')") from None


def parse_times(values: pd.Series, timezone: str) -> pd.Series:
    """ISO 8601 text -> naive local ``datetime64[ns]``; NaT where a value does not parse.

    A value with a zone (``Z``, ``+02:00``) is converted to ``timezone``; one without is taken
    as already local; a plain date is midnight local.
    """
    try:  # the usual case, fast: every value naive, or every value with a zone
        moments = pd.to_datetime(values, format="ISO8601")
    except (ValueError, TypeError, OverflowError):
        pass  # mixed zones, spaces or bad values: value by value below
    else:
        if moments.dt.tz is not None:
            moments = moments.dt.tz_convert(timezone).dt.tz_localize(None)
        return moments.astype("datetime64[ns]")
    text = values.astype("string").str.strip()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    present = text.notna() & (text != "")
    zoned = present & text.str.contains(_ZONED, na=False)
    naive = present & ~zoned
    if naive.any():
        out[naive] = pd.to_datetime(
            text[naive], format="ISO8601", errors="coerce"
        ).astype("datetime64[ns]")
    if zoned.any():
        moments = pd.to_datetime(text[zoned], format="ISO8601", utc=True, errors="coerce")
        out[zoned] = moments.dt.tz_convert(timezone).dt.tz_localize(None).astype("datetime64[ns]")
    return out


def to_utc_text(times: pd.Series, timezone: str) -> pd.Series:
    """Local naive times -> ``2025-03-04T14:22:10.000Z`` as Salesforce's Data Loader writes."""
    local = times.dt.round("s").dt.tz_localize(
        timezone, ambiguous=np.zeros(len(times), dtype=bool), nonexistent="shift_forward"
    )
    utc = local.dt.tz_convert("UTC").dt.tz_localize(None)
    return _iso(utc, "T").str.cat(pd.Series(".000Z", index=times.index)).where(times.notna())


def to_local_text(times: pd.Series, sep: str = " ") -> pd.Series:
    """Local naive times -> ``2025-03-04 14:22:10`` (no zone: the export's own wall clock)."""
    return _iso(times.dt.round("s"), sep)


def to_date_text(times: pd.Series) -> pd.Series:
    return times.dt.strftime("%Y-%m-%d").where(times.notna())


def _iso(times: pd.Series, sep: str) -> pd.Series:
    text = times.dt.strftime(f"%Y-%m-%d{sep}%H:%M:%S")
    return text.where(times.notna())


def parse_moment(value: object, what: str, timezone: str = "UTC") -> tuple[pd.Timestamp, bool]:
    """A --since/--until value (text, date, datetime) -> (local naive timestamp, whether it
    was a plain date); one with a zone is converted to ``timezone``."""
    text = str(value).strip()
    try:
        stamp = pd.Timestamp(text if isinstance(value, str) else value)
    except (ValueError, TypeError, OverflowError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise CrmDataError(None, f"cannot read {text!r} as a date", field=what, label="option")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(timezone).tz_localize(None)
    if isinstance(value, str):
        plain = re.fullmatch(r"\d{4}-\d\d-\d\d", text) is not None
    else:
        plain = isinstance(value, date) and not isinstance(value, datetime)
    return pd.Timestamp(stamp).as_unit("ns"), plain


# --- reading -------------------------------------------------------------------------------


@dataclass
class Table:
    """One table read from one or more files: typed columns named by their API names."""

    frame: pd.DataFrame
    files: list[SourceFile]
    headers: dict[str, str]  # API name -> header as written (of the first file)



def read_head(path: Path, kind: str, size: int = -1) -> bytes:
    """The first ``size`` bytes of a file (all with -1); a missing file, a folder or an
    unreadable file is one :class:`CrmDataError` naming it (``kind``: "a CSV file")."""
    try:
        with open(path, "rb") as stream:
            return stream.read(size)
    except FileNotFoundError:
        raise CrmDataError(path, "no such file") from None
    except IsADirectoryError:
        raise CrmDataError(path, f"is a folder, not {kind}") from None
    except OSError as exc:
        raise CrmDataError(path, exc.strerror or str(exc)) from None


def sniff(path: Path, encoding: str | None) -> tuple[list[str], str]:
    """The header and delimiter of a CSV file; refuses files that are not CSV text."""
    head = read_head(path, "a CSV file", 65536)
    _refuse_binary(path, head)
    if not head.strip():
        raise CrmDataError(path, "the file is empty")
    first = head.splitlines()[0] if head.splitlines() else head
    try:
        line = first.decode(encoding or "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise not_utf8(path, exc.start, first[exc.start], row=1) from None
    except LookupError:
        raise CrmDataError(None, f"unknown text encoding {encoding!r}",
                           field="encoding", label="field") from None
    line = line.lstrip("\ufeff")
    delimiter = max([",", ";", "\t", "|"], key=line.count)
    if line.count(delimiter) == 0:
        delimiter = ","
    columns = pd.read_csv(io.StringIO(line + "\n"), sep=delimiter, nrows=0).columns
    return [str(c).strip() for c in columns], delimiter


def _refuse_binary(path: Path, head: bytes) -> None:
    if head.startswith(b"PK\x03\x04"):
        raise CrmDataError(path, "is an Excel workbook or a ZIP archive, not a CSV file "
                                 "(save it as 'CSV UTF-8')")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise CrmDataError(path, "is an old Excel workbook (.xls), not a CSV file "
                                 "(save it as 'CSV UTF-8')")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CrmDataError(path, "is UTF-16 text; save it as UTF-8 ('CSV UTF-8')")
    if b"\x00" in head:
        raise CrmDataError(path, "is not a CSV file (it holds binary data)")
    if head.lstrip().startswith((b"<", b"{", b"[")):
        raise CrmDataError(path, "is not a CSV file (it looks like HTML, XML or JSON)")


def not_utf8(path: Path, offset: int, byte: int, row: int | None = None) -> CrmDataError:
    return CrmDataError(
        path,
        f"is not UTF-8 text (byte 0x{byte:02X} at position {offset}); save it as UTF-8 "
        "('CSV UTF-8'), or name its encoding in MAP.json (\"encoding\": \"cp1252\")",
        row=row,
    )


def _find_bad_utf8(path: Path) -> CrmDataError:
    """Locate the first byte that is not UTF-8, with its row, for the error message."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, row = 0, 1
    with open(path, "rb") as stream:
        while block := stream.read(1 << 20):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                row += block[: exc.start].count(b"\n")
                return not_utf8(path, offset + exc.start, block[exc.start], row=row)
            offset += len(block)
            row += block.count(b"\n")
    return not_utf8(path, offset, 0)


def read_table(
    paths: Sequence[Path],
    table: str,
    columns: Sequence[Col],
    *,
    timezone: str,
    encoding: str | None = None,
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> Table:
    """Read the wanted columns of ``table`` from each file into one typed DataFrame.

    Text columns are kept as categories while reading (a million rows of a few hundred lead
    sources cost a byte or two each) and handed back as ``string``; times become naive local
    ``datetime64[ns]``; every bad value raises :class:`CrmDataError` with its row.
    """
    frames: list[pd.DataFrame] = []
    files: list[SourceFile] = []
    headers: dict[str, str] = {}
    for path in paths:
        frame, source, found = _read_file(path, table, columns, timezone, encoding, progress,
                                          chunk_rows)
        frames.append(frame)
        files.append(source)
        headers = headers or found
    frame = frames[0] if len(frames) == 1 else _concat(frames)
    for col in columns:
        if col.name in frame.columns and col.kind == "text":
            frame[col.name] = frame[col.name].astype("string")
    return Table(frame.reset_index(drop=True), files, headers)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    names = list(dict.fromkeys(c for f in frames for c in f.columns))
    out = {}
    for name in names:
        parts = [f[name] if name in f.columns else pd.Series(pd.NA, index=f.index)
                 for f in frames]
        if all(isinstance(p.dtype, pd.CategoricalDtype) for p in parts):
            out[name] = pd.Series(pd.api.types.union_categoricals(parts, ignore_order=True))
        else:
            out[name] = pd.concat([p.reset_index(drop=True) for p in parts], ignore_index=True)
    return pd.DataFrame(out)


def _read_file(
    path: Path,
    table: str,
    columns: Sequence[Col],
    timezone: str,
    encoding: str | None,
    progress: Progress | None,
    chunk_rows: int,
) -> tuple[pd.DataFrame, SourceFile, dict[str, str]]:
    header, delimiter = sniff(path, encoding)
    found = match_columns(header, columns)
    for col in columns:
        if (col.required or col.key) and col.name not in found:
            raise missing_column(path, col.name)
    size = max(path.stat().st_size, 1)
    wanted = set(found.values())
    # pandas skips its check of each row's width when it reads only some columns: read them
    # all unless the export is wide (a full-field object export), where that costs memory
    usecols = (lambda c: str(c).strip() in wanted) if len(header) > WIDE else None
    chunks: list[pd.DataFrame] = []
    rows = 0
    try:
        with open(path, "rb") as stream:
            reader = pd.read_csv(
                stream, sep=delimiter, usecols=usecols, dtype=str, chunksize=chunk_rows,
                keep_default_na=False, na_values=[""], encoding=encoding or "utf-8-sig",
                index_col=False,
            )
            for raw in reader:
                raw.columns = [str(c).strip() for c in raw.columns]
                raw = raw[[c for c in raw.columns if c in wanted]]
                chunks.append(_typed(path, raw, columns, found, rows, timezone))
                rows += len(raw)
                if progress is not None:  # the last chunk reports the whole file
                    at_end = len(raw) < chunk_rows or stream.tell() >= size
                    progress(path.name, size if at_end else min(stream.tell(), size), size)
    except UnicodeDecodeError:
        if encoding:
            raise CrmDataError(path, f"cannot be read as {encoding} text") from None
        raise _find_bad_utf8(path) from None
    except pd.errors.ParserError as exc:
        raise _parser_error(path, exc) from None
    except pd.errors.EmptyDataError:
        raise CrmDataError(path, "the file is empty") from None
    if progress is not None and not chunks:
        progress(path.name, size, size)
    if len(chunks) > 1:
        frame = _concat(chunks)
    else:
        frame = chunks[0] if chunks else empty_table([c for c in columns if c.name in found])
    return frame, SourceFile(path, table, rows, tuple(header)), found


_DTYPES = {"time": "datetime64[ns]", "number": "float64", "bool": "boolean", "text": "string"}


def empty_table(columns: Sequence[Col]) -> pd.DataFrame:
    """A table with no rows and the columns' dtypes (an optional file that is not there)."""
    return pd.DataFrame({c.name: pd.Series(dtype=_DTYPES[c.kind]) for c in columns})


def _parser_error(path: Path, exc: Exception) -> CrmDataError:
    text = str(exc)
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if match:
        expected, line, saw = match.groups()
        return CrmDataError(path, f"expected {expected} columns, found {saw} (is it a CSV "
                                  "file with one header line?)", row=int(line))
    detail = text.removeprefix("Error tokenizing data. C error: ")
    return CrmDataError(path, f"is not a readable CSV file ({detail.strip()})")


_TRUE = {"true", "1", "yes", "y", "t", "x"}
_FALSE = {"false", "0", "no", "n", "f"}


def _typed(
    path: Path,
    raw: pd.DataFrame,
    columns: Sequence[Col],
    found: dict[str, str],
    offset: int,
    timezone: str,
) -> pd.DataFrame:
    """One chunk of text -> typed columns; the first bad value raises with its row."""
    out = {}
    for col in columns:
        if col.name not in found:
            continue
        written = found[col.name]
        values = raw[written]
        if col.kind == "text":
            out[col.name] = _stripped_category(values)
        elif col.kind == "time":
            parsed = parse_times(values, timezone)
            _check(path, values, parsed.isna(), written, offset, "as a date")
            out[col.name] = parsed
        elif col.kind == "number":
            parsed = pd.to_numeric(values, errors="coerce")
            if (parsed.isna() & values.notna()).any():  # "1,234.50", " 12 "
                parsed = pd.to_numeric(values.str.strip().str.replace(",", ""), errors="coerce")
            _check(path, values, parsed.isna(), written, offset, "as a number")
            out[col.name] = parsed.astype("float64")
        elif col.kind == "bool":
            lowered = fold(values.str.strip())
            parsed = pd.Series(pd.NA, index=values.index, dtype="boolean")
            parsed[lowered.isin(_TRUE)] = True
            parsed[lowered.isin(_FALSE)] = False
            _check(path, values, parsed.isna(), written, offset, "as true or false")
            out[col.name] = parsed
    for col in columns:
        if col.key and col.name in out:
            _check_present(path, out[col.name], found[col.name], offset)
    return pd.DataFrame(out, index=raw.index)


def _stripped_category(values: pd.Series) -> pd.Series:
    """Text -> category with surrounding spaces removed and blanks as <NA>; the stripping is
    done once per distinct value, not once per row."""
    codes, uniques = pd.factorize(values)  # <NA> -> -1
    stripped = pd.Series([str(u).strip() for u in uniques], dtype=object)
    stripped[stripped == ""] = None
    recode, categories = pd.factorize(stripped)  # blank -> -1
    recode = np.append(recode, -1)  # so that code -1 (<NA>) stays -1
    return pd.Series(pd.Categorical.from_codes(recode[codes], categories=categories),
                     index=values.index)


def _check(path: Path, values: pd.Series, failed: pd.Series, column: str, offset: int,
           what: str) -> None:
    bad = failed & values.notna()
    if not bad.any():
        return
    bad &= values.str.strip() != ""  # blanks are missing values, not bad ones
    if bad.any():
        position = int(np.argmax(bad.to_numpy()))
        raise CrmDataError(
            path, f"cannot read {values.iloc[position]!r} {what}", field=column,
            row=offset + position + 2,  # the header is row 1, as a spreadsheet shows it
        )


def _check_present(path: Path, values: pd.Series, column: str, offset: int) -> None:
    blank = values.isna()
    if blank.any():
        position = int(np.argmax(blank.to_numpy()))
        raise CrmDataError(path, "is empty", field=column, row=offset + position + 2)


@dataclass
class Context:
    """What every reader is given besides its files: the zone, the encoding, progress and
    the window of leads to keep."""

    timezone: str = "UTC"
    encoding: str | None = None
    progress: Progress | None = None
    since: object = None
    until: object = None
    #: MAP.json's activity types, casefolded: an events CSV's rows with these are activities
    activities: frozenset[str] = frozenset()

    def read(self, paths: Sequence[Path], table: str, columns: Sequence[Col]) -> Table:
        return read_table(paths, table, columns, timezone=self.timezone,
                          encoding=self.encoding, progress=self.progress)


def fold(values: pd.Series) -> pd.Series:
    """Casefolded text, computed once per distinct value (a million rows of a few hundred
    activity names cost one pointer a row)."""
    unique = values.dropna().unique()
    return values.map({v: str(v).casefold() for v in unique}).astype("string")


def lookup(table: pd.Series, keys: pd.Series) -> pd.Series:
    """``table``'s value for each key (missing where it has none), keeping ``table``'s dtype
    even when it or the keys are empty (``Series.map`` falls back to float there)."""
    table = table[~table.index.duplicated()]
    found = table.reindex(keys.to_numpy())
    return pd.Series(found.to_numpy(), index=keys.index, dtype=table.dtype)


def column_or_na(frame: pd.DataFrame, name: str, dtype: str = "string") -> pd.Series:
    """A column of ``frame``, or one of <NA> when the export does not have it."""
    if name in frame.columns:
        return frame[name]
    return pd.Series(pd.NA if dtype in ("string", "boolean") else None, index=frame.index,
                     dtype=dtype)


def first_path(files: dict[str, list[Path]], *tables: str) -> Path:
    for table in tables:
        if files.get(table):
            return files[table][0]
    return next(iter(files.values()))[0]
