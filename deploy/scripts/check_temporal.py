#!/usr/bin/env python3
"""Checks the Temporal deployment files (standard library only, no PyYAML):

  deploy/temporal/values.yaml   server image >= 1.26.2, Web UI >= 2.40, PostgreSQL (sql/postgres12) for the
                                default AND visibility stores, namespace `remediator` created, and the
                                search-attribute Job embedding deploy/temporal/setup-namespace.sh verbatim
  deploy/docker-compose.yaml    same minimum versions, PostgreSQL, and the same setup script mounted
  setup-namespace.sh            registers every Remediator search attribute, all as Keyword

Usage: check_temporal.py DEPLOY_DIR    (exit 0 when all hold; one line per violation otherwise)
"""

import os
import re
import sys

SEARCH_ATTRIBUTES = ["RemediatorService", "RemediatorNamespace", "RemediatorDatabase",
                     "RemediatorSeverity", "RemediatorPhase", "RemediatorAlertName"]
MIN_SERVER = (1, 26, 2)
MIN_UI = (2, 40, 0)
SCRIPT_END = "# end of setup-namespace.sh"


def version(tag):
    m = re.match(r"^v?(\d+)\.(\d+)(?:\.(\d+))?", tag or "")
    if not m:
        return None
    return tuple(int(x or 0) for x in m.groups())


def scalar_paths(text):
    """Maps dotted key paths to scalar values for plain `key: value` lines of a block-style YAML file.

    Enough for values files written by hand: tracks indentation, skips comments, block scalars and list
    items (list items are reported under PATH[] with their `key: value` text)."""
    out = {}
    stack = []  # (indent, key)
    block_indent = None
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        if block_indent is not None:
            if indent > block_indent:
                continue
            block_indent = None
        line = raw.strip()
        item = line.startswith("- ")
        if item:
            line = line[2:].strip()
        while stack and stack[-1][0] >= indent and not (item and stack[-1][0] == indent):
            stack.pop()
        m = re.match(r"^([A-Za-z0-9_.\-]+):(?:\s+(.*?))?\s*(?:#.*)?$", line)
        if not m:
            continue
        key, value = m.group(1), m.group(2)
        path = ".".join(k for _, k in stack)
        if item:
            out.setdefault(path + "[]", []).append((key, (value or "").strip("\"'")))
            continue
        if value in (None, ""):
            stack.append((indent, key))
        elif value in ("|", ">", "|-", ">-"):
            block_indent = indent
        else:
            out[(path + "." if path else "") + key] = value.strip("\"'")
    return out


def embedded_script(values_text):
    """The text of the `- |` block that holds setup-namespace.sh in values.yaml, de-indented."""
    lines = values_text.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == "- |" and i + 1 < len(lines) and lines[i + 1].strip() == "#!/bin/sh":
            indent = len(lines[i + 1]) - len(lines[i + 1].lstrip(" "))
            body = []
            for l in lines[i + 1:]:
                if l.strip() and len(l) - len(l.lstrip(" ")) < indent:
                    break
                body.append(l[indent:] if l.strip() else "")
                if l.strip() == SCRIPT_END:
                    break
            return "\n".join(body) + "\n"
    return None


def main():
    deploy = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    errors = []
    read = lambda p: open(os.path.join(deploy, p), encoding="utf-8").read()

    script = read("temporal/setup-namespace.sh")
    for a in SEARCH_ATTRIBUTES:
        if not re.search(r"\b%s\b" % a, script):
            errors.append("setup-namespace.sh: search attribute %s is not registered" % a)
    if "--type Keyword" not in script or re.search(r"--type (?!Keyword)", script):
        errors.append("setup-namespace.sh: every search attribute must be created with --type Keyword")
    if not script.rstrip().endswith(SCRIPT_END):
        errors.append("setup-namespace.sh: must end with the line %r (marks the end of the embedded copy)" % SCRIPT_END)

    values_text = read("temporal/values.yaml")
    v = scalar_paths(values_text)
    server = version(v.get("server.image.tag"))
    if v.get("server.image.repository") != "temporalio/server" or not server or server < MIN_SERVER:
        errors.append("values.yaml: server image must be temporalio/server >= %s (got %s:%s)"
                      % (".".join(map(str, MIN_SERVER)), v.get("server.image.repository"), v.get("server.image.tag")))
    ui = version(v.get("web.image.tag"))
    if v.get("web.image.repository") != "temporalio/ui" or not ui or ui < MIN_UI or v.get("web.enabled") != "true":
        errors.append("values.yaml: web must be enabled with temporalio/ui >= 2.40 (got %s:%s)"
                      % (v.get("web.image.repository"), v.get("web.image.tag")))
    for store in ("default", "visibility"):
        base = "server.config.persistence.%s" % store
        if v.get(base + ".driver") != "sql" or v.get(base + ".sql.driver") != "postgres12":
            errors.append("values.yaml: %s store must be driver sql with sql.driver postgres12" % store)
        if not v.get(base + ".sql.host") or not v.get(base + ".sql.database"):
            errors.append("values.yaml: %s store needs sql.host and sql.database" % store)
    for engine in ("cassandra", "mysql", "elasticsearch"):
        if v.get(engine + ".enabled") != "false":
            errors.append("values.yaml: %s.enabled must be false (PostgreSQL only)" % engine)
    if v.get("server.config.namespaces.create") != "true" or \
            ("name", "remediator") not in v.get("server.config.namespaces.namespace[]", []):
        errors.append("values.yaml: server.config.namespaces must create namespace remediator")
    embedded = embedded_script(values_text)
    if embedded is None:
        errors.append("values.yaml: no embedded setup-namespace.sh (search-attribute Job) found")
    elif embedded != script:
        errors.append("values.yaml: the embedded setup-namespace.sh differs from deploy/temporal/setup-namespace.sh")

    compose = read("docker-compose.yaml")
    images = dict(re.findall(r"^\s*image:\s*([\w./-]+):([\w.\-]+)\s*$", compose, re.M))
    ui = version(images.get("temporalio/ui"))
    if not ui or ui < MIN_UI:
        errors.append("docker-compose.yaml: temporalio/ui must be >= 2.40 (got %s)" % images.get("temporalio/ui"))
    server_tag = images.get("temporalio/auto-setup") or images.get("temporalio/server")
    if not version(server_tag) or version(server_tag) < MIN_SERVER:
        errors.append("docker-compose.yaml: Temporal server must be >= 1.26.2 (got %s)" % server_tag)
    if "postgres" not in images:
        errors.append("docker-compose.yaml: no postgres service")
    if not re.search(r"DB:\s*postgres12", compose):
        errors.append("docker-compose.yaml: Temporal must use PostgreSQL (DB: postgres12)")
    if "./temporal/setup-namespace.sh:" not in compose:
        errors.append("docker-compose.yaml: the temporal-setup service must run ./temporal/setup-namespace.sh")
    for svc in ("worker", "receiver", "temporal-ui", "temporal", "postgresql"):
        if not re.search(r"^  %s:\s*$" % re.escape(svc), compose, re.M):
            errors.append("docker-compose.yaml: service %s is missing" % svc)

    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
