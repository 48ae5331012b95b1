-- The floor of `pvw bench` (docs/bench.md): what DuckDB alone needs to turn the landing files
-- into the indicators' numerators, with no framework around it. The pipeline does this and
-- much more (contracts, quarantine, pseudonymisation, load log, dbt tests, statistics,
-- checks, publishing); its full build is reported as a ratio to this script's time.
--
-- Inputs, set before the script runs (the duckdb CLI or Python):
--   SET VARIABLE landing = '<landing folder>';        -- one folder per source, CSV files
--   SET VARIABLE seeds = '<repo>/seeds/reference';    -- the reference lookups
-- Output: the table `numerators` (indicator_id, partnership_code, period_type, period_start,
-- numerator, denominator): by month for the monthly (and quarterly) sources as in
-- int_indicator_monthly_counts, by financial year for those summed over complete years as
-- in int_indicator_period_counts, and by financial or academic year for hospital admissions,
-- school exclusions and persistent absence.
--
-- The same rules as the dbt models: a record sent again counts once (its latest file wins),
-- records are placed in partnerships by LSOA (int_lsoas_placed: through the district when the
-- lookup gives it one partnership, else through the former district that starts the LSOA's
-- name) or by district (int_lads_placed).

-- ---------------------------------------------------------------- placement (reference seeds)
CREATE OR REPLACE TABLE lads_placed AS
SELECT "lad-code" AS lad_code,
       CASE WHEN count(*) = 1 THEN min("csp-code") END AS partnership_code
FROM read_csv(getvariable('seeds') || '/lad_to_csp.csv', delim = ';', all_varchar = true)
GROUP BY ALL;

CREATE OR REPLACE TABLE lsoas_placed AS
SELECT lsoas."LSOA code (2011)" AS lsoa_code,
       coalesce(lads.partnership_code, reconciled.partnership_code) AS partnership_code
FROM read_csv(getvariable('seeds') || '/lsoa_imd2019.csv', all_varchar = true) AS lsoas
LEFT JOIN lads_placed AS lads ON lsoas."Local Authority District code (2019)" = lads.lad_code
LEFT JOIN read_csv(getvariable('seeds') || '/partnership_reconciliation.csv',
                   all_varchar = true) AS reconciled
    ON lads.partnership_code IS NULL
    AND regexp_replace(lsoas."LSOA name (2011)", ' [0-9]{3}[A-Z]$', '') = reconciled.former_district;

-- ---------------------------------------------------------------- load the landing files
CREATE OR REPLACE TABLE police_crimes AS
SELECT * FROM read_csv(getvariable('landing') || '/police_crimes/*.csv', filename = true,
    types = {'recorded_date': 'DATE', 'occurred_at': 'TIMESTAMP', 'lsoa_code': 'VARCHAR'});

CREATE OR REPLACE TABLE policeuk_street AS
SELECT * FROM read_csv(getvariable('landing') || '/policeuk_street/*.csv', filename = true,
    all_varchar = true);

CREATE OR REPLACE TABLE ae_istv AS
SELECT * FROM read_csv(getvariable('landing') || '/ae_istv/*.csv', filename = true,
    types = {'attendance_id': 'VARCHAR', 'arrival_at': 'TIMESTAMP', 'assault_at': 'TIMESTAMP',
             'lsoa_code': 'VARCHAR', 'assault_method': 'VARCHAR'});

CREATE OR REPLACE TABLE ambulance AS
SELECT * FROM read_csv(getvariable('landing') || '/ambulance/*.csv', filename = true,
    types = {'incident_id': 'VARCHAR', 'call_at': 'TIMESTAMP', 'lsoa_code': 'VARCHAR'});

CREATE OR REPLACE TABLE hospital_admissions AS
SELECT * FROM read_csv(getvariable('landing') || '/hospital_admissions/*.csv', filename = true,
    types = {'admissions': 'BIGINT'});

CREATE OR REPLACE TABLE probation_caseload AS
SELECT * FROM read_csv(getvariable('landing') || '/probation_caseload/*.csv', filename = true,
    types = {'snapshot_month': 'VARCHAR', 'lsoa_code': 'VARCHAR', 'lad_code': 'VARCHAR',
             'rosh_level': 'VARCHAR', 'mappa_category': 'VARCHAR', 'mappa_level': 'VARCHAR'});

