-- The DfE's published pupil attendance table, renamed and typed: each figure a number, NULL
-- where the DfE withheld it (c) or it does not apply (z); suppressed flags a row with any
-- figure withheld. Never 0 for c or z.
{%- set measures = [
    'num_schools', 'enrolments', 'present_sessions', 'overall_attendance',
    'approved_educational_activity', 'overall_absence', 'authorised_absence',
    'unauthorised_absence', 'late_sessions', 'possible_sessions', 'reason_present_am',
    'reason_present_pm', 'reason_present', 'reason_l_present_late_before_registers_closed',
    'reason_i_authorised_illness', 'reason_m_authorised_medical_dental',
    'reason_r_authorised_religious_observance', 'reason_s_authorised_study_leave',
    'reason_t_authorised_mobile_child', 'reason_h_authorised_holiday',
    'reason_e_authorised_excluded', 'reason_c_authorised_other',
    'reason_c1_authorised_regulated_performance', 'reason_j1_authorised_interview',
    'reason_c2_authorised_temp_reduced_timetable', 'reason_b_aea_education_off_site',
    'reason_j_aea_interview', 'reason_p_aea_approved_sporting_activity',
    'reason_v_aea_educational_visit_trip', 'reason_w_aea_work_experience',
    'reason_k_aea_education_arranged_by_la', 'reason_g_unauthorised_holiday',
    'reason_u_unauthorised_late_after_registers_closed', 'reason_o_other_unauthorised',
    'reason_n_no_reason_yet', 'total_num_schools', 'total_enrolments', 'attendance_perc',
    'overall_absence_perc', 'authorised_absence_perc', 'unauthorised_absence_perc',
    'illness_perc', 'appointments_perc', 'unauth_hol_perc', 'unauth_oth_perc',
    'unauth_late_registers_closed_perc', 'unauth_not_yet_perc', 'auth_religious_perc',
    'auth_study_perc', 'auth_mob_perc', 'auth_excluded_perc', 'auth_performance_perc',
    'auth_interview_perc', 'auth_part_time_perc', 'auth_other_perc', 'pa_perc'] %}
select
    substr(time_period, 1, 4) || '/' || substr(time_period, 5, 2) as academic_year,
    cast(substr(time_period, 1, 4) as integer) as academic_year_start,
    time_identifier,
    geographic_level,
    country_code,
    country_name,
    region_code,
    region_name,
    new_la_code as la_code,
    old_la_code,
    la_name,
    education_phase,
{%- for m in measures %}
    {{ try_cast_as(m, type_double()) }} as {{ m }},
{%- endfor %}
    coalesce(
{%- for m in measures %}
        {{ m }} = 'c'{{ ' or' if not loop.last }}
{%- endfor %}
    , false) as suppressed,
    _file as source_file,
    _line_number as source_line,
    _loaded_at as loaded_at,
    _received_at as received_at
from {{ source('dfe_attendance', 'dfe_attendance_la') }}
