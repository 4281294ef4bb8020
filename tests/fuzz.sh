#!/usr/bin/env bash
# The long generator fuzz run: N random valid stacks (default 10,000) and N random invalid declarations, from fresh
# seeds, each compiled in memory with the generator and analyzers (8 per compilation). A failure prints the shrunk
# declaration, its tape and the CsCheck seed; STATICRNN_FUZZ_SEED=<seed> replays it. CI runs a fixed-seed subset.
#   tests/fuzz.sh [N]
set -uo pipefail
cd "$(dirname "$0")/.."
cases=${1:-10000}
log=$(mktemp)
progress=$(mktemp)
trap 'rm -f "$log" "$progress"; kill "$tailer" 2>/dev/null' EXIT
dotnet build tests/StaticRnn.Fuzz.Tests -c Release -v q -nologo || exit 1
echo "fuzzing $cases valid stacks and $cases invalid declarations (random seeds, 8 per sample)..."
tail -f "$progress" &
tailer=$!
STATICRNN_FUZZ_CASES=$cases STATICRNN_FUZZ_RANDOM=1 STATICRNN_FUZZ_PROGRESS=$progress dotnet test tests/StaticRnn.Fuzz.Tests \
  -c Release --no-build --filter "FullyQualifiedName~FuzzTests" --logger "console;verbosity=detailed" >"$log" 2>&1
status=$?
grep -vE '^\s*$|^\s+at |xUnit.net VSTest|Discover|Starting:|Finished:' "$log"
exit $status