CREATE OR REPLACE TABLE probation_reoffending AS
SELECT * FROM read_csv(getvariable('landing') || '/probation_reoffending/*.csv',
    filename = true, types = {'reoffended': 'VARCHAR'});

CREATE OR REPLACE TABLE school_exclusions AS
SELECT * FROM read_csv(getvariable('landing') || '/school_exclusions/*.csv', filename = true,
    types = {'exclusion_date': 'DATE', 'school_urn': 'VARCHAR', 'pupil_id': 'VARCHAR'});

CREATE OR REPLACE TABLE school_pupils AS
SELECT * FROM read_csv(getvariable('landing') || '/school_pupils/*.csv', filename = true,
    types = {'pupils': 'BIGINT'});

CREATE OR REPLACE TABLE dfe_attendance_la AS
SELECT * FROM read_csv(getvariable('landing') || '/dfe_attendance_la/*.csv', filename = true,
    all_varchar = true);

CREATE OR REPLACE TABLE marac_cases AS
SELECT * FROM read_csv(getvariable('landing') || '/marac_cases/*.csv', filename = true,
    types = {'conference_date': 'DATE', 'victim_id': 'VARCHAR', 'case_id': 'VARCHAR'});

-- ---------------------------------------------------------------- records, once, placed
CREATE OR REPLACE TEMP TABLE police AS
SELECT c.*, p.partnership_code, CAST(date_trunc('month', c.recorded_date) AS DATE) AS month_start
FROM (FROM police_crimes
      QUALIFY row_number() OVER (PARTITION BY crime_reference
                                 ORDER BY filename DESC, rowid DESC) = 1) AS c
LEFT JOIN lsoas_placed AS p USING (lsoa_code);

CREATE OR REPLACE TEMP TABLE ae AS
WITH latest AS (
    FROM ae_istv
    QUALIFY row_number() OVER (PARTITION BY site_code, attendance_id
                               ORDER BY filename DESC, rowid DESC) = 1
),
placed AS (
    SELECT latest.*, p.lsoa_code IS NOT NULL AS has_usable_location, p.partnership_code,
           CAST(date_trunc('month', latest.arrival_at) AS DATE) AS month_start
    FROM latest LEFT JOIN lsoas_placed AS p USING (lsoa_code)
),
sites AS (  -- each department's home partnership: where most of its located attendances were
    SELECT site_code, first(partnership_code ORDER BY n DESC, partnership_code)
               AS site_partnership_code
    FROM (SELECT site_code, partnership_code, count(*) AS n
          FROM placed WHERE partnership_code IS NOT NULL GROUP BY ALL)
    GROUP BY site_code
)
SELECT placed.*, sites.site_partnership_code,
       coalesce(placed.partnership_code, sites.site_partnership_code) AS counted_partnership_code
FROM placed LEFT JOIN sites USING (site_code);

