#!/usr/bin/env bash
# ONNX Runtime CPU peer benchmark (inference only): installs Debian's python3-torch
# if missing, exports the models with torch.onnx.export (export_onnx.py, only when
# an .onnx file is missing or the script is newer than it), then builds and runs
# bench/OnnxPeer, which restores Microsoft.ML.OnnxRuntime from NuGet.
# Arguments go to OnnxPeer, e.g. --quick or --cases a,f. Installing needs root.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py=/usr/bin/python3
models="$here/onnx"

if ! "$py" -c "import torch" >/dev/null 2>&1; then
    if [[ $(id -u) != 0 ]]; then
        echo "python3-torch missing; run as root (or install it) first" >&2
        exit 1
    fi
    echo "== installing python3-torch"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y python3-torch
fi

expected=(a_b32 b_b1 b_b32 c_b1 c_b32 d_b64 e_b32 g_b32 h_b1 f_h8 f_h16 f_h32 f_h64)
need_export=0
for name in "${expected[@]}"; do
    for f in "$models/$name.onnx" "$models/$name.check.json"; do
        if [[ ! -f $f || $here/export_onnx.py -nt $f ]]; then
            need_export=1
        fi
    done
done
if [[ $need_export == 1 ]]; then
    echo "== exporting models with torch $("$py" -c 'import torch; print(torch.__version__)')"
    "$py" "$here/export_onnx.py" --out "$models"
else
    echo "== models in $(realpath --relative-to="$PWD" "$models") are up to date"
fi

echo "== running bench/OnnxPeer"
exec dotnet run -c Release --project "$root/bench/OnnxPeer" -- --root "$root" --models "$models" "$@"
