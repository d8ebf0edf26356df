"""How tables look in the UI's asset pages: a few rows as a preview, the contract's columns."""
import dagster as dg
import pandas as pd

from pipeline.sources import Source

PREVIEW_ROWS = 5


def preview(frame: pd.DataFrame, hidden: list[str]) -> dg.MetadataValue:
    """A few kept rows for the UI, without identifier columns."""
    shown = frame.drop(columns=[c for c in hidden if c in frame.columns]).head(PREVIEW_ROWS)
    return dg.MetadataValue.md(shown.to_markdown(index=False) if len(shown) else "(no rows)")


def column_schema(source: Source) -> dg.TableSchema:
    """The contract's columns, shown in the UI's asset page."""
    return dg.TableSchema(columns=[
        dg.TableColumn(
            name="<item columns>" if col.regex else name,
            type=str(col.dtype),
            description=col.description,
            constraints=dg.TableColumnConstraints(nullable=col.nullable, unique=False),
        )
        for name, col in source.schema.columns.items()
    ])
