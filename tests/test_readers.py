"""File-level reading: encodings, line ends, delimiters, and the errors an analyst sees."""
from __future__ import annotations

import pytest

from pipeline.readers import LINE, SourceFileError, read_delimited

REQ = ["cds", "school_name"]


def write(tmp_path, data: bytes, name="directory.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_utf8_bom_and_crlf(tmp_path):
    path = write(tmp_path, "\ufeffcds,school_name\r\n19754160000001,Escuela Niños\r\n".encode("utf-8"))
    table = read_delimited(path, required=REQ)
    assert table.encoding == "utf-8-sig"
    assert table.frame.loc[0, "school_name"] == "Escuela Niños"
    assert list(table.frame.columns) == ["cds", "school_name", LINE]


def test_windows_1252_names_survive(tmp_path):
    path = write(tmp_path, "cds,school_name\n19754160000001,Escuela Niños del Valle\n".encode("cp1252"))
    table = read_delimited(path, required=REQ)
    assert table.encoding == "windows-1252"
    assert table.frame.loc[0, "school_name"] == "Escuela Niños del Valle"


def test_utf16_is_an_unknown_encoding(tmp_path):
    path = write(tmp_path, "cds,school_name\n1,a\n".encode("utf-16"))
    with pytest.raises(SourceFileError, match="unknown encoding"):
        read_delimited(path, required=REQ)


@pytest.mark.parametrize("data, message", [
    (b"", "is empty"),
    (b"  \n\n", "is empty"),
    (b"cds,school_name\n", "header but no data rows"),
    (b"cds;school_name\n1;a\n", "wrong delimiter: columns are separated by semicolons; expected commas"),
    (b"cds,name\n1,a\n", "missing required column: school_name"),
])
def test_file_level_problems_name_file_and_problem(tmp_path, data, message):
    path = write(tmp_path, data)
    with pytest.raises(SourceFileError) as info:
        read_delimited(path, required=REQ)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(SourceFileError, match="file not found"):
        read_delimited(tmp_path / "nope.csv", required=REQ)


def test_line_numbers_survive_blank_lines_and_quoted_newlines(tmp_path):
    data = b'cds,school_name\n1,"two\nlines"\n\n2,b\n3,c,extra\n4\n'
    table = read_delimited(write(tmp_path, data), required=REQ)
    assert table.frame[LINE].tolist() == [2, 5]
    assert table.blank_lines == 1
    assert [(b.line, b.problem) for b in table.bad_records] == [
        (6, "row has 3 fields; the header has 2"), (7, "row has 1 fields; the header has 2")]
    assert table.rows_read == 4


def test_tab_or_comma_for_dashboard_files(tmp_path):
    tab = read_delimited(write(tmp_path, b"cds\tschool_name\n1\ta\n", "x.txt"), required=REQ, delimiters=("\t", ","))
    comma = read_delimited(write(tmp_path, b"cds,school_name\n1,a\n", "y.txt"), required=REQ, delimiters=("\t", ","))
    assert tab.delimiter == "\t" and comma.delimiter == ","


def test_aliases_and_unknown_columns(tmp_path):
    data = b"CDS,School_Name,ImageURL,safetynet\n1,a,http://x,N\n"
    table = read_delimited(write(tmp_path, data), required=REQ, optional=["smalldenom"],
                           aliases={"safetynet": "smalldenom"})
    assert "smalldenom" in table.frame.columns
    assert table.ignored_columns == ["ImageURL"]


def test_mixed_encodings_are_refused_with_the_line(tmp_path):
    data = "cds,school_name\n1,César Chávez\n".encode("utf-8") + "2,Escuela Niños\n".encode("cp1252")
    with pytest.raises(SourceFileError, match=r"mixed encodings: the file is UTF-8 but byte 0xf1 on line 3"):
        read_delimited(write(tmp_path, data), required=REQ)
    with pytest.raises(SourceFileError, match="mixed encodings"):
        read_delimited(write(tmp_path, b"\xef\xbb\xbf" + "cds,school_name\n1,Niños\n".encode("cp1252")), required=REQ)
