"""A responses export (CSV) read by columns with pyarrow's multi-threaded reader.

The same file rules, messages and row numbers as ``analysis_input.read_responses_file`` (kept as
the reference, and for the database path): UTF-8 with or without a byte-order mark; header names
cleaned like ``csv_files.clean_text`` (stripped, inner white space collapsed, NFC), the last of a
repeated name wins; blank lines skipped and not counted; a row with more values than the header is
an error, one with fewer gets empty cells; the export's fixed columns are required.

How it stays exact and fast (docs/decisions/0019): pyarrow reads only the columns the analysis
needs, as raw strings (cleaned later: :mod:`responses_checks`); whatever pyarrow refuses or might
read otherwise than ``csv`` (a row with too many or too few values, a blank first line, repeated
raw header names, bytes that are not UTF-8, an empty file) is read again by Python's ``csv``
module in one streaming pass, which gives today's messages (the first :data:`MAX_LISTED`, and
the count). No Flask, no SQLAlchemy here.

How it stays small (docs/decisions/0021): the file is read a block at a time (pyarrow's
streaming reader) and each block's cells become codes into their column's distinct raw values
(:class:`Coded`: one byte a cell while a column has at most 256 distinct values, as an item or a
unit code has), so no table of strings is ever held: 5,000,000 answers × 23 columns take about
120 MB instead of 0.6 GB of Arrow strings.

How it uses every core (docs/decisions/0034): the file is mapped in memory, not copied; it is
cut at line breaks into one part per core (:mod:`csv_parts`), each parsed and coded by its own
thread, and read again in one pass when a cut may lie inside a quoted value. The UTF-8 check
runs once over the whole mapped file, meanwhile, instead of in each column's conversion. A
column of one-byte cells (an item) is coded by its bytes: a cell's code is its byte.
"""

from __future__ import annotations

import codecs
import csv
import io
import mmap
import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from numpy.typing import NDArray

from survey_app.csv_files import (
    FileProblem,
    arrow_integers,
    clean_text,
    empty_file_message,
    extra_values_message,
    not_utf8_message,
    nul_message,
)
from survey_app.results import input_messages as messages
from survey_app.results.analysis_input import FIXED, InputError
from survey_app.results.csv_parts import MIN_PART_BYTES, cut_points, ends_inside_quotes

MAX_LISTED = 100
_HEAD_BYTES = 1 << 20
_PARTS = os.cpu_count() or 1  # a file is cut in at most this many parts, one thread each
_PART_BYTES = MIN_PART_BYTES  # of at least this many bytes
_BLOCK_BYTES = 1 << 21  # bytes of the file read (and coded) at a time: small blocks overlap best
_CSV_BLOCK = 1 << 16  # rows of the csv pass coded at a time
_BOM = codecs.BOM_UTF8
_BYTES_TEXT = ["", *(chr(b) for b in range(1, 256))]  # a one-byte cell's text by its byte
_BYTES = {text: b for b, text in enumerate(_BYTES_TEXT)}
_TEXT = pa.dictionary(pa.int32(), pa.string())  # how a column of ``texts`` is parsed
_UTF8_CHUNK = 1 << 24
_COPY_BYTES = 1 << 20  # a pipe copied to a file this many bytes at a time


@dataclass(frozen=True)
class Coded:
    """A column as codes into its distinct raw cells (not cleaned): cell ``i`` is
    ``values[codes[i]]``; the codes take 1, 2 or 4 bytes, as the number of values needs."""

    codes: NDArray[np.unsignedinteger]
    values: list[str]

    def __len__(self) -> int:
        return len(self.codes)

    def labels(self, empty: str = "") -> NDArray[np.str_]:
        """The cells cleaned (``clean_text``, once per distinct value), ``empty`` for an empty
        one."""
        if len(self.codes) == 0:
            return np.array([], dtype=str)
        return np.array([clean_text(v) or empty for v in self.values], dtype=str)[self.codes]

    def take(self, mask: NDArray[np.bool_]) -> Coded:
        return Coded(self.codes[mask], self.values)


