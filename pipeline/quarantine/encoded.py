"""Text columns as codes into their distinct values (:class:`Encoded`): what the fast engine checks.

A column from either reader (Arrow-backed text or ``str``) is dictionary-encoded in Arrow; an
identifier column (mostly distinct, fixed-width digits) is encoded from its numbers instead.
Blank counts as missing.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

try:
    import pyarrow
    import pyarrow.compute as pc

    # the C library's allocator for the big arrays made here (see pipeline.readers.fast)
    POOL = pyarrow.system_memory_pool()
except ImportError:  # pragma: no cover - without pyarrow every file takes the reference engine
    pyarrow = pc = POOL = None

DIGITS_MIN_ROWS = 100_000  # a column at least this long may be encoded from its numbers (identifiers)


def is_arrow_text(series: pd.Series) -> bool:
    """Arrow-backed text: ``pd.ArrowDtype(pa.string())`` (the fast reader's) or ``string[pyarrow]``."""
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype):
        return dtype.storage == "pyarrow"
    return isinstance(dtype, pd.ArrowDtype) and (pyarrow.types.is_string(dtype.pyarrow_dtype)
                                                 or pyarrow.types.is_large_string(dtype.pyarrow_dtype))


def is_text_dtype(dtype) -> bool:
    return isinstance(getattr(dtype, "type", None), pd.StringDtype)


class Encoded:
    """One text column as codes into its distinct values; blank ("") counts as missing.

    ``codes[i]`` indexes ``dictionary`` (Arrow strings); missing values have the code
    ``len(dictionary)``.
    """

    def __init__(self, series: pd.Series):
        if is_arrow_text(series):
            arr = series.array._pa_array
        else:
            arr = pyarrow.array(series.to_numpy(dtype=object), type=pyarrow.string(), from_pandas=True)
        if not isinstance(arr, pyarrow.ChunkedArray):
            arr = pyarrow.chunked_array([arr], type=arr.type)
        self.raw = arr
        self._python: np.ndarray | None = None
        if self._encode_digits(arr):
            return
        enc = pc.dictionary_encode(arr, memory_pool=POOL)
        chunks = enc.chunks
        if not chunks:
            self.dictionary = pyarrow.array([], type=arr.type)
        elif any(len(c.dictionary) != len(chunks[0].dictionary) for c in chunks):
            enc = enc.unify_dictionaries()
            chunks = enc.chunks
        if chunks:
            self.dictionary = chunks[0].dictionary
        size = len(self.dictionary)
        indices = pyarrow.chunked_array([c.indices for c in chunks], type=pyarrow.int32()) if chunks \
            else pyarrow.chunked_array([], type=pyarrow.int32())
        indices = indices.fill_null(size) if indices.null_count else indices
        codes = indices.to_numpy()  # int32: codes stay in their narrow type
        blank = pc.index(self.dictionary, "").as_py()
        self.has_blank = blank >= 0 or arr.null_count > 0
        if blank >= 0:
            remap = np.arange(size + 1, dtype=codes.dtype)
            remap[blank] = size
            codes = remap[codes]
        self.codes = codes
        self.missing = size

    def _encode_digits(self, arr) -> bool:
        """Identifiers (mostly distinct, fixed-width digits): codes from their numbers, which is much
        faster than hashing the text. Blank values are missing. False when the column is not so."""
        if len(arr) < DIGITS_MIN_ROWS or arr.null_count:
            return False
        head = arr.slice(0, 10_000)
        if len(pc.unique(head)) < len(head) // 2:
            return False
        lengths = pc.utf8_length(arr, memory_pool=POOL)
        filled = pc.not_equal(lengths, 0, memory_pool=POOL)
        widths = pc.min_max(pc.filter(lengths, filled, memory_pool=POOL))
        width = widths["min"].as_py()
        if width is None or width != widths["max"].as_py() or width > 18:
            return False
        digits = pc.sum(pc.match_substring_regex(arr, f"^[0-9]{{{width}}}$", memory_pool=POOL)).as_py() or 0
        nonblank = pc.sum(filled).as_py()
        if digits != nonblank:
            return False
        numbers = pc.cast(pc.if_else(filled, arr, "0", memory_pool=POOL), pyarrow.int64(),
                          memory_pool=POOL).to_numpy(zero_copy_only=False)
        mask = np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool)
        codes, distinct = pd.factorize(numbers[mask] if nonblank < len(arr) else numbers)
        # same width, digits only: the number's zero-padded text is the value itself
        self.dictionary = pc.utf8_lpad(pc.cast(pyarrow.array(distinct), arr.type), width, "0")
        self.missing = len(distinct)
        self.has_blank = nonblank < len(arr)
        if nonblank < len(arr):
            full = np.full(len(arr), self.missing, dtype=np.int64)
            full[mask] = codes
            codes = full
        self.codes = codes
        return True

    def values_of(self, codes: np.ndarray) -> list:
        """The ``str`` values (None when missing) of some codes, without converting the whole column."""
        if self._python is not None:
            return list(self._python[codes])
        missing = codes == self.missing
        picked = self.dictionary.take(pyarrow.array(np.where(missing, 0, codes), type=pyarrow.int64())) \
            if len(self.dictionary) else pyarrow.nulls(len(codes), pyarrow.string())
        return [None if m or v == "" else v for m, v in zip(missing, picked.to_pylist())]

    def python(self) -> np.ndarray:
        """The distinct values as ``str`` (``object`` array), None at ``missing``."""
        if self._python is None:
            python = np.empty(len(self.dictionary) + 1, dtype=object)
            python[:-1] = self.dictionary.to_numpy(zero_copy_only=False)
            blank = pc.index(self.dictionary, "").as_py()
            if blank >= 0:
                python[blank] = None
            self._python = python
        return self._python

    def text_array(self, rows: np.ndarray) -> pd.arrays.ArrowStringArray:
        """The values of ``rows`` (sorted positions) as Arrow-backed text (missing as NA)."""
        if len(rows) == len(self.codes):  # every row: the column itself, blanks made missing
            if not self.has_blank:
                return pd.arrays.ArrowExtensionArray(self.raw)
            return pd.arrays.ArrowExtensionArray(
                pc.if_else(pc.equal(self.raw, "", memory_pool=POOL), pyarrow.scalar(None, self.raw.type), self.raw,
                           memory_pool=POOL))
        indices = pyarrow.array(self.codes[rows], mask=self.codes[rows] == self.missing, type=pyarrow.int64())
        return pd.arrays.ArrowExtensionArray(pyarrow.chunked_array([pc.take(self.dictionary, indices,
                                                                            memory_pool=POOL)]))


def codes_of(enc: Encoded, rows: np.ndarray) -> np.ndarray:
    """The codes of ``rows`` (sorted positions): the column's own array when they are all the rows."""
    return enc.codes if len(rows) == len(enc.codes) else enc.codes[rows]
