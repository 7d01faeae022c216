#!/usr/bin/env python3
"""Policy checks on rendered Kubernetes manifests (standard library only).

Input on stdin: the rendered objects as a stream of JSON documents, which deploy/check.sh produces offline
with `kubectl kustomize DIR | kubectl label --local -f - -o json ...` (no PyYAML, no cluster needed).

  check_manifests.py rbac --target-namespace prod [--app-namespace remediator] [--worker-sa remediator-worker]
      The rendered RBAC grants exactly (never more than) what the worker's activities use, in the target
      namespace(s) only, to the worker's ServiceAccount only; no ClusterRole or ClusterRoleBinding at all.

  check_manifests.py config FILE...
      Plain Remediator config files (e.g. the docker-compose one) use only keys the loader accepts.

  check_manifests.py workloads [--forbid-secrets]
      Worker and receiver are hardened: non-root, read-only root filesystem, no privilege escalation, all
      capabilities dropped, requests and limits, liveness/readiness on the endpoints they serve, >= 2 workers
      with a PodDisruptionBudget, no API token where none is needed, config keys the loader accepts.

Exit status 0 when every rule holds; 1 with one line per violation otherwise.
"""

import argparse
import glob
import json
import os
import re
import sys

# (apiGroup, resource) -> verbs. This is the whole permission surface of the worker's activities.
ALLOWED = {
    ("apps", "deployments"): {"get", "patch"},
    ("apps", "replicasets"): {"get", "list"},
    ("", "pods"): {"list", "get"},
    ("", "pods/log"): {"get"},
    ("", "events"): {"list"},
}

# Endpoints each component serves (port, liveness path, readiness path).
PROBES = {
    "worker": (9464, "/healthz", "/readyz"),
    "receiver": (8080, "/healthz", "/readyz"),
}

# Keys the config loader accepts. Read from the Java records when the sources are next to deploy/ (so a
# policy key added in the code is accepted here at once); the lists below are the fallback.
SOURCES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                       "workflows", "src", "main", "java", "dev", "remediator")
FALLBACK_TOP_LEVEL = {"taskQueue", "receiver", "defaults", "targets"}
FALLBACK_DEFAULTS = {
    "warningUtilization", "criticalUtilization", "idleInTransactionReportAfter",
    "idleInTransactionTerminateAfter", "longRunningQueryAfter", "maxSessionsPerTermination",
    "terminateSessions", "approvalTimeout", "approvers", "verifySamples", "verifyInterval",
}


def record_components(path, record):
    """Component names of `record NAME(...)` in a Java source file, or None when unavailable."""
    try:
        text = open(path, encoding="utf-8").read()
    except OSError:
        return None
    m = re.search(r"\brecord\s+%s\s*\(" % re.escape(record), text)
    if not m:
        return None
    depth, i, start, names = 0, m.end(), m.end(), []
    while i < len(text):
        ch = text[i]
        if ch in "(<":
            depth += 1
        elif ch in ">":
            depth -= 1
        elif ch == ")" and depth == 0:
            break
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            names.append(text[start:i])
            start = i + 1
        i += 1
    names.append(text[start:i])
    found = set()
    for param in names:
        param = re.sub(r"@\w+(\([^)]*\))?", " ", param).strip()
        ident_m = re.search(r"(\w+)\s*$", param)
        if ident_m:
            found.add(ident_m.group(1))
    return found or None


def runbook_policy_keys():
    """Each runbook's policy section (runbook/<name>/*Policy.java): its keys are its aliases, which the loader also
    accepts directly under defaults/policy (where configuration files write them)."""
    keys = set()
    for path in sorted(glob.glob(os.path.join(SOURCES, "runbook", "*", "*Policy.java"))):
        keys |= record_components(path, os.path.basename(path)[:-len(".java")]) or set()
    return keys


_shell = record_components(os.path.join(SOURCES, "incident", "RunbookPolicy.java"), "RunbookPolicy")
CONFIG_DEFAULTS = (_shell | runbook_policy_keys()) if _shell else FALLBACK_DEFAULTS
_top = record_components(os.path.join(SOURCES, "config", "RemediatorConfig.java"), "RemediatorConfig")
CONFIG_TOP_LEVEL = (_top | {"defaults"}) if _top else FALLBACK_TOP_LEVEL


