"""Runs inside .venv-superset (called by orchestration/superset_server.py after every import
of the asset bundle): applies superset/roles.yaml, Superset's access control as code.

- the national viewer role and one analyst role per partnership, each with base permissions
  copied from a built-in role (Gamma, sql_lab) minus the listed exclusions, plus
  datasource_access on the datasets of its classes (aggregated, record_level);
- one Regular row level security filter per partnership on every record-level dataset;
- the demo users, with the passwords the launcher generated under $PVW_HOME/secrets.

Roles, filters and users this script manages are brought to exactly what the file says
(analyst roles and filters of partnerships no longer served are removed); everything else
(Admin, the built-in roles, other users) is left alone. Running it twice changes nothing.
Permission links are diffed and written with SQLAlchemy Core, so some 300 partnership roles
take about a second.

Usage: python superset/apply_roles.py ROLES_YAML
The environment variable PVW_SUPERSET_ROLES_INPUT holds JSON:
{"partnerships": [[code, name], ...], "users": [{"username", "password", "role", "code",
"first_name", "last_name"}, ...]}: the launcher expands the demo users of roles.yaml and adds
their stored passwords.
"""

import json
import os
import re
import sys
import traceback
from collections import Counter
from pathlib import Path

import yaml


def fail(msg):
    print("PVW-ERROR: " + " ".join(str(msg).split()), file=sys.stderr)
    sys.exit(1)


def warn(msg):
    print("warning: " + " ".join(str(msg).split()))


CODE_RE = re.compile(r"^[A-Z][0-9]{8}$")  # ONS codes: safe to put in a SQL literal
CODE_IN_TEXT = re.compile(r"(?<=[ _])[A-Z][0-9]{8}\b")
CLASSES = ("aggregated", "record_level")


def load_config(path):
    cfg = yaml.safe_load(Path(path).read_text())
    for key in ("datasets", "permission_sets", "roles", "demo_users"):
        if key not in cfg:
            fail(f"{path}: missing top-level key {key!r}")
    classes = cfg["datasets"]
    for cls in CLASSES:
        if not isinstance(classes.get(cls), list):
            fail(f"{path}: datasets.{cls} must be a list of schema.table names")
    both = set(classes["aggregated"]) & set(classes["record_level"])
    if both:
        fail(f"{path}: datasets both aggregated and record_level: {sorted(both)}")
    for role in cfg["roles"].values():
        for name in role["permission_sets"]:
            if name not in cfg["permission_sets"]:
                fail(f"{path}: role {role['name']} names unknown permission set {name!r}")
        for cls in role["datasets"]:
            if cls not in CLASSES:
                fail(f"{path}: role {role['name']} names unknown dataset class {cls!r}")
    return cfg


def main():
    cfg_path = sys.argv[1]
    cfg = load_config(cfg_path)
    data = json.loads(os.environ.pop("PVW_SUPERSET_ROLES_INPUT", "{}"))
    partnerships = {code: name for code, name in data.get("partnerships", [])}
    users = data.get("users", [])
    bad = sorted(c for c in partnerships if not CODE_RE.match(c))
    if bad:
        fail(f"partnership codes that are not ONS codes: {bad[:5]}")
    if not partnerships:
        fail("no partnerships given (marts.dim_partnerships of the serving database is empty)")

    try:
        from superset.app import create_app

        app = create_app()
    except Exception as exc:
        traceback.print_exc()
        fail(f"Superset app did not load: {type(exc).__name__}: {exc}")

    with app.app_context():
        apply(cfg, partnerships, users)


