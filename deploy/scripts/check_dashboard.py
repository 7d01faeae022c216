#!/usr/bin/env python3
"""Checks a Grafana dashboard JSON without Grafana.

  check_dashboard.py DASHBOARD.json RULES.yaml METRICS_SEEN.txt

- valid JSON with uid, title, a Prometheus datasource variable, panels with unique ids and a gridPos, every
  non-row panel has at least one query, every query uses the datasource variable
- every metric a query (or annotation) uses is served by the worker or receiver (METRICS_SEEN.txt, which
  DashboardMetricsTest keeps true by scraping the real /metrics endpoints), recorded by a rule in RULES.yaml, or
  built into Prometheus (up, ALERTS)
Exit status 1 with one line per problem.
"""
import json
import re
import sys

BUILT_IN = {"up", "ALERTS"}
KEYWORDS = {"and", "or", "unless", "bool", "offset"}


def metrics(expr):
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    e = re.sub(r"\{[^}]*\}", "", e)
    e = re.sub(r"\[[^\]]*\]", "", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", e)
    names = set()
    for m in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", e):
        if e[m.end():].lstrip().startswith("("):
            continue  # a function
        if m.group() not in KEYWORDS:
            names.add(m.group())
    return names


def main(dashboard_path, rules_path, seen_path):
    problems = []
    try:
        d = json.load(open(dashboard_path, encoding="utf-8"))
    except ValueError as e:
        print("%s: not valid JSON: %s" % (dashboard_path, e))
        return 1
    for key in ("uid", "title", "panels", "schemaVersion"):
        if key not in d:
            problems.append("dashboard: no %s" % key)
    variables = {v.get("name"): v for v in d.get("templating", {}).get("list", [])}
    ds = variables.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        problems.append("dashboard: no Prometheus datasource variable named 'datasource'")
    ids = set()
    exprs = []
    for p in d.get("panels", []):
        where = "panel %r" % p.get("title")
        if p.get("id") in ids:
            problems.append("%s: duplicate id %s" % (where, p.get("id")))
        ids.add(p.get("id"))
        g = p.get("gridPos", {})
        if not all(isinstance(g.get(k), int) for k in ("x", "y", "w", "h")) or g.get("x", 0) + g.get("w", 0) > 24:
            problems.append("%s: gridPos must have integer x, y, w, h within 24 columns" % where)
        if p.get("type") == "row":
            continue
        targets = p.get("targets") or []
        if not targets:
            problems.append("%s: no query" % where)
        for t in targets:
            if not t.get("expr"):
                problems.append("%s: query %s has no expr" % (where, t.get("refId")))
                continue
            if (t.get("datasource") or p.get("datasource") or {}).get("uid") != "${datasource}":
                problems.append("%s: query %s does not use the ${datasource} variable" % (where, t.get("refId")))
            exprs.append((where, t["expr"]))
    for a in d.get("annotations", {}).get("list", []):
        if a.get("expr"):
            exprs.append(("annotation %r" % a.get("name"), a["expr"]))

    known = set(BUILT_IN)
    rules = open(rules_path, encoding="utf-8").read()
    known |= set(re.findall(r"(?m)^\s*-?\s*record:\s*(\S+)", rules))
    for line in open(seen_path, encoding="utf-8"):
        parts = line.split()
        if len(parts) == 2 and not line.startswith("#"):
            known.add(parts[1])
    for where, expr in exprs:
        for m in sorted(metrics(expr)):
            if m not in known:
                problems.append("%s: metric %s is neither served by the worker or receiver nor recorded by a rule"
                                % (where, m))
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
