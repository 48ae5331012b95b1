"""Synthetic ``policeuk_street`` files: what data.police.uk would publish for the synthetic
force exports (same crimes, police.uk categories and outcomes, anonymised locations), plus
anti-social behaviour incidents, which have no Crime ID. One file per force per month,
named as police.uk names them (``YYYY-MM-<force>-street.csv``)."""

from __future__ import annotations

import duckdb
import numpy as np

from orchestration.contracts.policeuk_street import POLICEUK_STREET
from orchestration.reference import SEEDS
from orchestration.synthetic.base import (
    GeneratedSource,
    GenerationContext,
    arrow_table,
    coded,
    force_batches,
    labels,
    read_written,
    write_partitioned,
)

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
    """Write ``landing/policeuk_street/<YYYY-MM>-<force>-street.csv``: a force's files are
    written whole by one batch of forces (as police_crimes writes them), which keeps memory
    flat however many partnerships are asked for."""
    rng = ctx.rng(SOURCE)
    police = ctx.landing / "police_crimes"
    lsoas = ctx.lsoas
    # Anti-social behaviour: Poisson counts per LSOA and month, drawn as whole arrays.
    expected = lsoas["lsoa_population"].to_numpy()[:, None] * ASB_PER_RESIDENT_YEAR / 12
    counts = rng.poisson(np.broadcast_to(expected, (len(lsoas), len(ctx.months))))
    lsoa_idx = np.repeat(np.repeat(np.arange(len(lsoas)), len(ctx.months)), counts.ravel())
    month_idx = np.repeat(np.tile(np.arange(len(ctx.months)), len(lsoas)), counts.ravel())
    lsoa_codes, lsoa_of_row = coded(lsoas["lsoa_code"])
    force_names, force_of_row = coded(lsoas["force_name"])
    months = ctx.months.strftime("%Y-%m")
    outcome_case = "CASE outcome " + " ".join(
        f"WHEN '{k}' THEN '{v}'" for k, v in OUTCOMES.items()) + " END"
    folder = ctx.folder(SOURCE)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    # per force and per LSOA, not per record: the name in the file names, the "Location"
    forces = lsoas[["force_code", "force_name"]].drop_duplicates()
    con.register("forces", forces)
    con.execute("CREATE TEMP TABLE force_files AS SELECT *, "
                "lower(replace(force_name, ' ', '-')) || '-street' AS file_suffix FROM forces")
    con.execute("CREATE TEMP TABLE name_files AS "
                "SELECT DISTINCT force_name, file_suffix FROM force_files")
    con.execute(
        f"""
        CREATE TEMP TABLE named AS
        SELECT "LSOA code (2011)" AS lsoa_code, "LSOA name (2011)" AS lsoa_name,
               'On or near ' || "LSOA name (2011)" AS location
        FROM read_csv('{SEEDS / "lsoa_imd2019.csv"}')
        """
    )
    batch_of_lsoa = np.full(len(lsoas), -1)
    batches = force_batches(lsoas)
    for b, batch in enumerate(batches):
        batch_of_lsoa[lsoas["force_code"].isin(batch["force_code"].unique()).to_numpy()] = b
    asb_batch = batch_of_lsoa[lsoa_idx]
    files = rows = 0
    for b, batch in enumerate(batches):
        chosen = np.flatnonzero(asb_batch == b)
        con.register("asb", arrow_table({
            "lsoa_code": labels(lsoa_of_row[lsoa_idx[chosen]], lsoa_codes),
            "force_name": labels(force_of_row[lsoa_idx[chosen]], force_names),
            "month": labels(month_idx[chosen], months),
            "_seq": chosen,
        }))
        # the force's crimes are in its files (police_crimes names them by force)
        written = sorted(p for code in batch["force_code"].unique()
                         for p in police.glob(f"{code}_*.csv")) if police.is_dir() else []
        crimes = f"""
            SELECT sha256(crime_reference) AS crime_id,
                   strftime(recorded_date::DATE, '%Y-%m') AS month,
                   f.force_name, c.lsoa_code,
                   CASE offence_group WHEN 'VAP' THEN 'Violence and sexual offences'
                        WHEN 'SEX' THEN 'Violence and sexual offences' WHEN 'ROB' THEN 'Robbery'
                        WHEN 'POW' THEN 'Possession of weapons' ELSE 'Public order'
                   END AS crime_type,
                   {outcome_case} AS outcome, crime_reference AS _order, f.file_suffix
            FROM {read_written(police, written)} c
            JOIN force_files f USING (force_code)
        """ if written else (
            "SELECT NULL::VARCHAR AS crime_id, NULL AS month, NULL AS force_name, "
            "NULL AS lsoa_code, NULL AS crime_type, NULL AS outcome, NULL AS _order, "
            "NULL AS file_suffix WHERE false")
        published = f"""
            WITH rows AS (
                {crimes}
                UNION ALL
                SELECT NULL, month, asb.force_name, lsoa_code, 'Anti-social behaviour', NULL,
                       lpad(_seq::VARCHAR, 12, '0'), f.file_suffix
                FROM asb JOIN name_files f USING (force_name)
            )
            SELECT crime_id AS "Crime ID", month AS "Month", force_name AS "Reported by",
                   force_name AS "Falls within", NULL::VARCHAR AS "Longitude",
                   NULL::VARCHAR AS "Latitude", named.location AS "Location",
                   rows.lsoa_code AS "LSOA code", named.lsoa_name AS "LSOA name",
                   crime_type AS "Crime type", outcome AS "Last outcome category",
                   NULL::VARCHAR AS "Context", month || '-' || file_suffix AS _file, _order
            FROM rows LEFT JOIN named USING (lsoa_code)
        """
        part_files, part_rows = write_partitioned(con, published, '_file, "Crime type", _order',
                                                  folder)
        files, rows = files + part_files, rows + part_rows
    con.close()
    return GeneratedSource(SOURCE, files, rows)
