"""Read delimited export files into all-text tables, saying clearly what is wrong with a file.

A reader does no validation of values (that is :mod:`pipeline.quarantine`'s job). It decides the
encoding and the delimiter, keeps the physical line number of every record so a quarantined row
can be found in the file, sets aside records with the wrong number of fields (they are
quarantined, never dropped), and raises :class:`SourceFileError` for problems that make the whole
file unusable: missing, unreadable, empty, header only, unknown encoding, wrong delimiter, missing
required columns.

Two readers give the same :class:`RawTable`. The csv-module reader handles every file. The fast
reader (pyarrow's CSV parser, with numpy over the file's bytes for the physical line numbers) is
used when a byte-level scan shows the file is plain: no quote characters, no NUL, no lone
carriage return. Any file it cannot vouch for goes to the csv-module reader, so correctness never
depends on the fast path. The fast reader returns Arrow-backed text columns
(``pd.ArrowDtype(pa.string())``); the csv-module reader returns ``object`` columns of ``str``;
the values are the same. ``RawTable.reader`` says which reader read a file.

The package, along the way a file is read:

- :mod:`~pipeline.readers.table`: what a reader gives (:class:`RawTable`, :class:`BadRecord`) and
  :class:`SourceFileError`;
- :mod:`~pipeline.readers.encoding`: the file's bytes and their encoding;
- :mod:`~pipeline.readers.header`: column names and the delimiter;
- :mod:`~pipeline.readers.delimited`: :func:`read_delimited`, which picks the reader;
- :mod:`~pipeline.readers.fast`: the pyarrow reader;
- :mod:`~pipeline.readers.csv_module`: the csv-module reader.
"""
from pipeline.readers.delimited import read_delimited
from pipeline.readers.encoding import decode, read_bytes
from pipeline.readers.header import DELIMITER_NAMES, choose_delimiter, normalise_name, peek_columns
from pipeline.readers.table import LINE, BadRecord, RawTable, SourceFileError

__all__ = ["LINE", "DELIMITER_NAMES", "BadRecord", "RawTable", "SourceFileError", "choose_delimiter", "decode",
           "normalise_name", "peek_columns", "read_bytes", "read_delimited"]
