"""The dbt project as Dagster assets; dbt tests surface as asset checks through ``dbt build``."""

from collections.abc import Iterator

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from orchestration.settings import DBT_PROFILES_DIR, DBT_PROJECT_DIR, REPO_ROOT

dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROFILES_DIR,
    target_path=REPO_ROOT / "target",
)
dbt_project.prepare_if_dev()  # under `dagster dev`; `pvw` runs `dbt parse` itself


class Translator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: dict) -> dg.AssetKey:
        # Sources keep the key of the ingest asset that loads them (meta.dagster.asset_key);
        # models and seeds are keyed by schema, as analysts see them: analytics/indicator_values.
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: dict) -> str | None:
        # staging / intermediate / marts / analytics / reference, as in the tree
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        return dbt_resource_props["fqn"][1] if len(dbt_resource_props["fqn"]) > 2 else "dbt"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=Translator(
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
    ),
)
def pvw_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator:
    yield from dbt.cli(["build"], context=context).stream()