CREATE OR REPLACE TEMP TABLE monthly AS
WITH
police_months AS (
    SELECT partnership_code, month_start,
        count_if(offence_group = 'VAP') AS vap_per_1000,
        count_if(offence_subgroup = 'VAP_VWI') AS violence_with_injury_per_1000,
        count_if(offence_subgroup = 'VAP_VWO') AS violence_without_injury_per_1000,
        count_if(offence_subgroup = 'VAP_SH') AS stalking_harassment_per_1000,
        count_if(offence_subgroup = 'VAP_HOM') AS homicide_per_100k,
        count_if(offence_subgroup = 'VAP_HOM') AS homicide_count,
        count_if(offence_group IN ('VAP', 'ROB', 'SEX') AND knife_flag = 'Y')
            AS knife_crime_per_100k,
        count_if(offence_group = 'VAP' AND domestic_abuse_flag = 'Y')
            AS domestic_abuse_violence_per_1000,
        count_if(offence_group = 'VAP' AND location_type IN ('street', 'transport', 'licensed_premises')
                 AND ((dayofweek(occurred_at) IN (5, 6) AND hour(occurred_at) >= 18)
                      OR (dayofweek(occurred_at) IN (6, 0) AND hour(occurred_at) < 6)))
            AS nte_violence_per_1000,
        count_if(offence_group = 'ROB') AS robbery_per_1000,
        count_if(offence_group = 'SEX') AS sexual_offences_per_1000,
        count_if(offence_group = 'VAP' AND alcohol_flag = 'Y') AS alcohol_related_violence_pct,
        count_if(offence_group = 'VAP') AS alcohol_related_violence_pct__d
    FROM police WHERE partnership_code IS NOT NULL GROUP BY ALL
),
policeuk_months AS (
    SELECT p.partnership_code, CAST(s."Month" || '-01' AS DATE) AS month_start,
           count_if(s."Crime type" = 'Violence and sexual offences')
               AS policeuk_violence_sexual_per_1000
    FROM (FROM policeuk_street
          QUALIFY "Crime ID" IS NULL OR row_number() OVER (
              PARTITION BY "Crime ID" ORDER BY filename DESC, rowid DESC) = 1) AS s
    JOIN lsoas_placed AS p ON s."LSOA code" = p.lsoa_code
    WHERE p.partnership_code IS NOT NULL GROUP BY ALL
),
ed_counted AS (
    SELECT counted_partnership_code AS partnership_code, month_start,
           count(*) AS ed_assault_attendances_per_100k,
           count_if(assault_method = 'knife_sharp') AS ed_knife_assaults_per_100k
    FROM ae WHERE counted_partnership_code IS NOT NULL GROUP BY ALL
),
ed_sites AS (
    SELECT site_partnership_code AS partnership_code, month_start,
           count_if(has_usable_location) AS ed_assault_location_recorded_pct,
           count(*) AS ed_assault_location_recorded_pct__d
    FROM ae WHERE site_partnership_code IS NOT NULL GROUP BY ALL
),
ed_unseen AS (  -- located attendances with no police violence in the LSOA within a day
    SELECT a.partnership_code, a.month_start,
           count_if(NOT EXISTS (
               SELECT 1 FROM police AS v
               WHERE v.offence_group = 'VAP' AND v.partnership_code = a.partnership_code
                 AND v.lsoa_code = a.lsoa_code
                 AND CAST(coalesce(v.occurred_at, v.recorded_date) AS DATE)
                     BETWEEN CAST(coalesce(a.assault_at, a.arrival_at) AS DATE) - 1
                     AND CAST(coalesce(a.assault_at, a.arrival_at) AS DATE) + 1
           )) AS ed_assaults_unseen_by_police_pct,
           count(*) AS ed_assaults_unseen_by_police_pct__d
    FROM ae AS a
    SEMI JOIN police_months AS m USING (partnership_code, month_start)
    WHERE a.has_usable_location GROUP BY ALL
),
ambulance_months AS (
    SELECT p.partnership_code, CAST(date_trunc('month', a.call_at) AS DATE) AS month_start,
           count(*) AS ambulance_assaults_per_100k
    FROM (FROM ambulance
          QUALIFY row_number() OVER (PARTITION BY service_area_code, incident_id
                                     ORDER BY filename DESC, rowid DESC) = 1) AS a
    JOIN lsoas_placed AS p USING (lsoa_code)
    WHERE p.partnership_code IS NOT NULL GROUP BY ALL
),
probation_months AS (
    SELECT coalesce(l.partnership_code, d.partnership_code) AS partnership_code,
           CAST(c.snapshot_month || '-01' AS DATE) AS month_start,
           count_if(c.rosh_level IN ('high', 'very_high')) AS probation_high_rosh_pct,
           count(*) AS probation_high_rosh_pct__d
    FROM (FROM probation_caseload
          QUALIFY row_number() OVER (PARTITION BY person_id, snapshot_month
                                     ORDER BY filename DESC, rowid DESC) = 1) AS c
    LEFT JOIN lsoas_placed AS l ON c.lsoa_code = l.lsoa_code
    LEFT JOIN lads_placed AS d ON c.lad_code = d.lad_code
    WHERE coalesce(l.partnership_code, d.partnership_code) IS NOT NULL GROUP BY ALL
),
reoffending_quarters AS (
    SELECT d.partnership_code,
           make_date(CAST(left(r.cohort_quarter, 4) AS INTEGER),
                     (CAST(right(r.cohort_quarter, 1) AS INTEGER) - 1) * 3 + 1, 1) AS month_start,
           count_if(r.offence_group = 'violence' AND r.reoffended = 'Y')
               AS violent_proven_reoffending_pct,
           count_if(r.offence_group = 'violence') AS violent_proven_reoffending_pct__d
    FROM (FROM probation_reoffending
          QUALIFY row_number() OVER (PARTITION BY person_id, cohort_quarter
                                     ORDER BY filename DESC, rowid DESC) = 1) AS r
    JOIN lads_placed AS d USING (lad_code)
    WHERE d.partnership_code IS NOT NULL GROUP BY ALL
),
marac_months AS (
    SELECT partnership_code, CAST(date_trunc('month', conference_date) AS DATE) AS month_start,
           count(*) AS marac_cases_per_10k_women,
           count_if(coalesce(previous >= conference_date - INTERVAL 12 MONTH, false))
               AS marac_repeat_pct,
           count(*) AS marac_repeat_pct__d
    FROM (
        SELECT m.*, k.partnership_code,
               lag(m.conference_date) OVER (PARTITION BY m.victim_id
                                            ORDER BY m.conference_date, m.case_id) AS previous
        FROM (FROM marac_cases
              QUALIFY row_number() OVER (PARTITION BY case_id
                                         ORDER BY filename DESC, rowid DESC) = 1) AS m
        LEFT JOIN (SELECT DISTINCT "csp-code" AS partnership_code
                   FROM read_csv(getvariable('seeds') || '/lad_to_csp.csv', delim = ';',
                                 all_varchar = true)) AS k
            ON m.partnership_code = k.partnership_code
    )
    WHERE partnership_code IS NOT NULL GROUP BY ALL
)
-- one row per indicator, partnership and month: numerator and (proportions) denominator
SELECT indicator_id, partnership_code, month_start, numerator, denominator FROM (
    UNPIVOT (SELECT * EXCLUDE (alcohol_related_violence_pct__d) FROM police_months)
        ON COLUMNS(* EXCLUDE (partnership_code, month_start))
        INTO NAME indicator_id VALUE numerator
) LEFT JOIN (SELECT 'alcohol_related_violence_pct' AS indicator_id, partnership_code,
                    month_start, alcohol_related_violence_pct__d AS denominator
             FROM police_months) USING (indicator_id, partnership_code, month_start)