class _Coder:
    """Builds a :class:`Coded` column from blocks of cells."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.parts: list[NDArray[np.unsignedinteger]] = []
        self.dtype: type[np.unsignedinteger] = np.uint8
        self.byte_table = False  # the first 256 values are :data:`_BYTES`: a code is its byte

    def add_arrow(self, cells: pa.Array | pa.ChunkedArray) -> None:
        """A block of cells (an Arrow string array, or one the parser dictionary-encoded)."""
        chunks = cells.chunks if isinstance(cells, pa.ChunkedArray) else [cells]
        for chunk in chunks:
            if isinstance(chunk, pa.DictionaryArray):  # encoded by the parser
                self._add(chunk.dictionary.to_pylist(), arrow_integers(chunk.indices))
            elif not self._add_short(chunk):
                encoded = chunk.dictionary_encode()
                self._add(encoded.dictionary.to_pylist(), arrow_integers(encoded.indices))

    def _add_short(self, chunk: pa.StringArray) -> bool:
        """Cells of at most one byte (an answer 1–5 or nothing, as every item column holds),
        coded from the array's bytes without hashing a string; False for any longer cell.

        A one-byte UTF-8 text is an ASCII character. A column whose first block is of such cells
        takes the byte table as its first 256 values (:data:`_BYTES`: code 0 the empty cell,
        code ``b`` the character ``b``; a NUL is never read here, :func:`_utf8_of` refuses it), so
        a cell's code is its byte; a column that met longer cells first maps the bytes it sees.
        """
        size = len(chunk)
        if size == 0 or chunk.null_count:
            return size == 0
        _, offsets_buffer, data_buffer = chunk.buffers()
        offsets = np.frombuffer(offsets_buffer, np.int32, count=size + 1, offset=chunk.offset * 4)
        start, end = int(offsets[0]), int(offsets[-1])
        if end - start > size or np.diff(offsets).max() > 1:
            return False
        data = np.frombuffer(data_buffer, np.uint8, count=end - start, offset=start)
        if end - start == size:  # every cell one byte
            byte = data.copy()
        else:
            byte = np.zeros(size, dtype=np.uint8)
            byte[offsets[1:] > offsets[:-1]] = data  # the non-empty cells' bytes, in order
        if not self.index:
            self.index, self.byte_table = dict(_BYTES), True
        if not self.byte_table:  # a column that met longer cells first: map the bytes seen
            seen = np.zeros(256, dtype=bool)
            seen[byte] = True
            present = np.flatnonzero(seen).tolist()
            index = self.index
            table = np.zeros(256, dtype=np.int64)
            table[present] = [index.setdefault(_BYTES_TEXT[b], len(index)) for b in present]
            self._widen()
            byte = table.astype(self.dtype)[byte]
        self.parts.append(byte.astype(self.dtype, copy=False))
        return True

    def add_texts(self, cells: Sequence[str]) -> None:
        """A block of cells (Python strings)."""
        index = self.index
        codes = np.fromiter(
            (index.setdefault(v, len(index)) for v in cells), dtype=np.int64, count=len(cells)
        )
        self._widen()
        self.parts.append(codes.astype(self.dtype))

    def _add(self, distinct: list[str], local: NDArray[np.integer]) -> None:
        """Cells given as ``local`` indices into ``distinct``."""
        index = self.index
        mapping = np.array([index.setdefault(v, len(index)) for v in distinct], dtype=np.int64)
        self._widen()
        self.parts.append(mapping.astype(self.dtype)[local])

    def _widen(self) -> None:
        size = len(self.index)
        need = np.uint8 if size <= 1 << 8 else np.uint16 if size <= 1 << 16 else np.uint32
        if np.dtype(need).itemsize > np.dtype(self.dtype).itemsize:
            self.parts = [part.astype(need) for part in self.parts]
            self.dtype = need

    def extend(self, other: _Coder) -> None:
        """``other``'s cells after this one's (the same column's next part)."""
        coded = other.done()
        if list(self.index)[: len(coded.values)] == coded.values:  # the same codes: kept
            self.parts.append(coded.codes.astype(self.dtype, copy=False))
        else:
            self._add(coded.values, coded.codes)

    def done(self) -> Coded:
        codes = np.concatenate(self.parts) if self.parts else np.array([], dtype=self.dtype)
        return Coded(codes, list(self.index))


@dataclass(frozen=True)
class ResponseColumns:
    """The columns of a responses file the analysis needs, as raw strings (not yet cleaned).

    ``header``: every column name of the file, cleaned, in file order; ``columns``: cleaned
    name → its cells (:class:`Coded`); ``rows``: each row's number in the file (2 = the first
    after the header).
    """

    header: list[str]
    columns: Mapping[str, Coded]
    rows: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.rows)

    def labels(self, name: str, empty: str = "") -> NDArray[np.str_]:
        """The column's cells cleaned (``clean_text``), ``empty`` for an empty one."""
        return self.columns[name].labels(empty)

    def take(self, mask: NDArray[np.bool_]) -> ResponseColumns:
        """The rows where ``mask`` holds (their file row numbers kept)."""
        return ResponseColumns(
            self.header,
            {name: column.take(mask) for name, column in self.columns.items()},
            self.rows[mask],
        )


