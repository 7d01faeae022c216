#!/usr/bin/env bash
# Renders the demo's post-incident draft as GitHub shows it (Markdown + Mermaid) and takes a screenshot with
# headless Chromium: docs/img/post-incident-draft.png (or the path given).
#
#   bash docs/tools/render-report.sh [OUT.png] [DRAFT.md]
#
# Runs ./remediator demo in-process (docs/tools/DemoDraft.java) unless a draft file is given. Needs chromium
# (Debian: apt-get install -y chromium) and npm: mermaid and marked are installed from the npm registry into a
# temporary directory (never into the repository). Every Mermaid block must pass mermaid.parse() and render, or
# the script fails.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$(realpath -m "${1:-$root/docs/img/post-incident-draft.png}")"
draft="${2:-}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
browser="$(command -v chromium || command -v chromium-browser || true)"
[ -n "$browser" ] || { echo "render-report: chromium is not installed (apt-get install -y chromium)" >&2; exit 1; }
command -v npm >/dev/null || { echo "render-report: npm is not installed" >&2; exit 1; }

if [ -z "$draft" ]; then
  "$root/remediator" demo --help >/dev/null # builds the demo jar when needed
  echo "render-report: running the demo" >&2
  java -cp "$root/demo/target/remediator-demo.jar" "$root/docs/tools/DemoDraft.java" >"$work/draft.md" 2>"$work/demo.log" \
    || { tail -n 30 "$work/demo.log" >&2; exit 1; }
  draft="$work/draft.md"
fi

echo "render-report: npm install mermaid marked (temporary directory)" >&2
(cd "$work" && npm install --silent --no-audit --no-fund --no-save mermaid@11 marked@15 >/dev/null)

python3 - "$draft" "$work/page.html" <<'PY'
import json, sys
draft = open(sys.argv[1], encoding="utf-8").read()
page = """<!doctype html>
<html><head><meta charset="utf-8"><title>rendering</title>
<style>
  body { font-family: -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; font-size: 14px;
         line-height: 1.5; color: #1f2328; background: #fff; margin: 0; }
  #doc { max-width: 1012px; margin: 24px auto; padding: 32px; border: 1px solid #d1d9e0; border-radius: 6px; }
  h1 { font-size: 2em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; margin-top: 0; }
  h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; margin-top: 24px; }
  table { border-collapse: collapse; margin: 0 0 16px; display: block; overflow: auto; }
  td, th { border: 1px solid #d1d9e0; padding: 6px 13px; }
  tr:nth-child(2n) { background: #f6f8fa; }
  code { background: #eff1f3; border-radius: 6px; padding: .2em .4em; font-size: 85%;
         font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
  .mermaid { margin: 0 0 16px; text-align: center; }
  ul { padding-left: 2em; }
</style></head>
<body><div id="doc"></div>
<script src="node_modules/marked/lib/marked.umd.js"></script>
<script src="node_modules/mermaid/dist/mermaid.min.js"></script>
<script>
const draft = __DRAFT__;
(async () => {
  const problems = [];
  try {
    const doc = document.getElementById('doc');
    doc.innerHTML = marked.parse(draft, { gfm: true });
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'default' });
    const blocks = [...doc.querySelectorAll('pre > code.language-mermaid')];
    if (blocks.length === 0) problems.push('no mermaid block in the draft');
    for (const code of blocks) {
      const text = code.textContent;
      try { await mermaid.parse(text); } catch (e) { problems.push('mermaid.parse: ' + e.message); }
      const div = document.createElement('div');
      div.className = 'mermaid';
      div.textContent = text;
      code.parentElement.replaceWith(div);
    }
    await mermaid.run({ querySelector: '.mermaid' });
    for (const div of document.querySelectorAll('.mermaid')) {
      if (!div.querySelector('svg') || div.querySelector('.error-icon')) problems.push('a block did not render');
    }
  } catch (e) { problems.push(String(e)); }
  document.body.setAttribute('data-height', String(document.documentElement.scrollHeight));
  document.body.setAttribute('data-status', problems.length ? 'FAILED ' + problems.join(' | ') : 'ok');
})();
</script></body></html>
""".replace("__DRAFT__", json.dumps(draft).replace("</", "<\\/"))
open(sys.argv[2], "w", encoding="utf-8").write(page)
PY

chrome() {
  "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
    --no-first-run --user-data-dir="$work/profile-$1" --allow-file-access-from-files --hide-scrollbars \
    --virtual-time-budget=15000 "${@:2}" "file://$work/page.html" 2>>"$work/chromium.log"
}
chrome dom --window-size=1100,1000 --dump-dom >"$work/dom.html"
status="$(sed -n 's/.*data-status="\([^"]*\)".*/\1/p' "$work/dom.html" | head -1)"
height="$(sed -n 's/.*data-height="\([0-9]*\)".*/\1/p' "$work/dom.html" | head -1)"
if [ "$status" != ok ]; then
  echo "render-report: the draft did not render: ${status:-no status (page script did not finish)}" >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
chrome shot --window-size="1100,$((height + 40))" --screenshot="$out" >/dev/null
[ -s "$out" ] || { echo "render-report: no screenshot written" >&2; cat "$work/chromium.log" >&2; exit 1; }
echo "render-report: $out (1100x$((height + 40)), every Mermaid block parsed and rendered)" >&2
