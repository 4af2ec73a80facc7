#!/usr/bin/env bash
# Evaluate meshward on manifests nobody on the project wrote (see docs/real-world.md).
#
# It fetches nothing: give it folders or files you have already checked out, each as NAME=PATH.
# For each input it runs the built CLI (`node bin/meshward.js scan PATH --format json`), keeps the
# JSON report in OUT_DIR/NAME.json, and prints one line of measures (YAML files, resources, parse
# errors, findings, wall time) and the findings by rule. Helm chart templates (files with `{{` under a
# chart's templates/ folder) are skipped unless INCLUDE_TEMPLATES=1: meshward reads plain YAML, not
# chart templates. Plain manifests that carry `{{` inside a string are kept.
#
#   npm run build
#   scripts/real-world.sh istio-samples=/work/fetched/istio/samples boutique=/work/fetched/microservices-demo/kubernetes-manifests
#
# Environment: OUT_DIR (default $TMPDIR/meshward-real-world), MESHWARD (default bin/meshward.js of this checkout),
# EXTRA_ARGS (more scan options, e.g. "--mesh-config mesh.yaml").
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
meshward="${MESHWARD:-$here/bin/meshward.js}"
out_dir="${OUT_DIR:-${TMPDIR:-/tmp}/meshward-real-world}"
include_templates="${INCLUDE_TEMPLATES:-0}"

if [ "$#" -eq 0 ]; then
  echo "usage: $0 NAME=PATH [NAME=PATH ...]   (paths already fetched; this script downloads nothing)" >&2
  exit 2
fi
if [ ! -f "$here/dist/cli/bin.js" ]; then
  echo "meshward is not built: run 'npm run build' in $here first" >&2
  exit 2
fi
command -v jq >/dev/null || { echo "jq is needed to summarise the JSON reports (apt-get install jq)" >&2; exit 2; }
mkdir -p "$out_dir"

# A Helm template is a file under a chart's templates/ folder (a Chart.yaml beside that folder) that
# holds `{{`. A plain manifest may hold `{{` too, inside a string: Istio's rendered install carries the
# injector's Go templates in the istio-sidecar-injector ConfigMap, Knative's config-network its
# domain-template, Argo's notification ConfigMaps their message templates. Those are Kubernetes
# objects and must be scanned; leaving out every file with `{{` dropped them (kubeflow/manifests lost
# common/istio/istio-install/base/install.yaml, the mesh config and istiod included).
is_chart_template() {
  local f="$1" dir
  grep -q '{{' "$f" || return 1
  dir="$(dirname "$f")"
  while [ "$dir" != "/" ] && [ "$dir" != "." ]; do
    if [ "$(basename "$dir")" = templates ] && [ -f "$(dirname "$dir")/Chart.yaml" ]; then return 0; fi
    dir="$(dirname "$dir")"
  done
  return 1
}

printf '%-28s %7s %9s %7s %9s %8s\n' input files resources errors findings seconds
for pair in "$@"; do
  name="${pair%%=*}"
  src="${pair#*=}"
  if [ -z "$name" ] || [ "$name" = "$pair" ] || [ ! -e "$src" ]; then
    echo "skipping '$pair': expected NAME=PATH with an existing PATH" >&2
    continue
  fi
  # Collect the plain YAML files; leave Helm templates out (they are not Kubernetes objects until rendered).
  list="$out_dir/$name.files"
  find "$src" -type f \( -name '*.yaml' -o -name '*.yml' \) -not -path '*/node_modules/*' -print0 |
    while IFS= read -r -d '' f; do
      if [ "$include_templates" != 1 ] && is_chart_template "$f"; then continue; fi
      printf '%s\n' "$f"
    done | sort >"$list"
  count=$(wc -l <"$list")
  if [ "$count" -eq 0 ]; then
    echo "skipping '$name': no plain YAML files under $src" >&2
    continue
  fi
  # Scan a copy of just those files (same relative paths), so the scan sees one folder whatever the count.
  tree="$out_dir/$name.tree"
  rm -rf "$tree" && mkdir -p "$tree"
  base="$src"; [ -d "$base" ] || base="$(dirname "$src")"
  (cd "$base" && sed "s|^$base/||" "$list" | tr '\n' '\0' | xargs -0 cp --parents -t "$tree")
  start=$(date +%s.%N)
  # Exit 1 only means "findings at or above high": not a failure of this script.
  set +e
  (cd "$tree" && node "$meshward" scan . --format json --fail-on none ${EXTRA_ARGS:-}) \
    >"$out_dir/$name.json" 2>"$out_dir/$name.stderr"
  rc=$?
  set -e
  end=$(date +%s.%N)
  # Exit 1 with a report also means "some file did not parse" (reported in .errors, at its line): the
  # report is still whole for the files that did, so summarise it; anything else is a failure.
  if [ "$rc" -ne 0 ] && ! jq -e '.summary' "$out_dir/$name.json" >/dev/null 2>&1; then
    echo "meshward exited $rc on '$name' (see $out_dir/$name.stderr)" >&2
    continue
  fi
  jq -r --arg name "$name" --arg secs "$(echo "$end - $start" | bc)" \
    '[$name, .summary.files, .summary.resources, (.errors|length), (.findings|length), $secs] | @tsv' \
    "$out_dir/$name.json" | awk -F'\t' '{ printf "%-28s %7s %9s %7s %9s %8.2f\n", $1, $2, $3, $4, $5, $6 }'
  # One line per rule, with its count at each severity (a rule grades some findings lower than others).
  jq -r '.findings | group_by(.ruleId) | map("    \(.[0].ruleId) " + (group_by({"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}[.severity]) | map("\(.[0].severity) \(length)") | join(", "))) | .[]' "$out_dir/$name.json"
done
