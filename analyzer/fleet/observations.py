"""What `trend` reads from the dataset's views (`analyzer.fleet.views`): every `captures` row, and each page
load's use of each resource with the findings that name that load and resource."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from analyzer.fleet.trend import Capture, Observation, Thresholds, Trend, build_trend
from analyzer.fleet.views import reading

if TYPE_CHECKING:
    import duckdb

CAPTURES_SQL = """
SELECT capture_id, started, labels, error IS NOT NULL AS failed, coalesce(redacted, true) AS redacted
FROM captures
"""

# A finding names a load and a resource by its `navigation` and its `resource` (or, for a finding about
# several, its `resources`); findings of a load as a whole (no resource) are left out.
OBSERVATIONS_SQL = """
SELECT r.capture_id, l.url_path, l.trigger, r.key AS resource, r.mode, r.count AS requests, r.requests_per_min,
       coalesce(f.ids, []) AS findings
FROM resources r
JOIN loads l USING (capture_id, navigation)
JOIN captures c ON c.capture_id = r.capture_id AND c.error IS NULL
LEFT JOIN (
    SELECT r2.capture_id, r2.navigation, r2.key, list(f.id ORDER BY f.id) AS ids
    FROM resources r2
    JOIN findings f ON f.capture_id = r2.capture_id AND f.navigation = r2.navigation
                   AND (f.resource = r2.key OR list_contains(f.resources, r2.key))
    GROUP BY ALL
) f ON f.capture_id = r.capture_id AND f.navigation = r.navigation AND f.key = r.key
"""


def read_trend(
    connection: duckdb.DuckDBPyConnection, root: Path, by: str | None = None, thresholds: Thresholds | None = None
) -> Trend:
    """The trend of the dataset whose views `connection` holds (`open_views(root)`).

    Raises:
        ConfigError: `by` names a label that no capture has.
        InputError: a file of the dataset cannot be read.
    """
    with reading(root):
        captures = [_capture(row) for row in _rows(connection, CAPTURES_SQL)]
        observations = msgspec.convert(_rows(connection, OBSERVATIONS_SQL), list[Observation])
    return build_trend(str(root), captures, observations, by, thresholds)


def _rows(connection: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = connection.sql(sql).to_arrow_table().to_pylist()
    return rows


def _capture(row: dict[str, Any]) -> Capture:
    return Capture(
        capture_id=row["capture_id"],
        started=row["started"],
        labels=dict(row["labels"] or ()),  # a map comes out of Arrow as (key, value) pairs
        failed=row["failed"],
        redacted=row["redacted"],
    )
