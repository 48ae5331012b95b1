{#- Compare an area with a benchmark (England, the region, the Most Similar Group) the
    Fingertips way: the BENCHMARK'S POINT VALUE against the AREA'S confidence interval.

      benchmark inside [lower_95, upper_95]        -> 'similar'
      benchmark below lower_95 (the area is higher) -> 'better' / 'worse' by polarity ('higher')
      benchmark above upper_95 (the area is lower)  -> 'worse' / 'better' by polarity ('lower')
      ... and also outside the 99.8% interval       -> 'much better' / 'much worse'
                                                        ('much higher' / 'much lower')

    polarity: 'high is good', 'low is good' (labels better/worse) or 'no judgement' (labels
    higher/lower); compared case-insensitively.
    'not compared' when the value, the benchmark or either 95% limit is NULL, or the polarity
    is NULL or not one of the three. When the 99.8% limits are NULL the comparison has one
    level (a NULL 99.8% limit on one side only, e.g. a negative Byar's lower limit reported as
    NULL, means that side cannot be 'much ...'). -#}
{%- macro stats_compare(value, lower_95, upper_95, lower_998, upper_998, benchmark, polarity) -%}
{%- set p = "lower(" ~ polarity ~ ")" -%}
{%- set b = stats_double(benchmark) -%}
(case
    when {{ value }} is null or {{ b }} is null
        or {{ lower_95 }} is null or {{ upper_95 }} is null
        or {{ polarity }} is null
        or {{ p }} not in ('high is good', 'low is good', 'no judgement')
        then 'not compared'
    when {{ b }} < {{ stats_double(lower_95) }} then (case
        when {{ b }} < {{ stats_double(lower_998) }} then (case {{ p }}
            when 'high is good' then 'much better'
            when 'low is good' then 'much worse'
            else 'much higher' end)
        else (case {{ p }}
            when 'high is good' then 'better'
            when 'low is good' then 'worse'
            else 'higher' end)
        end)
    when {{ b }} > {{ stats_double(upper_95) }} then (case
        when {{ b }} > {{ stats_double(upper_998) }} then (case {{ p }}
            when 'high is good' then 'much worse'
            when 'low is good' then 'much better'
            else 'much lower' end)
        else (case {{ p }}
            when 'high is good' then 'worse'
            when 'low is good' then 'better'
            else 'lower' end)
        end)
    else 'similar'
end)
{%- endmacro %}