# --- reading --------------------------------------------------------------------------------
def read_columns(
    path: Path, wanted: Collection[str], texts: Collection[str] = ()
) -> ResponseColumns:
    """The ``wanted`` columns (cleaned names; those absent are left out) of a responses CSV;
    those among ``texts`` (few distinct values of several bytes: unit codes, channels) are
    dictionary-encoded by the parser itself, the others coded from their cells' bytes.

    Raises :class:`InputError` for what reading it row by row reports: not UTF-8, an empty
    file, a row with more values than the header (every such row), the export's fixed columns
    missing.
    """
    if not _mappable(path):  # a pipe (``--responses <(…)``), a file system without mmap
        with tempfile.TemporaryDirectory(prefix="sipas-responses-") as folder:
            copy = Path(folder) / "responses.csv"
            with path.open("rb") as source, copy.open("wb") as target:
                shutil.copyfileobj(source, target, _COPY_BYTES)
            return _read_columns(copy, wanted, texts)
    return _read_columns(path, wanted, texts)


def _read_columns(path: Path, wanted: Collection[str], texts: Collection[str]) -> ResponseColumns:
    """:func:`read_columns` of a file as it is (by pyarrow if it can, else by ``csv``)."""
    columns = _read_with_arrow(path, wanted, texts)
    if columns is None:
        columns = _read_with_csv(path, wanted)
    missing = _missing_fixed(columns.header)
    if missing:
        raise InputError(missing)
    return columns


def _missing_fixed(header: Sequence[str]) -> list[FileProblem]:
    return [
        FileProblem(1, column, messages.missing_fixed(column))
        for column in FIXED
        if column not in header
    ]


def _read_with_arrow(
    path: Path, wanted: Collection[str], texts: Collection[str] = ()
) -> ResponseColumns | None:
    """pyarrow's read, or None when the file needs Python's ``csv`` to say the same thing."""
    with path.open("rb") as stream:
        head = stream.read(_HEAD_BYTES)
    text = head.decode("utf-8-sig", errors="replace")
    first = next(csv.reader(io.StringIO(text, newline="")), [])
    if not first or len(set(first)) != len(first):
        return None  # empty, blank first line, repeated names: csv's own reading decides
    if len(head) == _HEAD_BYTES and "\n" not in text and "\r" not in text:
        return None
    header = [clean_text(name) for name in first]
    raw_of = {name: raw for raw, name in zip(first, header, strict=True)}  # the last one wins
    include = [raw_of[name] for name in dict.fromkeys(header) if name in wanted]
    types = {raw: _TEXT if clean_text(raw) in texts else pa.string() for raw in first}
    mapped = _mapping(path)  # parsed where it lies, not copied
    if mapped is None:
        return None
    utf8 = _Utf8Check(mapped)  # the whole file's check, meanwhile (the parse waits on no GIL)
    data = pa.py_buffer(mapped)
    try:
        read = _read_in_parts(data, first, include, types)
        if read is None:  # one part, or a cut that may lie inside a quoted value
            coders, count, _ = _read_part(data, first, include, types, ahead=True)
        else:
            coders, count = read
    except (pa.ArrowException, KeyError, OSError, UnicodeDecodeError):
        utf8.stop()
        return None
    finally:
        del data  # the mapping can close once no buffer holds it
        ok = utf8.result()
        _unmap(mapped)
    pa.default_memory_pool().release_unused()  # the blocks' memory back to the system
    if not ok:
        return None  # the columns not read must be UTF-8 (and free of NUL) too
    columns = {clean_text(raw): coder.done() for raw, coder in coders.items()}
    return ResponseColumns(header, columns, np.arange(2, count + 2, dtype=np.int64))