def load_objects(text):
    """Parses a stream of concatenated JSON documents; flattens v1 Lists."""
    decoder = json.JSONDecoder()
    objects, pos = [], 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        obj, pos = decoder.raw_decode(text, pos)
        if isinstance(obj, dict) and obj.get("kind") == "List":
            objects.extend(obj.get("items") or [])
        else:
            objects.append(obj)
    return objects


def ident(obj):
    md = obj.get("metadata") or {}
    ns = md.get("namespace")
    return "%s %s%s" % (obj.get("kind"), (ns + "/") if ns else "", md.get("name"))


def check_rbac(objects, target_namespaces, app_namespace, worker_sa):
    errors = []
    roles = {}
    granted = {}  # (namespace, role name) -> {(group, resource): allowed verbs it grants}
    for obj in objects:
        kind = obj.get("kind")
        md = obj.get("metadata") or {}
        ns = md.get("namespace")
        if kind in ("ClusterRole", "ClusterRoleBinding"):
            errors.append("%s: cluster-scoped RBAC is not allowed" % ident(obj))
            continue
        if kind != "Role":
            continue
        roles[(ns, md.get("name"))] = obj
        if ns not in target_namespaces:
            errors.append("%s: Role outside the target namespace(s) %s" % (ident(obj), sorted(target_namespaces)))
        for i, rule in enumerate(obj.get("rules") or []):
            where = "%s rule %d" % (ident(obj), i)
            if rule.get("nonResourceURLs"):
                errors.append("%s: nonResourceURLs are not allowed" % where)
            groups = rule.get("apiGroups") or []
            resources = rule.get("resources") or []
            verbs = rule.get("verbs") or []
            if not groups or not resources or not verbs:
                errors.append("%s: apiGroups, resources and verbs must all be listed" % where)
            for field, values in (("apiGroups", groups), ("resources", resources), ("verbs", verbs)):
                if "*" in values:
                    errors.append("%s: wildcard in %s" % (where, field))
            for g in groups:
                for r in resources:
                    allowed = ALLOWED.get((g, r))
                    if allowed is None:
                        errors.append("%s: resource %s/%s is not allowed" % (where, g or "core", r))
                        continue
                    extra = sorted(set(verbs) - allowed)
                    if extra:
                        errors.append("%s: verbs %s on %s/%s go beyond %s"
                                      % (where, extra, g or "core", r, sorted(allowed)))
                    granted.setdefault((ns, md.get("name")), {}).setdefault((g, r), set()).update(set(verbs) & allowed)

    bound = set()
    for obj in objects:
        if obj.get("kind") != "RoleBinding":
            continue
        md = obj.get("metadata") or {}
        ns = md.get("namespace")
        ref = obj.get("roleRef") or {}
        if ns not in target_namespaces:
            errors.append("%s: RoleBinding outside the target namespace(s) %s" % (ident(obj), sorted(target_namespaces)))
        if ref.get("kind") != "Role" or ref.get("apiGroup") != "rbac.authorization.k8s.io":
            errors.append("%s: roleRef must be a namespaced Role (got %s %s)"
                          % (ident(obj), ref.get("kind"), ref.get("name")))
        elif (ns, ref.get("name")) not in roles:
            errors.append("%s: roleRef Role %s is not one of the rendered (checked) Roles" % (ident(obj), ref.get("name")))
        else:
            bound.add((ns, ref.get("name")))
        subjects = obj.get("subjects") or []
        if not subjects:
            errors.append("%s: no subjects" % ident(obj))
        for s in subjects:
            if (s.get("kind"), s.get("name"), s.get("namespace")) != ("ServiceAccount", worker_sa, app_namespace):
                errors.append("%s: subject %s %s/%s is not the worker ServiceAccount %s/%s"
                              % (ident(obj), s.get("kind"), s.get("namespace"), s.get("name"), app_namespace, worker_sa))

    # "Exactly": the worker must also get everything it needs, in every target namespace.
    for ns in sorted(target_namespaces):
        have = {}
        for role_id in bound:
            if role_id[0] == ns:
                for key, verbs in (granted.get(role_id) or {}).items():
                    have.setdefault(key, set()).update(verbs)
        for key, verbs in sorted(ALLOWED.items()):
            missing = sorted(verbs - have.get(key, set()))
            if missing:
                errors.append("namespace %s: the worker lacks %s on %s/%s (its activities need them)"
                              % (ns, missing, key[0] or "core", key[1]))
    return errors


