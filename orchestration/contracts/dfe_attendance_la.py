"""``dfe_attendance_la``: the Department for Education's published pupil attendance table for
England, its regions and every local authority, by phase, academic year 2024/25 to date
(Explore Education Statistics, "Pupil attendance in schools", ``EES_ytd_data.csv``), loaded
exactly as published.

One row per period, geographic level, area and education phase; sessions by attendance code,
the rates derived from them, and the persistent absence rate (``pa_perc``). Where a local
authority has a single school in a phase the DfE withholds the row's figures as ``c``; the
number of schools in the phase is then ``z``. Both stay as text in raw and become NULL with a
suppressed flag in staging, never 0.

Local authorities here are upper-tier authorities (counties E10, unitaries E06, metropolitan
districts E08, London boroughs E09), with current codes (e.g. North Yorkshire E06000065).

Source: Department for Education, Explore Education Statistics. Contains public sector
information licensed under the Open Government Licence v3.0.
"""

from __future__ import annotations

from orchestration.contracts.base import Contract, Field

LEVELS = ("National", "Regional", "Local authority")
PHASES = ("Primary", "Secondary", "Special", "Total")

# A figure as published: a number (plain, decimal or in e-notation, e.g. 8.9e-06), or a DfE
# symbol: c = confidential (withheld), z = not applicable.
VALUE_PATTERN = r"^([0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|c|z)$"
SYMBOLS_NOTE = ("As published: a number; c (confidential: withheld by the DfE, e.g. an "
                "authority with one school in the phase; not zero, not known); or z (not "
                "applicable).")
SESSIONS = "Number of half-day sessions"

