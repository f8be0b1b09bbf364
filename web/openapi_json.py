#!/usr/bin/env python3
"""api/openapi.yaml as JSON, for the console's API reference page: a browser
reads JSON natively, and the two cannot drift because one is made from the
other at build time. Needs PyYAML (Debian's python3-yaml)."""
import json
import sys

import yaml

with open(sys.argv[1], encoding="utf-8") as f:
    doc = yaml.safe_load(f)
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump(doc, f, ensure_ascii=False, separators=(",", ":"), default=str)
