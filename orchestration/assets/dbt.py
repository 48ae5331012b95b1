"""The dbt project as Dagster assets; dbt tests surface as asset checks through ``dbt build``."""

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from orchestration.assets.quality import import_great_expectations_meanwhile
from orchestration.settings import DBT_PROFILES_DIR, DBT_PROJECT_DIR, REPO_ROOT, warehouse_path

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
    # Incremental facts build on what the last build left. That is only right if the models,
    # seeds and macros are the ones that built it, and if that build passed its tests (the
    # tests of an incremental fact check only the rows its last build wrote:
    # macros/tests_of_incremental_models.sql). So the stamp is removed before every build and
    # written back only after a complete one that passed: after a project change, a failed
    # build or a partial one, the next build is a --full-refresh that tests every row.
    stamp = built_with_path()
    from orchestration.run import project_fingerprint

    fingerprint = project_fingerprint()
    full = not stamp.exists() or stamp.read_text() != fingerprint
    stamp.unlink(missing_ok=True)
    if full:
        context.log.info("dbt build --full-refresh: the warehouse was not built by this "
                         "project, or its last build failed or built only some models")
    else:
        context.log.info("dbt build, incremental: the facts recompute only the records "
                         "loaded or withdrawn since the last build")
    checks = context.dagster_run.asset_check_selection  # None: the job's every check
    if checks is None or any(key.name.startswith("great_expectations_") for key in checks):
        import_great_expectations_meanwhile()  # the suites run next; dbt runs in a subprocess
    yield from dbt.cli(["build", *(["--full-refresh"] if full else [])],
                       context=context).stream()
    if set(context.selected_asset_keys) == set(context.assets_def.keys):
        stamp.write_text(fingerprint)  # only a build of every model says what built them


def built_with_path() -> Path:
    """The project fingerprint of the last complete dbt build of this home's warehouse."""
    return warehouse_path().with_name("warehouse.dbt-project")
