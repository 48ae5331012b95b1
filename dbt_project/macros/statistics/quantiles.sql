{#- Assign quantiles (quintiles Q = 5, deciles Q = 10, ...) the Fingertips way
    (PHEindicatormethods' phe_quantile). A window expression: use it in a SELECT.

      rank = rank of the value within the partition, ties taking the minimum rank, ascending on
             the value, or on minus the value when polarity is 'low is good' (so the lowest,
             best, value of a 'low is good' indicator gets the top quantile, Q)
      N    = number of non-NULL values in the partition
      q    = floor((Q + 1) - ceiling(((N + 1) - rank) / (N / Q))), and 0 becomes 1

    NULL for a NULL value (such rows are left out of N and of the ranking), NULL for every row
    when N < Q, and NULL for every row of a partition whose rows do not all share one polarity
    ('low is good' against anything else): such a partition has no single ranking direction,
    and PHEindicatormethods refuses it too. 'high is good', 'no judgement', NULL or any other
    polarity ranks ascending on the value.

    value, polarity, quantiles: SQL expressions; partition_by: a SQL list of expressions such
    as 'indicator_id, period_start', or '' for the whole result. -#}
{%- macro stats_quantile(value, polarity, quantiles, partition_by) -%}
{%- set over = ("partition by " ~ partition_by) if (partition_by and partition_by | trim) else "" -%}
{%- set inverted = "(case when lower(" ~ polarity ~ ") = 'low is good' then 1 else 0 end)" -%}
{%- set n = "cast(count(" ~ value ~ ") over (" ~ over ~ ") as " ~ stats_double_type() ~ ")" -%}
{%- set q = stats_double(quantiles) -%}
{%- set rank -%}
rank() over ({{ over }} order by
    (case when {{ value }} is null then 1 else 0 end),
    (case when {{ inverted }} = 1 then -{{ stats_double(value) }} else {{ stats_double(value) }} end))
{%- endset -%}
(case
    when {{ value }} is null then null
    when min({{ inverted }}) over ({{ over }}) <> max({{ inverted }}) over ({{ over }}) then null
    when {{ n }} < {{ q }} then null
    else cast(greatest(1, floor(({{ q }} + 1) - ceiling((({{ n }} + 1) - {{ rank }}) / ({{ n }} / {{ q }}))))
        as {{ dbt.type_int() }})
end)
{%- endmacro %}
