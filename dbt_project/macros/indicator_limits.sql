{#- One confidence limit of an indicator row, by the row's method (int_indicator_values_computed):
    side 'lower' or 'upper', confidence 0.95 or 0.998. Rates: exact / Byar's; proportions:
    Wilson; directly standardised rates: Dobson; counts: none. -#}
{% macro indicator_limit(side, confidence) -%}
    {%- set rate = stats_rate_lower if side == 'lower' else stats_rate_upper -%}
    {%- set wilson = stats_wilson_lower if side == 'lower' else stats_wilson_upper -%}
    {%- set dsr = stats_dsr_lower if side == 'lower' else stats_dsr_upper -%}
    case method
        when 'rate' then {{ rate('numerator', 'denominator', 'multiplier', confidence) }}
        when 'proportion' then {{ wilson('numerator', 'denominator', 'multiplier', confidence) }}
        when 'dsr' then {{ dsr('weighted_rate_sum', 'weighted_variance_sum', 'weight_total',
            'numerator', 'multiplier', confidence) }}
    end
{%- endmacro %}