# (column, meaning): the measures, in file order after education_phase.
MEASURES: tuple[tuple[str, str], ...] = (
    ("num_schools", "Number of schools that provided attendance data, averaged over the days "
                    "of the period (hence decimals)."),
    ("enrolments", "Pupils on roll at the schools providing data, averaged over the period."),
    ("present_sessions", f"{SESSIONS} present: at registration (/ \\) or late before "
                         "registers closed (L)."),
    ("overall_attendance", f"{SESSIONS} counted as attendance: present plus approved "
                           "educational activity."),
    ("approved_educational_activity", f"{SESSIONS} of approved educational activity off site "
                                      "(codes B, J, P, V, W, K)."),
    ("overall_absence", f"{SESSIONS} missed: authorised plus unauthorised absence."),
    ("authorised_absence", f"{SESSIONS} of authorised absence (I, M, R, S, T, H, E, C, C1, J1, "
                           "C2)."),
    ("unauthorised_absence", f"{SESSIONS} of unauthorised absence (G, U, O, N)."),
    ("late_sessions", f"{SESSIONS} late: before registers closed (L) or after (U)."),
    ("possible_sessions", f"{SESSIONS} possible: attendance plus absence (the rates' base)."),
    ("reason_present_am", "Morning sessions present at registration (code /)."),
    ("reason_present_pm", "Afternoon sessions present at registration (code \\)."),
    ("reason_present", "Sessions present at registration, morning and afternoon."),
    ("reason_l_present_late_before_registers_closed",
     "Sessions late before registers closed (code L; present)."),
    ("reason_i_authorised_illness", "Sessions absent for illness (code I; authorised)."),
    ("reason_m_authorised_medical_dental",
     "Sessions absent for medical or dental appointments (code M; authorised)."),
    ("reason_r_authorised_religious_observance",
     "Sessions absent for religious observance (code R; authorised)."),
    ("reason_s_authorised_study_leave", "Sessions of study leave (code S; authorised)."),
    ("reason_t_authorised_mobile_child",
     "Sessions absent, mobile child whose parents travel for work (code T; authorised)."),
    ("reason_h_authorised_holiday", "Sessions of authorised holiday (code H)."),
    ("reason_e_authorised_excluded",
     "Sessions absent while suspended or excluded, no alternative provision (code E)."),
    ("reason_c_authorised_other",
     "Sessions of leave for other exceptional circumstances (code C; authorised)."),
    ("reason_c1_authorised_regulated_performance",
     "Sessions of leave for a regulated performance or employment abroad (code C1)."),
    ("reason_j1_authorised_interview", "Sessions of leave to attend an interview (code J1)."),
    ("reason_c2_authorised_temp_reduced_timetable",
     "Sessions not required under a temporary reduced timetable (code C2; authorised)."),
    ("reason_b_aea_education_off_site",
     "Sessions educated off site (code B; approved educational activity)."),
    ("reason_j_aea_interview", "Sessions at an interview (code J; approved educational "
                               "activity)."),
    ("reason_p_aea_approved_sporting_activity",
     "Sessions at an approved sporting activity (code P; approved educational activity)."),
    ("reason_v_aea_educational_visit_trip",
     "Sessions on an educational visit or trip (code V; approved educational activity)."),
    ("reason_w_aea_work_experience",
     "Sessions of work experience (code W; approved educational activity)."),
    ("reason_k_aea_education_arranged_by_la",
     "Sessions in education arranged by the local authority (code K; approved educational "
     "activity)."),
    ("reason_g_unauthorised_holiday", "Sessions of unauthorised holiday (code G)."),
    ("reason_u_unauthorised_late_after_registers_closed",
     "Sessions late after registers closed (code U; unauthorised absence)."),
    ("reason_o_other_unauthorised", "Sessions of other unauthorised absence (code O)."),
    ("reason_n_no_reason_yet", "Sessions absent with no reason yet provided (code N; "
                               "unauthorised)."),
    ("total_num_schools", "Number of schools in the area and phase, whether or not they provided "
                          "data; z (not applicable) on the rows withheld as c."),
    ("total_enrolments", "Pupils on roll at all schools in the area and phase."),
    ("attendance_perc", "Attendance rate: overall_attendance as a percentage of possible "
                        "sessions."),
    ("overall_absence_perc", "Overall absence rate: overall_absence as a percentage of possible "
                             "sessions."),
    ("authorised_absence_perc", "Authorised absence as a percentage of possible sessions."),
    ("unauthorised_absence_perc", "Unauthorised absence as a percentage of possible sessions."),
    ("illness_perc", "Illness (I) as a percentage of possible sessions."),
    ("appointments_perc", "Medical or dental appointments (M) as a percentage of possible "
                          "sessions."),
    ("unauth_hol_perc", "Unauthorised holiday (G) as a percentage of possible sessions."),
    ("unauth_oth_perc", "Other unauthorised absence (O) as a percentage of possible sessions."),
    ("unauth_late_registers_closed_perc",
     "Late after registers closed (U) as a percentage of possible sessions."),
    ("unauth_not_yet_perc", "No reason yet (N) as a percentage of possible sessions."),
    ("auth_religious_perc", "Religious observance (R) as a percentage of possible sessions."),
    ("auth_study_perc", "Study leave (S) as a percentage of possible sessions."),
    ("auth_mob_perc", "Mobile child (T) as a percentage of possible sessions."),
    ("auth_excluded_perc", "Suspended or excluded (E) as a percentage of possible sessions."),
    ("auth_performance_perc", "Regulated performance or employment abroad (C1) as a percentage "
                              "of possible sessions."),
    ("auth_interview_perc", "Interview leave (J1) as a percentage of possible sessions."),
    ("auth_part_time_perc", "Temporary reduced timetable (C2) as a percentage of possible "
                            "sessions."),
    ("auth_other_perc", "Other exceptional circumstances (C) as a percentage of possible "
                        "sessions."),
    ("pa_perc", "Persistent absence rate: percentage of pupils who missed 10% or more of their "
                "possible sessions in the period."),
)
MEASURE_NAMES = tuple(name for name, _ in MEASURES)


def _blank(column: str) -> str:
    return f"nullif(trim(\"{column}\"), '') IS NULL"


