"""The real data.police.uk month loads with every row accounted for, and stays visible."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import POLICEUK_MONTH

pytestmark = pytest.mark.integration


def test_real_policeuk_month_every_row_accounted_for(published_home: Path) -> None:
    con = duckdb.connect(str(published_home / "serving.duckdb"), read_only=True)
    source = duckdb.connect().execute(
        f"""SELECT count(*), count(*) FILTER (WHERE "Crime ID" IS NULL),
                   count(*) FILTER (WHERE "LSOA code" IS NULL OR "LSOA code" LIKE 'W%')
            FROM read_csv('{POLICEUK_MONTH}', all_varchar = true)"""
    ).fetchall()[0]
    rows, asb, unplaceable = source
    [(read, loaded, quarantined, status)] = con.execute(
        "SELECT rows_read, rows_loaded, rows_quarantined, status FROM ops.load_log "
        "WHERE file LIKE '%2021-04-lancashire-street.csv'"
    ).fetchall()
    assert status == "loaded"
    assert read == rows == loaded + quarantined
    published = con.execute(
        """SELECT count(*), count(*) FILTER (WHERE crime_type = 'Anti-social behaviour'),
                  count(*) FILTER (WHERE partnership_code IS NULL),
                  count(*) FILTER (WHERE partnership_code IS NULL AND lsoa_code LIKE 'E%')
           FROM analytics.police_crimes
           WHERE source = 'policeuk_street' AND month = DATE '2021-04-01'"""
    ).fetchall()[0]
    total, asb_published, unplaced, unplaced_english = published
    # duplicates within the file are quarantined; everything else is in analytics
    assert total == loaded
    assert asb_published == asb  # anti-social behaviour included, though it has no Crime ID
    # rows without a location or in Wales cannot be placed, and stay visible with NULL
    assert unplaced == unplaceable + unplaced_english
    assert unplaced_english == 0 or unplaced_english < 0.01 * total