UNION ALL BY NAME
SELECT 'policeuk_violence_sexual_per_1000' AS indicator_id, partnership_code, month_start,
       policeuk_violence_sexual_per_1000 AS numerator FROM policeuk_months
UNION ALL BY NAME
SELECT 'ed_assault_attendances_per_100k' AS indicator_id, partnership_code, month_start,
       ed_assault_attendances_per_100k AS numerator FROM ed_counted
UNION ALL BY NAME
SELECT 'ed_knife_assaults_per_100k' AS indicator_id, partnership_code, month_start,
       ed_knife_assaults_per_100k AS numerator FROM ed_counted
UNION ALL BY NAME
SELECT 'ed_assault_location_recorded_pct' AS indicator_id, partnership_code, month_start,
       ed_assault_location_recorded_pct AS numerator,
       ed_assault_location_recorded_pct__d AS denominator FROM ed_sites
UNION ALL BY NAME
SELECT 'ed_assaults_unseen_by_police_pct' AS indicator_id, partnership_code, month_start,
       ed_assaults_unseen_by_police_pct AS numerator,
       ed_assaults_unseen_by_police_pct__d AS denominator FROM ed_unseen
UNION ALL BY NAME
SELECT 'ambulance_assaults_per_100k' AS indicator_id, partnership_code, month_start,
       ambulance_assaults_per_100k AS numerator FROM ambulance_months
UNION ALL BY NAME
SELECT 'probation_high_rosh_pct' AS indicator_id, partnership_code, month_start,
       probation_high_rosh_pct AS numerator, probation_high_rosh_pct__d AS denominator
FROM probation_months
UNION ALL BY NAME
SELECT 'violent_proven_reoffending_pct' AS indicator_id, partnership_code, month_start,
       violent_proven_reoffending_pct AS numerator,
       violent_proven_reoffending_pct__d AS denominator FROM reoffending_quarters
UNION ALL BY NAME
SELECT 'marac_cases_per_10k_women' AS indicator_id, partnership_code, month_start,
       marac_cases_per_10k_women AS numerator FROM marac_months
UNION ALL BY NAME
SELECT 'marac_repeat_pct' AS indicator_id, partnership_code, month_start,
       marac_repeat_pct AS numerator, marac_repeat_pct__d AS denominator FROM marac_months;

-- ---------------------------------------------------------------- numerators by period
CREATE OR REPLACE TABLE numerators AS
SELECT indicator_id, partnership_code, 'month' AS period_type, month_start AS period_start,
       numerator, denominator