CONTRACT = DFE_ATTENDANCE_LA = Contract(
    source="dfe_attendance_la",
    agency="education",
    description=(
        "The DfE's published pupil attendance table (Explore Education Statistics, "
        "`EES_ytd_data.csv`): sessions by attendance code, absence rates and the persistent "
        "absence rate for England, regions and local authorities by phase, one row per period, "
        "area and phase, loaded as published (`c` = withheld, `z` = not applicable)."
    ),
    key=("time_period", "time_identifier", "geographic_level", "new_la_code", "education_phase"),
    file_globs=("*.csv",),
    row_checks=(
        (
            "try_cast(substr(trim(time_period), 5, 2) AS INTEGER) "
            "<> (try_cast(substr(trim(time_period), 3, 2) AS INTEGER) + 1) % 100",
            "time_period is not an academic year of two consecutive years (e.g. 202425)",
        ),
        (
            f"trim(geographic_level) = 'Local authority' AND ({_blank('region_code')} OR "
            f"{_blank('new_la_code')} OR {_blank('old_la_code')} OR {_blank('la_name')})",
            "a Local authority row needs region_code, new_la_code, old_la_code and la_name",
        ),
        (
            f"trim(geographic_level) = 'Regional' AND ({_blank('region_code')} OR NOT "
            f"({_blank('new_la_code')} AND {_blank('old_la_code')} AND {_blank('la_name')}))",
            "a Regional row needs region_code and no local authority",
        ),
        (
            f"trim(geographic_level) = 'National' AND NOT ({_blank('region_code')} AND "
            f"{_blank('new_la_code')} AND {_blank('old_la_code')} AND {_blank('la_name')})",
            "a National row has no region or local authority",
        ),
    ),
    fields=(
        Field("time_period", "varchar", True,
              "Academic year as six digits: the two calendar years it spans (202425 = 2024/25).",
              pattern=r"^20[0-9]{4}$"),
        Field("geographic_level", "varchar", True,
              "Geographic level of the row: England, a region, or a local authority.",
              codes=LEVELS),
        Field("country_code", "varchar", True, "ONS code of England.", codes=("E92000001",)),
        Field("country_name", "varchar", True, "Country name.", codes=("England",)),
        Field("region_code", "varchar", False,
              "ONS code of the region (E12…); blank on the national rows.",
              pattern=r"^E12[0-9]{6}$"),
        Field("region_name", "varchar", False, "Region name; blank on the national rows."),
        Field("new_la_code", "varchar", False,
              "ONS code of the upper-tier local authority: county (E10), unitary (E06), "
              "metropolitan district (E08) or London borough (E09); blank on national and "
              "regional rows.", pattern=r"^E(06|08|09|10)[0-9]{6}$"),
        Field("la_name", "varchar", False,
              "Local authority name; blank on national and regional rows."),
        Field("old_la_code", "varchar", False,
              "The DfE's three-digit local authority number (e.g. 888 Lancashire); blank on "
              "national and regional rows.", pattern=r"^[0-9]{3}$"),
        Field("education_phase", "varchar", True,
              "School phase: primary, secondary, special, or their total (published for England "
              "and regions only).", codes=PHASES),
        *(Field(name, "varchar", True, f"{meaning} {SYMBOLS_NOTE}", pattern=VALUE_PATTERN)
          for name, meaning in MEASURES),
        Field("time_identifier", "varchar", True,
              "The period covered: 'Academic year' (the year to date at publication).",
              codes=("Academic year",)),
    ),
    notes=(
        "Figures are text in raw so that `c` and `z` are never read as 0; staging gives each as "
        "a number, NULL when withheld, with a `suppressed` flag for the row.",
        "Published for upper-tier local authorities: a county's figures are the county's, not "
        "split among its districts' Community Safety Partnerships.",
        "Contains public sector information licensed under the Open Government Licence v3.0.",
    ),
)
