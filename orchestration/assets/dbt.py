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

from orchestration.assets.quality import import_great_expectations_meanwhile
from orchestration.build_scope import (
    changed_sources,
    last_build,
    read_manifest,
    record_build,
    unchanged_scope,
)
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
    from orchestration.run import project_fingerprint

    fingerprint = project_fingerprint()
    last, loads = last_build(warehouse_path())  # the stamp is removed until the build passes
    full = last.get("project") != fingerprint
    whole_job = set(context.selected_asset_keys) == set(context.assets_def.keys) and (
        context.dagster_run.asset_check_selection is None)
    args = ["build"]
    unchanged: list[dict] = []  # what an incremental build leaves as it was
    run_dbt = True
    if full:
        args.append("--full-refresh")
        context.log.info("dbt build --full-refresh: the warehouse was not built by this "
                         "project, or its last build failed or built only some models")
    elif whole_job:
        # only what the sources loaded since the last build reach (build_scope.py)
        changed = changed_sources(last.get("loads", {}), loads)
        scope = unchanged_scope(read_manifest(dbt_project.manifest_path), changed)
        unchanged = scope.unchanged  # with nothing changed: every model and seed
        if changed:
            # one space-separated --exclude: dagster-dbt hands it to dbt with its --select
            args += ["--indirect-selection", "cautious", "--exclude", " ".join(scope.exclude)]
            context.log.info("dbt build, incremental, of what these sources reach: "
                             + ", ".join(sorted(changed)))
        else:
            run_dbt = False
            context.log.info("dbt build skipped: no source has loaded anything since the "
                             "last build")
    else:
        context.log.info("dbt build, incremental: the facts recompute only the records "
                         "loaded or withdrawn since the last build")
    # first: a multi-asset reports its assets in the order of the graph, and what was left
    # as it was is upstream of nothing that was rebuilt
    yield from unchanged_outputs(context, unchanged)
    if run_dbt:
        checks = context.dagster_run.asset_check_selection  # None: the job's every check
        if checks is None or any(key.name.startswith("great_expectations_") for key in checks):
            import_great_expectations_meanwhile()  # the suites run next; dbt in a subprocess
        yield from dbt.cli(args, context=context).stream()
    if set(context.selected_asset_keys) == set(context.assets_def.keys):
        # only a build of every model says what built them
        record_build(warehouse_path(), fingerprint, loads)


def unchanged_outputs(context: dg.AssetExecutionContext, nodes: list[dict]) -> Iterator:
    """The models and seeds an incremental build left as they were, because nothing they read
    changed: reported (as materialised by this run, marked not rebuilt) so that what reads
    them downstream (the Great Expectations suites, publishing) still runs."""
    translator = Translator()
    for node in nodes:
        key = translator.get_asset_key(node)
        if key in context.selected_asset_keys:
            yield dg.Output(None, output_name=context.assets_def.get_output_name_for_asset_key(
                key), metadata={"rebuilt": False, "why": "nothing it reads changed since "
                                "the last build"})