def apply(cfg, partnerships, users):  # noqa: C901 - one linear recipe
    from flask import current_app
    from flask_appbuilder.security.sqla.models import assoc_permissionview_role, assoc_user_role
    from sqlalchemy import and_, bindparam
    from superset.connectors.sqla.models import (
        RLSFilterRoles,
        RLSFilterTables,
        RowLevelSecurityFilter,
        SqlaTable,
    )
    from superset.utils.core import RowLevelSecurityFilterType
    from werkzeug.security import check_password_hash, generate_password_hash

    from superset import db
    from superset import security_manager as sm

    session = db.session
    changes = []

    # ---------------------------------------------------------------- datasets by class
    by_name = {f"{ds.schema}.{ds.table_name}": ds for ds in session.query(SqlaTable).all()}
    classified = {cls: [] for cls in CLASSES}
    for cls in CLASSES:
        for name in cfg["datasets"][cls]:
            if name in by_name:
                classified[cls].append(by_name[name])
    known = set(cfg["datasets"]["aggregated"]) | set(cfg["datasets"]["record_level"])
    for name in sorted(set(by_name) - known):
        warn(f"dataset {name} is not classified in roles.yaml: only the admin can read it")
    for ds in classified["record_level"]:
        if "partnership_code" not in {c.column_name for c in ds.columns}:
            fail(f"record-level dataset {ds.schema}.{ds.table_name} has no partnership_code "
                 "column, so row level security cannot limit it")

    # datasource_access permission of each dataset (find or create; commits when it creates)
    ds_pvm = {}
    for cls in CLASSES:
        for ds in classified[cls]:
            perm = ds.get_perm()
            if ds.perm != perm:
                ds.perm = perm
            pvm = sm.add_permission_view_menu("datasource_access", perm)
            if pvm is None:
                fail(f"could not create datasource_access on {perm}")
            ds_pvm.setdefault(cls, set()).add(pvm.id)

    # ---------------------------------------------------------------- base permission sets
    base = {}
    for set_name, spec in cfg["permission_sets"].items():
        source = sm.find_role(spec["copy_from"])
        if source is None:
            fail(f"built-in role {spec['copy_from']} missing: `superset init` has not run")
        exclude = {tuple(pair) for pair in spec.get("exclude") or []}
        pairs = {(pv.permission.name, pv.view_menu.name): pv.id for pv in source.permissions}
        for pair in sorted(exclude - set(pairs)):
            warn(f"permission set {set_name}: {list(pair)} is not in role {spec['copy_from']}")
        base[set_name] = {
            pv_id for pair, pv_id in pairs.items()
            if pair not in exclude and pair[0] not in sm.OBJECT_SPEC_PERMISSIONS
        }

    def permissions_of(role_spec):
        ids = set()
        for set_name in role_spec["permission_sets"]:
            ids |= base[set_name]
        for cls in role_spec["datasets"]:
            ids |= ds_pvm.get(cls, set())
        return ids

    # ---------------------------------------------------------------- desired roles
    analyst = cfg["roles"]["partnership_analyst"]
    analyst_prefix = analyst["name"].split("{", 1)[0]
    desired = {}  # role name -> permission view ids
    role_key = {}  # roles.yaml key, e.g. national_viewer -> role name (fixed names only)
    for key, spec in cfg["roles"].items():
        if "{code}" in spec["name"]:
            continue
        if spec["name"].startswith(analyst_prefix):
            fail(f"role {spec['name']} must not start with {analyst_prefix!r}")
        desired[spec["name"]] = permissions_of(spec)
        role_key[key] = spec["name"]
    analyst_perms = permissions_of(analyst)
    analyst_role_name = {code: analyst["name"].format(code=code) for code in partnerships}
    for role_name in analyst_role_name.values():
        desired[role_name] = analyst_perms

    roles = {r.name: r for r in session.query(sm.role_model).all()}
    obsolete = [r for n, r in roles.items() if n.startswith(analyst_prefix) and n not in desired]
    for name in sorted(set(desired) - set(roles)):
        role = sm.role_model()
        role.name = name
        session.add(role)
        roles[name] = role
        changes.append(f"role {name} created")
    session.flush()

    # permission links, diffed with Core
    managed_ids = {roles[n].id for n in desired}
    pvr = assoc_permissionview_role
    have = {
        (r, p) for r, p in session.execute(
            pvr.select().with_only_columns(pvr.c.role_id, pvr.c.permission_view_id)
        ) if r in managed_ids
    }
    want = {(roles[n].id, p) for n, ids in desired.items() for p in ids}
    add, drop = want - have, have - want
    if add:
        session.execute(pvr.insert(), [{"role_id": r, "permission_view_id": p} for r, p in add])
        changes.append(f"{len(add)} role permissions granted")
    if drop:
        session.execute(
            pvr.delete().where(and_(pvr.c.role_id == bindparam("r"),
                                    pvr.c.permission_view_id == bindparam("p"))),
            [{"r": r, "p": p} for r, p in drop],
        )
        changes.append(f"{len(drop)} role permissions revoked")

    # ---------------------------------------------------------------- row level security
    rls = analyst["row_level_security"]
    rls_prefix = rls["name"].split("{", 1)[0]
    filters = {
        f.name: f for f in session.query(RowLevelSecurityFilter)
        .filter(RowLevelSecurityFilter.name.like(rls_prefix.replace("%", r"\%") + "%"))
    }
    wanted_filters = {}
    for code, pname in partnerships.items():
        name = rls["name"].format(code=code)
        fields = {
            "filter_type": RowLevelSecurityFilterType.REGULAR.value,
            "group_key": rls.get("group_key"),
            "clause": rls["clause"].format(code=code),
            "description": " ".join(analyst["description"].format(code=code, name=pname).split()),
        }
        f = filters.get(name)
        if f is None:
            f = RowLevelSecurityFilter(name=name, **fields)
            session.add(f)
            filters[name] = f
            changes.append(f"row level security filter {name!r} created")
        else:
            for attr, value in fields.items():
                current = getattr(f, attr)
                current = getattr(current, "value", current)
                if current != value:
                    setattr(f, attr, value)
                    changes.append(f"row level security filter {name!r}: {attr} updated")
        wanted_filters[name] = analyst_role_name[code]
    session.flush()

    obsolete_filters = [f for n, f in filters.items() if n not in wanted_filters]
    record_table_ids = {ds.id for ds in classified["record_level"]}
    managed_filter_ids = {filters[n].id for n in wanted_filters}

    def sync_links(table, column, want_links, label):
        have_links = {
            (fid, other) for fid, other in session.execute(
                table.select().with_only_columns(table.c.rls_filter_id, table.c[column])
            ) if fid in managed_filter_ids
        }
        add_l, drop_l = want_links - have_links, have_links - want_links
        if add_l:
            session.execute(table.insert(),
                            [{"rls_filter_id": f, column: o} for f, o in add_l])
            changes.append(f"{len(add_l)} row level security {label} links added")
        if drop_l:
            session.execute(
                table.delete().where(and_(table.c.rls_filter_id == bindparam("f"),
                                          table.c[column] == bindparam("o"))),
                [{"f": f, "o": o} for f, o in drop_l],
            )
            changes.append(f"{len(drop_l)} row level security {label} links removed")

    sync_links(RLSFilterTables, "table_id",
               {(fid, t) for fid in managed_filter_ids for t in record_table_ids}, "table")
    sync_links(RLSFilterRoles, "role_id",
               {(filters[n].id, roles[r].id) for n, r in wanted_filters.items()}, "role")

    # ---------------------------------------------------------------- obsolete objects
    for f in obsolete_filters:
        for table in (RLSFilterTables, RLSFilterRoles):
            session.execute(table.delete().where(table.c.rls_filter_id == f.id))
        session.delete(f)
        changes.append(f"row level security filter {f.name!r} removed")
    for role in obsolete:
        session.execute(pvr.delete().where(pvr.c.role_id == role.id))
        session.execute(assoc_user_role.delete().where(assoc_user_role.c.role_id == role.id))
        session.execute(RLSFilterRoles.delete().where(RLSFilterRoles.c.role_id == role.id))
        session.delete(role)
        changes.append(f"role {role.name} removed (its partnership is no longer served)")
    session.flush()

    # ---------------------------------------------------------------- demo users
    hash_method = current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt")
    salt_length = current_app.config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16)
    for spec in users:
        username = spec["username"]
        code = spec.get("code")
        if code is not None and code not in partnerships:
            warn(f"demo user {username}: partnership {code} is not served; user skipped")
            continue
        role_spec = cfg["roles"][spec["role"]]
        role_name = analyst_role_name[code] if code else role_key[spec["role"]]
        if ("{code}" in role_spec["name"]) != (code is not None):
            fail(f"demo user {username}: role {spec['role']} and partnerships do not match")
        password = spec.get("password")
        if not password:
            fail(f"no password given for demo user {username}")
        first, last = spec["first_name"], spec["last_name"]
        user = sm.find_user(username=username)
        if user is None:
            user = sm.add_user(username, first, last, f"{username}@localhost.invalid",
                               [roles[role_name]], password=password, commit=False)
            if not user:
                fail(f"could not create user {username}")
            changes.append(f"user {username} created")
            continue
        if [r.name for r in user.roles] != [role_name]:
            user.roles = [roles[role_name]]
            changes.append(f"user {username}: roles set to {role_name}")
        if (user.first_name, user.last_name) != (first, last):
            user.first_name, user.last_name = first, last
            changes.append(f"user {username}: name updated")
        if not user.active:
            user.active = True
            changes.append(f"user {username}: activated")
        if not (user.password and check_password_hash(user.password, password)):
            user.password = generate_password_hash(
                password=password, method=hash_method, salt_length=salt_length)
            changes.append(f"user {username}: password reset to the stored one")

    db.session.commit()
    n_roles = len(desired)
    print(f"roles applied: {n_roles} roles ({len(analyst_role_name)} partnership analysts), "
          f"{len(wanted_filters)} row level security filters on "
          f"{len(record_table_ids)} record-level datasets")
    if changes:
        # one line per kind of change, partnership codes folded: "314 x role pvw_analyst_<code> ..."
        kinds = Counter(CODE_IN_TEXT.sub("<code>", line) for line in changes)
        for line, count in kinds.items():
            print(f"  {count} x {line}" if count > 1 else f"  {line}")
    else:
        print("  no changes")


if __name__ == "__main__":
    main()