FROM monthly

UNION ALL
-- financial years with every month (every quarter) present; a snapshot (probation caseload)
-- takes the year's last month
SELECT indicator_id, partnership_code, 'financial_year',
       make_date(year(month_start - INTERVAL 3 MONTH), 4, 1) AS period_start,
       CASE WHEN indicator_id = 'probation_high_rosh_pct'
            THEN arg_max(numerator, month_start) ELSE sum(numerator) END,
       CASE WHEN indicator_id = 'probation_high_rosh_pct'
            THEN arg_max(denominator, month_start) ELSE sum(denominator) END
FROM monthly
GROUP BY indicator_id, partnership_code, period_start
HAVING count(DISTINCT month_start)
    = CASE WHEN indicator_id = 'violent_proven_reoffending_pct' THEN 4 ELSE 12 END

UNION ALL
-- hospital admissions for assault, by financial year
SELECT 'hospital_admissions_violence_dsr', d.partnership_code, 'financial_year',
       make_date(CAST(left(h.financial_year, 4) AS INTEGER), 4, 1), sum(h.admissions), NULL
FROM (FROM hospital_admissions
      QUALIFY row_number() OVER (PARTITION BY lad_code, financial_year, age_band, sex
                                 ORDER BY filename DESC, rowid DESC) = 1) AS h
JOIN lads_placed AS d USING (lad_code)
WHERE d.partnership_code IS NOT NULL GROUP BY ALL

UNION ALL
-- exclusions for physical assault per pupil, by academic year (September and July present)
SELECT 'assault_exclusions_per_1000_pupils', e.partnership_code, 'academic_year',
       e.period_start, e.assaults, sum(p.pupils)
FROM (
    SELECT d.partnership_code,
           make_date(year(x.exclusion_date - INTERVAL 8 MONTH), 9, 1) AS period_start,
           count_if(x.reason IN ('physical_assault_pupil', 'physical_assault_adult')) AS assaults
    FROM (FROM school_exclusions
          QUALIFY row_number() OVER (PARTITION BY pupil_id, exclusion_date, school_urn
                                     ORDER BY filename DESC, rowid DESC) = 1) AS x
    JOIN lads_placed AS d USING (lad_code)
    WHERE d.partnership_code IS NOT NULL GROUP BY ALL
    HAVING bool_or(month(x.exclusion_date) = 9) AND bool_or(month(x.exclusion_date) = 7)
) AS e
JOIN (
    SELECT d.partnership_code, make_date(CAST(left(s.academic_year, 4) AS INTEGER), 9, 1)
               AS period_start, s.pupils
    FROM (FROM school_pupils
          QUALIFY row_number() OVER (PARTITION BY lad_code, academic_year
                                     ORDER BY filename DESC, rowid DESC) = 1) AS s
    JOIN lads_placed AS d USING (lad_code)
) AS p USING (partnership_code, period_start)
GROUP BY ALL

UNION ALL
-- persistent absence: the DfE's rate x enrolments, authorities that are one placed district
SELECT 'persistent_absence_pct', d.partnership_code, 'academic_year',
       make_date(CAST(left(a.time_period, 4) AS INTEGER), 9, 1),
       sum(round(CAST(a.enrolments AS DOUBLE) * CAST(a.pa_perc AS DOUBLE) / 100.0)),
       sum(round(CAST(a.enrolments AS DOUBLE)))
FROM (FROM dfe_attendance_la
      WHERE geographic_level = 'Local authority'
      QUALIFY row_number() OVER (
          PARTITION BY time_period, time_identifier, new_la_code, education_phase
          ORDER BY filename DESC, rowid DESC) = 1) AS a
JOIN lads_placed AS d
    ON d.lad_code = CASE a.new_la_code WHEN 'E06000048' THEN 'E06000057'
                                       WHEN 'E08000020' THEN 'E08000037'
                                       ELSE a.new_la_code END
    AND left(a.new_la_code, 3) <> 'E10'
WHERE d.partnership_code IS NOT NULL
    AND NOT list_contains([COLUMNS(* EXCLUDE (filename))], 'c')
    AND try_cast(a.pa_perc AS DOUBLE) IS NOT NULL
    AND try_cast(a.enrolments AS DOUBLE) > 0
GROUP BY ALL;
