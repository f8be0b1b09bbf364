"""api/openapi.yaml is a valid OpenAPI 3.1 document by Redocly's recommended rules."""

import os
import subprocess

import ptutil


def test_openapi_lints_clean():
    redocly = os.environ.get("REDOCLY")
    assert redocly, "REDOCLY is not set: run through scripts/test, which installs @redocly/cli"
    env = dict(os.environ, REDOCLY_TELEMETRY="off", REDOCLY_SUPPRESS_UPDATE_NOTICE="true")
    r = subprocess.run([redocly, "lint", "--format=stylish", str(ptutil.ROOT / "api" / "openapi.yaml")],
                       capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, f"redocly lint failed:\n{r.stdout}\n{r.stderr}"
    assert "warning" not in r.stdout, f"redocly lint warned:\n{r.stdout}"
