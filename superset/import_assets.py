"""Runs inside .venv-superset (called by orchestration/superset_server.py): creates or resets
the admin user, then imports the rendered asset bundle with ImportAssetsCommand, which
overwrites databases, datasets, charts and dashboards alike (`superset import-dashboards`
keeps existing databases and charts as they were, so a changed serving path or chart would
not be applied).

Usage: python superset/import_assets.py BUNDLE_DIR ADMIN_USERNAME
(the password comes in the environment variable PVW_SUPERSET_ADMIN_PASSWORD)
"""

import contextlib
import os
import sys
import traceback
from pathlib import Path


def fail(msg):
    print("PVW-ERROR: " + " ".join(str(msg).split()), file=sys.stderr)
    sys.exit(1)

bundle, username = Path(sys.argv[1]), sys.argv[2]
password = os.environ.pop("PVW_SUPERSET_ADMIN_PASSWORD")
try:
    from superset.app import create_app
    app = create_app()
except Exception as exc:
    traceback.print_exc()
    fail(f"Superset app did not load: {type(exc).__name__}: {exc}")

with app.app_context():
    from superset.utils.core import override_user

    from superset import db, security_manager

    role = security_manager.find_role("Admin")
    if role is None:
        fail("role Admin missing: `superset init` has not run")
    user = security_manager.find_user(username=username)
    if user is None:
        user = security_manager.add_user(
            username, "pvw", "admin", f"{username}@localhost.invalid", role,
            password=password,
        )
        if not user:
            fail(f"could not create user {username}")
        print(f"created user {username}")
    else:
        security_manager.reset_password(user.id, password)
        user = security_manager.find_user(username=username)
        if role not in user.roles:
            user.roles.append(role)
        user.active = True
        print(f"reset password of user {username}")
    db.session.commit()

    from superset.commands.importers.v1.assets import ImportAssetsCommand
    contents = {
        p.relative_to(bundle).as_posix(): p.read_text()
        for p in sorted(bundle.rglob("*.yaml"))
    }
    try:
        with override_user(user):
            ImportAssetsCommand(contents).run()
    except Exception as exc:
        traceback.print_exc()
        detail = exc
        cause = exc.__cause__ or exc.__context__
        messages = getattr(exc, "normalized_messages", None)
        if messages is not None:
            with contextlib.suppress(Exception):
                detail = messages()
        if cause is not None and not messages:
            detail = f"{exc}: {type(cause).__name__}: {cause}"
        fail(f"import of {len(contents)} files failed: {detail}")
    print(f"imported {len(contents)} files")
