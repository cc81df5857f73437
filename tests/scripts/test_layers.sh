#!/usr/bin/env bash
# The layers point one way (docs/architecture.md, "Components"): each
# directory of src/ includes headers only of the layers below it, no
# production file includes a header of the simulator, and the page names
# only files that exist. (What liblas.a and liblas.so contain is checked by
# install.liblas, with nm.)
source "$(dirname "$0")/../deploy/lib.sh"
cd "$LAS_SOURCE_DIR" || fail "no source directory"
if ! command -v git >/dev/null || ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  skip "not a git checkout: the file list comes from git"
fi

# includes DIR... : the project headers (dir/file.h) that the C files of DIR include.
includes() {
  git ls-files -- "${@/%//*.c}" "${@/%//*.h}" |
    xargs -r grep -HoE '^#include "[a-z_]+/[a-z_0-9]+\.h"' | sed 's/#include //; s/"//g'
}
# refuse WHAT DIR... -- LAYER...: no file of DIR includes a header of LAYER.
refuse() {
  local what=$1 dirs=() layers bad
  shift
  while [ "$1" != -- ]; do dirs+=("$1"); shift; done
  shift
  layers=$(IFS='|'; echo "$*")
  bad=$(includes "${dirs[@]}" | grep -E ":($layers)/" || true)
  [ -z "$bad" ] || fail "$what: $(tr '\n' ' ' <<<"$bad")"
}

# liblas: the relying party's library, the lowest layers.
refuse "liblas includes a header of a layer above it" \
  src/common src/format src/verifier src/policy src/dcap src/client -- \
  backend identity daemon sim cli operator
bad=$(includes src/sgx | grep -E '^src/sgx/sgx_types\.c:(backend|identity|daemon|sim|cli|operator)/' || true)
[ -z "$bad" ] || fail "sgx_types.c includes a header above liblas: $bad"
refuse "the platform layer includes the daemon, the simulator or a front end" \
  src/backend src/identity src/sgx -- daemon sim cli operator
refuse "the daemon includes a front end" src/daemon -- cli operator
refuse "the operator includes more than liblas" src/operator -- backend identity daemon sim cli
refuse "the CLI includes the operator" src/cli -- operator
pass "liblas < platform < daemon < las; the operator on liblas alone"

# The simulator is reached through src/backend's interfaces. Only the
# simulator, the tests and the load generator (test tooling: EREPORT per
# request on a simulated CPU it may create, bench/README.md) include its headers.
bad=$(git ls-files -- '*.c' '*.h' | grep -vE '^(src/sim|tests)/|^bench/las-bench\.c$' |
  xargs -r grep -lE '^#include "sim/' || true)
[ -z "$bad" ] || fail "simulator headers included outside src/sim and the tests: $bad"
pass "no production file includes a header of src/sim"

# Every file that docs/architecture.md names exists.
missing=()
# shellcheck disable=SC2016 # the backquotes of Markdown, not a command
for p in $(grep -oE '`[^` ]+`' docs/architecture.md | tr -d '`' | grep -E '^(src|include|tests|cmake|examples|deploy|scripts|bench)/' |
  sed 's/,$//' | grep -v '[<*]' | sort -u); do
  case $p in
  *'.[ch]')
    for e in c h; do [ -e "${p%.\[ch\]}.$e" ] || missing+=("${p%.\[ch\]}.$e"); done
    ;;
  *) [ -e "$p" ] || missing+=("$p") ;;
  esac
done
[ ${#missing[@]} -eq 0 ] || fail "docs/architecture.md names files that do not exist: ${missing[*]}"
pass "every path that docs/architecture.md names exists"
