{#- Fails for each combination of the columns that occurs more than once
    (the project installs no dbt packages: hub.getdbt.com is not reachable here). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
