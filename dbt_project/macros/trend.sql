{#- The direction of a recent trend from its sums (int_indicator_trends): the sign (1, -1 or
    0) of the weighted regression slope, S1*S2 - S3*S4, for rates and standardised rates, and
    of N*sum(x t) - X*sum(n t) for proportions (Cochran-Armitage). NULL when undefined. -#}
{% macro trend_direction(method, s1, s2, s3, s4, s5, sx, sn, sxt, snt) -%}
    case
        when {{ method }} = 'proportion' then sign(({{ sn }}) * ({{ sxt }}) - ({{ sx }}) * ({{ snt }}))
        else sign(({{ s1 }}) * ({{ s2 }}) - ({{ s3 }}) * ({{ s4 }}))
    end
{%- endmacro %}
