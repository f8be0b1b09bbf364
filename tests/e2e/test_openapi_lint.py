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


def test_every_example_matches_its_schema():
    import jsonschema
    import yaml

    spec = yaml.safe_load((ptutil.ROOT / "api" / "openapi.yaml").read_text(encoding="utf-8"))
    resolver = jsonschema.RefResolver.from_schema(spec)
    checked = 0
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method not in ("get", "put", "post", "patch", "delete"):
                continue  # path-level parameters
            for status, resp in op.get("responses", {}).items():
                for media, content in resp.get("content", {}).items():
                    if "example" not in content:
                        continue
                    validator = jsonschema.Draft202012Validator(content["schema"], resolver=resolver)
                    errors = [e.message for e in validator.iter_errors(content["example"])]
                    assert not errors, f"{method.upper()} {path} {status} example: {errors}"
                    checked += 1
    assert checked >= 5, f"only {checked} examples found"