def _read_in_parts(
    data: pa.Buffer, first: list[str], include: list[str], types: dict[str, pa.DataType]
) -> tuple[dict[str, _Coder], int] | None:
    """The file cut at line breaks (:mod:`csv_parts`), each part parsed and coded by a thread of
    its own, the parts' codes joined in file order; None when the file makes one part, or a part
    fails or may end inside a quoted value (the caller then reads the file in one pass)."""
    cuts = cut_points(memoryview(data), _PARTS, _PART_BYTES)
    if len(cuts) <= 2:
        return None
    with ThreadPoolExecutor(len(cuts) - 1, thread_name_prefix="csv-part") as pool:
        futures = [
            pool.submit(
                _read_part,
                data.slice(start, end - start),
                first,
                include,
                types,
                header=start == 0,
                tail=first[-1] if end < cuts[-1] else None,
            )
            for start, end in pairwise(cuts)
        ]
        try:
            parts = [future.result() for future in futures]
        except (pa.ArrowException, KeyError, OSError, UnicodeDecodeError):
            return None
    if any(ends_inside_quotes(tail) for _, _, tail in parts):
        return None
    coders, count, _ = parts[0]
    for more, rows, _ in parts[1:]:
        for raw, coder in coders.items():
            coder.extend(more[raw])
        count += rows
    return coders, count


def _read_part(
    data: pa.Buffer,
    first: list[str],
    include: list[str],
    types: dict[str, pa.DataType],
    *,
    header: bool = True,
    tail: str | None = None,
    ahead: bool = False,
) -> tuple[dict[str, _Coder], int, str | None]:
    """A part's ``include`` columns coded a block at a time, its number of rows, and its last
    row's ``tail`` cell when asked (:func:`csv_parts.ends_inside_quotes`). The first part holds
    the header; the others are parsed with ``first`` as their column names. ``ahead``: the next
    block parsed by a thread while this one is coded (:func:`_ahead`), for a single part."""
    coders = {raw: _Coder() for raw in include}
    count, last = 0, None
    extra = [tail] if tail is not None and tail not in include else []
    reader = pacsv.open_csv(
        pa.BufferReader(data),
        read_options=pacsv.ReadOptions(
            use_threads=True, block_size=_BLOCK_BYTES, column_names=None if header else first
        ),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=types,
            include_columns=[*include, *extra],
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            null_values=[],
            check_utf8=False,  # the whole file is checked once, meanwhile (_Utf8Check)
        ),
    )
    for batch in _ahead(reader) if ahead else reader:  # a block at a time: only its codes kept
        for raw, coder in coders.items():
            coder.add_arrow(batch.column(raw))
        count += batch.num_rows
        if tail is not None and batch.num_rows:
            last = batch.column(tail)[-1].as_py()
    return coders, count, last