def component_of(obj):
    labels = ((obj.get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels") or {}
    return labels.get("app.kubernetes.io/component")


def selects(selector, labels):
    match = (selector or {}).get("matchLabels") or {}
    return bool(match) and all(labels.get(k) == v for k, v in match.items())


def check_probe(errors, where, probe, name, port, path, ports_by_name):
    get = (probe or {}).get("httpGet")
    if not get:
        errors.append("%s: %s must be an httpGet probe" % (where, name))
        return
    p = get.get("port")
    p = ports_by_name.get(p, p)
    if p != port or get.get("path") != path:
        errors.append("%s: %s must GET %s on port %d (got %s on %s)" % (where, name, path, port, get.get("path"), p))


def check_config_keys(errors, cm):
    text = (cm.get("data") or {}).get("remediator.yaml")
    if text is None:
        errors.append("%s: no remediator.yaml key" % ident(cm))
        return
    check_config_text(errors, ident(cm), text)


def check_config_text(errors, where, text):
    section = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = re.match(r"^([A-Za-z][A-Za-z0-9]*):", line)
        if m:
            section = m.group(1)
            if section not in CONFIG_TOP_LEVEL:
                errors.append("%s: unknown top-level key %r (the loader rejects it)" % (where, section))
            continue
        m = re.match(r"^  ([A-Za-z][A-Za-z0-9]*):", line)
        if m and section == "defaults" and m.group(1) not in CONFIG_DEFAULTS:
            errors.append("%s: unknown defaults key %r (the loader rejects it)" % (where, m.group(1)))


def check_workloads(objects, forbid_secrets):
    errors = []
    deployments = [o for o in objects if o.get("kind") == "Deployment"]
    pdbs = [o for o in objects if o.get("kind") == "PodDisruptionBudget"]
    seen = set()
    for d in deployments:
        comp = component_of(d)
        spec = d.get("spec") or {}
        pod = (spec.get("template") or {}).get("spec") or {}
        labels = (spec.get("template") or {}).get("metadata", {}).get("labels") or {}
        where = ident(d)
        if comp not in PROBES:
            errors.append("%s: unknown component %r" % (where, comp))
            continue
        seen.add(comp)
        psc = pod.get("securityContext") or {}
        if comp == "worker":
            if (spec.get("replicas") or 1) < 2:
                errors.append("%s: the worker needs at least 2 replicas" % where)
            if not any(selects((p.get("spec") or {}).get("selector"), labels) for p in pdbs):
                errors.append("%s: no PodDisruptionBudget selects the worker pods" % where)
        elif pod.get("automountServiceAccountToken") is not False:
            errors.append("%s: automountServiceAccountToken must be false (it never calls the API)" % where)
        if (psc.get("seccompProfile") or {}).get("type") not in ("RuntimeDefault", "Localhost"):
            errors.append("%s: pod seccompProfile must be RuntimeDefault" % where)
        port, live, ready = PROBES[comp]
        for c in pod.get("containers") or []:
            cw = "%s container %s" % (where, c.get("name"))
            sc = c.get("securityContext") or {}
            if not (sc.get("runAsNonRoot") or psc.get("runAsNonRoot")):
                errors.append("%s: runAsNonRoot must be true" % cw)
            uid = sc.get("runAsUser", psc.get("runAsUser"))
            if uid in (None, 0):
                errors.append("%s: runAsUser must be a non-zero uid" % cw)
            if sc.get("readOnlyRootFilesystem") is not True:
                errors.append("%s: readOnlyRootFilesystem must be true" % cw)
            if sc.get("allowPrivilegeEscalation") is not False:
                errors.append("%s: allowPrivilegeEscalation must be false" % cw)
            if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
                errors.append("%s: capabilities must drop ALL" % cw)
            if sc.get("privileged"):
                errors.append("%s: privileged is not allowed" % cw)
            res = c.get("resources") or {}
            for kind in ("requests", "limits"):
                for r in ("cpu", "memory"):
                    if not (res.get(kind) or {}).get(r):
                        errors.append("%s: resources.%s.%s missing" % (cw, kind, r))
            ports_by_name = {p.get("name"): p.get("containerPort") for p in c.get("ports") or []}
            if port not in ports_by_name.values():
                errors.append("%s: must expose port %d" % (cw, port))
            check_probe(errors, cw, c.get("livenessProbe"), "livenessProbe", port, live, ports_by_name)
            check_probe(errors, cw, c.get("readinessProbe"), "readinessProbe", port, ready, ports_by_name)
    for comp in PROBES:
        if comp not in seen:
            errors.append("no %s Deployment rendered" % comp)

    receivers = [o for o in objects if o.get("kind") == "Service" and (o.get("metadata") or {}).get("name") == "remediator-receiver"]
    if not receivers or not any(p.get("port") == 8080 for p in (receivers[0].get("spec") or {}).get("ports") or []):
        errors.append("Service remediator-receiver on port 8080 is missing (Alertmanager posts there)")
    if not any(o.get("kind") == "NetworkPolicy" and not ((o.get("spec") or {}).get("podSelector") or {})
               and set((o.get("spec") or {}).get("policyTypes") or []) >= {"Ingress", "Egress"} for o in objects):
        errors.append("no default-deny NetworkPolicy (empty podSelector, Ingress and Egress)")
    configs = [o for o in objects if o.get("kind") == "ConfigMap" and (o.get("metadata") or {}).get("name", "").startswith("remediator-config")]
    if not configs:
        errors.append("ConfigMap remediator-config is missing")
    for cm in configs:
        check_config_keys(errors, cm)
    if forbid_secrets:
        for o in objects:
            if o.get("kind") == "Secret":
                errors.append("%s: this overlay must not ship Secrets (reference them, create them out of band)" % ident(o))
    return errors


def check_rainbow(objects, builds):
    """One worker Deployment per build ID (kubernetes/rainbow/): its selector names its build, and the worker joins
    Worker Deployment `remediator` as the build its pod label names."""
    errors = []
    workers = [o for o in objects if o.get("kind") == "Deployment" and component_of(o) == "worker"]
    seen = {}
    for d in workers:
        where = ident(d)
        spec = d.get("spec") or {}
        build = ((spec.get("selector") or {}).get("matchLabels") or {}).get("remediator.dev/build-id")
        if not build:
            errors.append("%s: its selector does not name a build (remediator.dev/build-id)" % where)
            continue
        if build in seen:
            errors.append("%s: build %s already has Deployment %s" % (where, build, seen[build]))
        seen[build] = where
        containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or [{}]
        env = {e.get("name"): e for e in containers[0].get("env") or []}
        if (env.get("REMEDIATOR_DEPLOYMENT_NAME") or {}).get("value") != "remediator":
            errors.append("%s: REMEDIATOR_DEPLOYMENT_NAME is not remediator" % where)
        ref = ((env.get("REMEDIATOR_BUILD_ID") or {}).get("valueFrom") or {}).get("fieldRef") or {}
        if ref.get("fieldPath") != "metadata.labels['remediator.dev/build-id']":
            errors.append("%s: REMEDIATOR_BUILD_ID does not come from the pod's build label" % where)
    if sorted(seen) != sorted(builds):
        errors.append("expected one worker Deployment for each of builds %s, got builds %s" % (sorted(builds), sorted(seen)))
    return errors


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("rbac")
    r.add_argument("--target-namespace", action="append", required=True)
    r.add_argument("--app-namespace", default="remediator")
    r.add_argument("--worker-sa", default="remediator-worker")
    w = sub.add_parser("workloads")
    w.add_argument("--forbid-secrets", action="store_true")
    rb = sub.add_parser("rainbow")
    rb.add_argument("builds", nargs="+")
    c = sub.add_parser("config")
    c.add_argument("files", nargs="+")
    args = ap.parse_args()

    if args.cmd == "config":
        errors = []
        for f in args.files:
            with open(f, encoding="utf-8") as fh:
                check_config_text(errors, f, fh.read())
        for e in errors:
            print(e)
        return 1 if errors else 0

    try:
        objects = load_objects(sys.stdin.read())
    except ValueError as e:
        print("cannot parse the rendered manifests: %s" % e)
        return 2
    if not objects:
        print("no objects on stdin")
        return 2
    if args.cmd == "rbac":
        errors = check_rbac(objects, set(args.target_namespace), args.app_namespace, args.worker_sa)
    elif args.cmd == "rainbow":
        errors = check_rainbow(objects, args.builds)
    else:
        errors = check_workloads(objects, args.forbid_secrets)
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
