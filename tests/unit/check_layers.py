#!/usr/bin/env python3
"""Fails when an #include points the wrong way between lib/'s layers, or when
modules include each other in a cycle.

The layers, lowest first: core, pg, cache, http, api. A file in lib/LAYER/
includes only headers of its own layer or of layers below it; nothing under
lib/ includes a program's own files (cmd/). A module is a .c and its .h; no
chain of includes may lead from a module back to itself.

Usage: check_layers.py SOURCE_ROOT
"""
import os
import re
import sys

LAYERS = ["core", "pg", "cache", "http", "api"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main(root):
    problems = []
    edges = {}
    lib = os.path.join(root, "lib")
    for layer in os.listdir(lib):
        path = os.path.join(lib, layer)
        if not os.path.isdir(path):
            problems.append(f"lib/{layer}: a file outside the layer folders")
            continue
        if layer not in LAYERS:
            problems.append(f"lib/{layer}/: not a known layer ({', '.join(LAYERS)})")
            continue
        for name in sorted(os.listdir(path)):
            rel = f"lib/{layer}/{name}"
            with open(os.path.join(path, name), encoding="utf-8") as f:
                text = f.read()
            module = rel.rsplit(".", 1)[0]
            for target in INCLUDE.findall(text):
                target_layer = target.split("/", 1)[0] if "/" in target else None
                if target_layer not in LAYERS:
                    problems.append(f'{rel}: includes "{target}", which is not under a layer of lib/')
                    continue
                if LAYERS.index(target_layer) > LAYERS.index(layer):
                    problems.append(f'{rel}: includes "{target}": {layer} may not depend on '
                                    f'{target_layer}, a layer above it')
                dep = "lib/" + target.rsplit(".", 1)[0]
                if dep != module:
                    edges.setdefault(module, set()).add(dep)
    # Cycles between modules, by depth-first search.
    state = {}
    stack = []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for n in sorted(edges.get(m, ())):
            if state.get(n) == "open":
                cycle = stack[stack.index(n):] + [n]
                problems.append("include cycle: " + " -> ".join(cycle))
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = "done"

    for m in sorted(edges):
        if m not in state:
            visit(m)
    for p in problems:
        print(p)
    print(f"{len(edges)} modules checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
