"""The input reference's part on files in other layouts (``docs/inputs.md``): CDE's public files,
from their contracts in :mod:`schemas.cde_public`, and the format of a mapping."""
from __future__ import annotations

import pandera.pandas as pa

from pipeline.mapping.configured import KEYS
from schemas.cde_public import CensusEnrollment, PublicSchools

_TYPES = {"string[python]": "text", "Int64": "integer", "float64": "number"}


def _table(model: type[pa.DataFrameModel], checks) -> list[str]:
    lines = ["| column | required | blank allowed | rule | description |", "|---|---|---|---|---|"]
    for name, col in model.to_schema().columns.items():
        lines.append(f"| `{name}` | {'yes' if col.required else 'no'} | {'yes' if col.nullable else 'no'} "
                     f"| {checks(col).replace('|', '&#124;')} | {(col.description or '').replace('|', '&#124;')} |")
    return lines


def other_layouts_reference(checks) -> str:
    """The markdown of the other layouts; ``checks`` words a column's rules as the rest of the page does."""
    return "\n".join([
        "## Files in other layouts",
        "",
        "When a source's own file is absent, its rows may come from a file in another layout "
        "(`pipeline/mapping/`): the rows are checked against that file's own contract below, then "
        "against the source's contract above. The validation report says where every row came from.",
        "",
        f"### `directory` from `pubschls.txt`: {(PublicSchools.__doc__ or '').splitlines()[0]}",
        "",
        "File `<raw>/pubschls.txt`, tab-delimited, UTF-8 or Windows-1252, `No Data` is a blank. Layout: CDE, "
        "\"File Structure: Public Schools and Districts\" (cde.ca.gov/ds/si/ds/fspubschls.asp, 2024) and "
        "\"Changes to the Public Schools File\" (cde.ca.gov/ds/si/ds/pubschchanges.asp): `AdmFName1`, "
        "`AdmLName1`, `AdmEmail1` (2011-2020) are read as `AdmFName`, `AdmLName`, `AdmEmail` (since July "
        "2020). The district's schools: `config/settings.yaml` `public_files` (district code or CDS list, "
        "statuses kept); `EILCode` to school type: `config/public_files.yaml`. Beside it, "
        "`<raw>/directory_overrides.csv` (`cds`, and any of `principal_name`, `principal_email`, "
        "`languages`) replaces those values where it has one. Key: `cdscode`.",
        "",
        *_table(PublicSchools, checks),
        "",
        f"### `enrollment` from `cdenroll<yy><yy>.txt`: {(CensusEnrollment.__doc__ or '').splitlines()[0]}",
        "",
        "File `<raw>/<year>/cdenroll<yy><yy>.txt` (also `-v2` and `.csv`), tab-delimited. Layout: CDE, "
        "\"File Structure: Census Day Enrollment Data\" (cde.ca.gov/ds/ad/fsenrcensus.asp, 2024), which names "
        "the fields in words; the header spellings (`AcademicYear`, `TOTAL_ENR`, `GR_TK` ...) and the "
        "category codes are those of public readers of the file, unconfirmed: spaces and underscores in "
        "header names do not matter. Reporting categories to student groups: `config/public_files.yaml` "
        "`census_groups`; a `*` count is no figure (no row). Key: `countycode`, `districtcode`, "
        "`schoolcode`, `charter`, `reportingcategory`.",
        "",
        *_table(CensusEnrollment, checks),
        "",
        "### A district's export, by a mapping in `config/mappings/`",
        "",
        f"One YAML file per export, with the keys {', '.join(f'`{k}`' for k in sorted(KEYS))}: `source` (a "
        "district source above), `file` (its name in that source's folder), `delimiter` (comma, tab, "
        "semicolon or `|`), `columns` (the contract's column: the export's column, or `{column: ..., codes: "
        "<table>}`), `values` (a column the export lacks, one value for every row), `codes` (tables of export "
        "value: contract value; a value not listed is kept, and quarantined by the contract). Every required "
        "column must be mapped; `school_year` defaults to the folder's. Worked examples: "
        "`config/mappings/examples/`.",
    ])
