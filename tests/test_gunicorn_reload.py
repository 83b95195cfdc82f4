"""gunicorn's reload (SIGHUP, the upgrade's step): new workers run the installed code
and settings, not the master's copies."""

import json
import subprocess
import sys

from tests.conftest import shared_cache_url
from tests.serve_support import ROOT, production_env

PROBE = """
import json, sys
from gunicorn.app.wsgiapp import WSGIApplication

def project_modules():
    return sorted(m for m in sys.modules if m.split(".")[0] in {"portal", "rights", "consent"})

sys.argv = ["gunicorn", "--config", "portal/gunicorn.conf.py"]
app = WSGIApplication()   # the master reads the config...
app.cfg.logger_class(app.cfg)  # ... and sets up its logger
first_settings = sys.modules.get("portal.settings")
app.reload()              # SIGHUP reads the config again
reread = sys.modules.get("portal.settings") is not first_settings
in_master = project_modules()
app.cfg.post_fork(None, None)  # in each new worker, before it loads the portal
print(json.dumps({"reread": reread, "in_master": in_master, "in_worker": project_modules()}))
"""


def test_a_reload_reads_the_settings_anew_and_workers_import_the_installed_portal(tmp_path):
    """The config imported portal.settings (for LOGGING) into the gunicorn master, and
    the workers forked from it inherited that module: after an upgrade and SIGHUP
    (docs/operations.md) they ran the new code with the old settings (a middleware
    added to MIDDLEWARE stayed off until a full restart)."""
    env = production_env(
        tmp_path, 8784, DATABASE_URL="sqlite:///:memory:", CACHE_URL=shared_cache_url()
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert state["reread"]
    assert state["in_worker"] == []
