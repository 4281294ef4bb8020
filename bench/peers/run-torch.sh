#!/usr/bin/env bash
# PyTorch CPU peer benchmark: installs Debian's python3-torch and the OpenMP
# OpenBLAS (libopenblas0-openmp) if missing, shows which BLAS torch uses, then
# runs torch_bench.py with the system Python. Installing needs root (apt-get).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py=/usr/bin/python3

need_torch=0
need_openblas=0
"$py" -c "import torch" >/dev/null 2>&1 || need_torch=1
dpkg-query -W -f='${Status}' libopenblas0-openmp 2>/dev/null | grep -q "install ok installed" || need_openblas=1

if [[ $need_torch == 1 || $need_openblas == 1 ]]; then
    if [[ $(id -u) != 0 ]]; then
        echo "python3-torch and/or libopenblas0-openmp missing; run as root (or install them) first" >&2
        exit 1
    fi
    echo "== installing: python3-torch=${need_torch} libopenblas0-openmp=${need_openblas}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y python3-torch libopenblas0-openmp
fi

# Debian's torch links the generic libblas.so.3 / liblapack.so.3; which library
# that is comes from update-alternatives (the reference BLAS unless OpenBLAS is
# installed, which registers itself with a higher priority).
arch="$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)"
echo "== BLAS alternative"
for alt in "libblas.so.3-$arch" "liblapack.so.3-$arch"; do
    if update-alternatives --query "$alt" >/dev/null 2>&1; then
        echo "$alt -> $(update-alternatives --query "$alt" | sed -n 's/^Value: //p')"
    fi
done
torch_lib="$("$py" -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib", "libtorch_cpu.so"))')"
echo "== ldd libtorch_cpu.so (blas/lapack/openmp)"
ldd "$torch_lib" | grep -Ei 'blas|lapack|omp' || true
echo "== torch build BLAS: $("$py" -c 'import torch; print([t for t in torch.__config__.show().replace(",", " ").split() if t.startswith("BLAS_INFO")])')"

echo "== running torch_bench.py"
exec "$py" "$here/torch_bench.py" "$@"