def _ahead(reader: pacsv.CSVStreamingReader) -> Iterator[pa.RecordBatch]:
    """The reader's batches, the next one parsed by a thread while this one is coded (the parse
    lets go of the GIL); at most two blocks held. The reader's error is raised here."""
    batches: queue.Queue[pa.RecordBatch | BaseException | None] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def parse() -> None:
        try:
            for batch in reader:
                while not stop.is_set():
                    try:
                        batches.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            batches.put(None)
        except BaseException as error:  # handed to the consumer
            batches.put(error)

    worker = threading.Thread(target=parse, name="csv-blocks", daemon=True)
    worker.start()
    try:
        while (item := batches.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


def _mapping(path: Path) -> mmap.mmap | None:
    """The file mapped in memory, read-only; None for one that cannot be (empty, a pipe)."""
    try:
        with path.open("rb") as stream:
            return mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None


def _mappable(path: Path) -> bool:
    """Whether the columnar read can map the file (an empty file needs no mapping: the header
    check refuses it first); a file that can be read only once, or not mapped, is copied."""
    if not path.is_file():
        return False
    if path.stat().st_size == 0:
        return True
    mapped = _mapping(path)
    if mapped is None:
        return False
    _unmap(mapped)
    return True


def _unmap(mapped: mmap.mmap) -> None:
    """Close the mapping, unless a buffer still holds it (it closes when that is freed)."""
    with suppress(BufferError):
        mapped.close()


class _Utf8Check:
    """:func:`_utf8_of` a mapped file run by a thread from now on; `result` waits for it."""

    def __init__(self, mapped: mmap.mmap) -> None:
        self._stopped = threading.Event()
        self._ok = False
        self._thread = threading.Thread(target=self._run, args=(mapped,), name="utf8", daemon=True)
        self._thread.start()

    def _run(self, mapped: mmap.mmap) -> None:
        try:
            self._ok = _utf8_of(mapped, self._stopped)
        except (OSError, ValueError):
            self._ok = False

    def result(self) -> bool:
        self._thread.join()
        return self._ok

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()


def _utf8_of(data: mmap.mmap, stopped: threading.Event | None = None) -> bool:
    """Whether the mapped file decodes as UTF-8 and holds no NUL (nothing copied); a NUL is
    refused by the row reader with its row and column (``csv_files.read_csv``).

    Checked a chunk at a time by Arrow's UTF-8 validation, each chunk ending where a character
    starts (bytes after a cut that continue a character go with the chunk before), so the
    chunks are valid exactly when the whole file is.
    """
    if data.find(b"\x00") >= 0:
        return False
    size, start = len(data), 0
    while start < size:
        if stopped is not None and stopped.is_set():
            return False
        end = min(start + _UTF8_CHUNK, size)
        limit = min(end + 3, size)  # a character has at most three continuation bytes
        while end < limit and data[end] & 0xC0 == 0x80:
            end += 1
        with memoryview(data) as view, view[start:end] as chunk:
            if not _valid_utf8(chunk):
                return False
        start = end
    return True


def _valid_utf8(data: memoryview) -> bool:
    """Arrow's own UTF-8 check of one string made of ``data`` (no copy, no compute kernel)."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64).tobytes())
    array = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        array.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _read_with_csv(path: Path, wanted: Collection[str]) -> ResponseColumns:
    """One streaming pass of Python's ``csv`` (the reference reader's rules and messages)."""
    raw = path.read_bytes()
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            [
                FileProblem(
                    None,
                    None,
                    not_utf8_message(exc),
                )
            ]
        ) from None
    del raw
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.reader(stream)
        header = [clean_text(name) for name in next(reader, [])]
        if not header:
            raise InputError([FileProblem(1, None, empty_file_message())])
        index = {name: i for i, name in enumerate(header)}  # the last of a repeated name wins
        picked = {name: index[name] for name in wanted if name in index}
        coders = {name: _Coder() for name in picked}
        values: dict[str, list[str]] = {name: [] for name in picked}
        problems: list[FileProblem] = [
            FileProblem(1, name, nul_message()) for name in header if "\x00" in name
        ]
        number = 1
        for cells in reader:
            if not cells:
                continue  # csv.DictReader skips blank lines without counting them
            number += 1
            problems.extend(
                FileProblem(number, name, nul_message())
                for name, cell in zip(header, cells, strict=False)
                if "\x00" in cell
            )
            if len(cells) > len(header):
                problems.append(
                    FileProblem(
                        number,
                        None,
                        extra_values_message(len(cells), len(header)),
                    )
                )
            for name, i in picked.items():
                values[name].append(cells[i] if i < len(cells) else "")
            if (number - 1) % _CSV_BLOCK == 0:
                for name, block in values.items():
                    coders[name].add_texts(block)
                    block.clear()
    if problems:
        every = [*problems, *_missing_fixed(header)]
        raise InputError(every[:MAX_LISTED], total=len(every))
    for name, block in values.items():
        coders[name].add_texts(block)
    columns = {name: coder.done() for name, coder in coders.items()}
    return ResponseColumns(header, columns, np.arange(2, number + 1, dtype=np.int64))
