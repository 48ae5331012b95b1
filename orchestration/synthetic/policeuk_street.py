"""Synthetic ``policeuk_street`` files: what data.police.uk would publish for the synthetic
force exports (same crimes, police.uk categories and outcomes, anonymised locations), plus
anti-social behaviour incidents, which have no Crime ID. One file per force per month,
named as police.uk names them (``YYYY-MM-<force>-street.csv``)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from orchestration.contracts.policeuk_street import POLICEUK_STREET
from orchestration.reference import SEEDS
from orchestration.synthetic.base import GeneratedSource, GenerationContext, write_partitioned

SOURCE = POLICEUK_STREET.source
ORDER = 5  # after police_crimes, whose files it publishes
PUBLISHED = True  # a public file: `--defects` leaves it as published
ASB_PER_RESIDENT_YEAR = 0.025  # anti-social behaviour incidents, roughly as in England

OUTCOMES = {
    "charged": "Awaiting court outcome",
    "cautioned": "Offender given a caution",
    "community_resolution": "Local resolution",
    "evidential_difficulties": "Unable to prosecute suspect",
    "no_suspect": "Investigation complete; no suspect identified",
    "under_investigation": "Under investigation",
    "other": "Status update unavailable",
}


def generate(ctx: GenerationContext) -> GeneratedSource:
    rng = ctx.rng(SOURCE)
    police = ctx.landing / "police_crimes"
    lsoas = ctx.lsoas
    # Anti-social behaviour: Poisson counts per LSOA and month, drawn as whole arrays.
    expected = lsoas["lsoa_population"].to_numpy()[:, None] * ASB_PER_RESIDENT_YEAR / 12
    counts = rng.poisson(np.broadcast_to(expected, (len(lsoas), len(ctx.months))))
    lsoa_idx = np.repeat(np.repeat(np.arange(len(lsoas)), len(ctx.months)), counts.ravel())
    month_idx = np.repeat(np.tile(np.arange(len(ctx.months)), len(lsoas)), counts.ravel())
    asb = pd.DataFrame({
        "lsoa_code": lsoas["lsoa_code"].to_numpy()[lsoa_idx],
        "force_name": lsoas["force_name"].to_numpy()[lsoa_idx],
        "month": ctx.months.strftime("%Y-%m").to_numpy()[month_idx],
        "_seq": np.arange(len(lsoa_idx)),
    })
    forces = lsoas[["force_code", "force_name"]].drop_duplicates()
    outcome_case = "CASE outcome " + " ".join(
        f"WHEN '{k}' THEN '{v}'" for k, v in OUTCOMES.items()) + " END"
    folder = ctx.folder(SOURCE)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.register("asb", asb)
    con.register("forces", forces)
    has_police = police.is_dir() and any(police.glob("*.csv"))
    crimes = f"""
        SELECT sha256(crime_reference) AS crime_id, strftime(recorded_date::DATE, '%Y-%m') AS month,
               f.force_name, c.lsoa_code,
               CASE offence_group WHEN 'VAP' THEN 'Violence and sexual offences'
                    WHEN 'SEX' THEN 'Violence and sexual offences' WHEN 'ROB' THEN 'Robbery'
                    WHEN 'POW' THEN 'Possession of weapons' ELSE 'Public order' END AS crime_type,
               {outcome_case} AS outcome, crime_reference AS _order
        FROM read_csv('{police}/*.csv', all_varchar = true) c
        JOIN forces f USING (force_code)
    """ if has_police else "SELECT NULL::VARCHAR AS crime_id, NULL AS month, NULL AS force_name, " \
        "NULL AS lsoa_code, NULL AS crime_type, NULL AS outcome, NULL AS _order WHERE false"
    con.execute(
        f"""
        CREATE TABLE published AS
        WITH rows AS (
            {crimes}
            UNION ALL
            SELECT NULL, month, force_name, lsoa_code, 'Anti-social behaviour', NULL,
                   lpad(_seq::VARCHAR, 12, '0')
            FROM asb
        ), named AS (
            SELECT "LSOA code (2011)" AS lsoa_code, "LSOA name (2011)" AS lsoa_name
            FROM read_csv('{SEEDS / "lsoa_imd2019.csv"}')
        )
        SELECT crime_id AS "Crime ID", month AS "Month", force_name AS "Reported by",
               force_name AS "Falls within", NULL::VARCHAR AS "Longitude",
               NULL::VARCHAR AS "Latitude", 'On or near ' || named.lsoa_name AS "Location",
               rows.lsoa_code AS "LSOA code", named.lsoa_name AS "LSOA name",
               crime_type AS "Crime type", outcome AS "Last outcome category",
               NULL::VARCHAR AS "Context",
               month || '-' || lower(replace(force_name, ' ', '-')) || '-street' AS _file,
               _order
        FROM rows LEFT JOIN named USING (lsoa_code)
        """
    )
    rows = con.execute("SELECT count(*) FROM published").fetchall()[0][0]
    files = write_partitioned(
        con, 'SELECT * EXCLUDE (_order) FROM published ORDER BY _file, "Crime type", _order',
        folder,
    )
    con.close()
    return GeneratedSource(SOURCE, files, rows)
