#!/usr/bin/env bash
# liblas as a relying party gets it: `cmake --install` into a temporary
# prefix, pkg-config and the CMake package there, the exported symbols, and
# examples/verify-quote.c built against the installed library and run on a
# real quote from a running sim LAS.
source "$(dirname "$0")/../integration/lib.sh"
: "${LAS_BUILD_DIR:?}" "${LAS_SOURCE_DIR:?}" "${LAS_VERSION:?}" "${LAS_SOVERSION:?}"
cc=${CC:-cc}
example="$LAS_SOURCE_DIR/examples/verify-quote.c"
# In sanitizer builds liblas is instrumented: so must its users be.
cflags=()
[ "${LAS_SANITIZE:-0}" = 1 ] && cflags=(-fsanitize=address,undefined)

prefix="$TEST_DIR/prefix"
cmake --install "$LAS_BUILD_DIR" --prefix "$prefix" >"$TEST_DIR/install.log" 2>&1 ||
  fail "cmake --install failed: $(cat "$TEST_DIR/install.log")"
pc=$(find "$prefix" -name las.pc)
[ -n "$pc" ] || fail "no las.pc installed"
libdir=$(dirname "$(dirname "$pc")")
for f in liblas.so liblas.so."$LAS_SOVERSION" liblas.so."$LAS_VERSION" liblas.a; do
  [ -e "$libdir/$f" ] || fail "$libdir/$f not installed"
done
for h in client dcap evidence policy quote sgx status verifier; do
  [ -f "$prefix/include/las/$h.h" ] || fail "include/las/$h.h not installed"
done
[ -f "$libdir/cmake/las/lasConfig.cmake" ] || fail "no CMake package config installed"
pass "cmake --install: liblas.so (+ soname link), liblas.a, headers, las.pc, CMake package"

soname=$(objdump -p "$libdir/liblas.so" | awk '$1 == "SONAME" {print $2}')
[ "$soname" = "liblas.so.$LAS_SOVERSION" ] || fail "soname is '$soname', want liblas.so.$LAS_SOVERSION"
pass "soname $soname, version $LAS_VERSION"

# pkg-config finds las.pc in the prefix (and its dependencies in the system).
export PKG_CONFIG_PATH="$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
flags=$(pkg-config --cflags --libs las) || fail "pkg-config --cflags --libs las failed"
# has_dir FLAG DIR: one of pkg-config's FLAG (-I, -L) options names DIR.
has_dir() {
  local flag=$1 want opt
  want=$(realpath "$2")
  for opt in $flags; do
    [[ "$opt" == "$flag"* ]] && [ "$(realpath -m "${opt#"$flag"}")" = "$want" ] && return 0
  done
  return 1
}
has_dir -I "$prefix/include" || fail "pkg-config --cflags lacks -I$prefix/include: $flags"
has_dir -L "$libdir" || fail "pkg-config --libs lacks -L$libdir: $flags"
[[ " $flags " == *" -llas "* ]] || fail "pkg-config --libs lacks -llas: $flags"
[ "$(pkg-config --modversion las)" = "$LAS_VERSION" ] || fail "pkg-config version is not $LAS_VERSION"
static=$(pkg-config --static --libs las)
for lib in -lcrypto -lsodium -lnettle -ljansson -lyaml; do
  [[ " $static " == *" $lib "* ]] || fail "pkg-config --static --libs lacks $lib: $static"
done
# libcurl is loaded by the client at its first request (src/client/curl_api.h), never linked.
[[ " $static " == *" -lcurl "* ]] && fail "pkg-config --static --libs has -lcurl: $static"
readelf -d "$libdir/liblas.so" | grep -q 'NEEDED.*libcurl' && fail "liblas.so links libcurl"
pass "pkg-config --cflags --libs las: $flags"

# Exports: the public API only, nothing of the simulator.
nm -D --defined-only "$libdir/liblas.so" | awk '{print $3}' | sort >"$TEST_DIR/exports"
[ -s "$TEST_DIR/exports" ] || fail "liblas.so exports nothing"
grep -v '^las_' "$TEST_DIR/exports" >"$TEST_DIR/foreign" && fail "symbols outside las_: $(tr '\n' ' ' <"$TEST_DIR/foreign")"
grep -i 'sim' "$TEST_DIR/exports" >"$TEST_DIR/sim" && fail "simulator symbols exported: $(tr '\n' ' ' <"$TEST_DIR/sim")"
# Every function the public headers declare is there (none is left undefined).
perl -0777 -pe 's{/\*.*?\*/}{}gs' "$prefix"/include/las/*.h | grep -o 'las_[a-z0-9_]*[[:space:]]*(' | tr -d ' (' |
  sort -u >"$TEST_DIR/declared"
missing=$(comm -23 "$TEST_DIR/declared" "$TEST_DIR/exports" | tr '\n' ' ')
[ -z "$missing" ] || fail "declared in include/las but not exported: $missing"
extra=$(comm -13 "$TEST_DIR/declared" "$TEST_DIR/exports" | tr '\n' ' ')
[ -z "$extra" ] || fail "exported but not declared in include/las: $extra"
pass "nm -D: $(wc -l <"$TEST_DIR/exports") symbols, all las_ and declared in include/las, none of the simulator"

# No simulator code in either form (docs/architecture.md, "Libraries"): no
# object of src/sim, and no external name that mentions simulation. liblas.a's
# external names are every object's; liblas.so is built from the same objects.
# What liblas knows of simulated evidence are public values (root CN, QE
# identity, LAS signer), kept as data without such a name.
ar t "$libdir/liblas.a" >"$TEST_DIR/objects"
grep -E '(^|/)(sim_|backend_sim|enclu_sim)' "$TEST_DIR/objects" >"$TEST_DIR/sim_objects" &&
  fail "simulator objects in liblas.a: $(tr '\n' ' ' <"$TEST_DIR/sim_objects")"
nm -g --defined-only "$libdir/liblas.a" | awk 'NF == 3 {print $3}' | sort -u >"$TEST_DIR/externals"
[ -s "$TEST_DIR/externals" ] || fail "liblas.a defines nothing"
grep -i 'sim' "$TEST_DIR/externals" >"$TEST_DIR/sim_externals" &&
  fail "simulator symbols in liblas.a: $(tr '\n' ' ' <"$TEST_DIR/sim_externals")"
pass "liblas.a: $(wc -l <"$TEST_DIR/objects") objects, $(wc -l <"$TEST_DIR/externals") external symbols, none of the simulator"

# The example against the installed library: shared (pkg-config), static, CMake package.
# shellcheck disable=SC2086 # pkg-config output is a list of flags
"$cc" "${cflags[@]}" -Wall -Wextra -Werror -std=c11 -o "$TEST_DIR/verify-quote" "$example" \
  $(pkg-config --cflags --libs las) 2>"$TEST_DIR/cc.log" || fail "example does not build: $(cat "$TEST_DIR/cc.log")"
readelf -d "$TEST_DIR/verify-quote" | grep -q "NEEDED.*liblas.so.$LAS_SOVERSION" ||
  fail "the example does not link liblas.so.$LAS_SOVERSION"
# shellcheck disable=SC2086
"$cc" "${cflags[@]}" -std=c11 -o "$TEST_DIR/verify-quote-static" "$example" \
  $(pkg-config --cflags las) "$libdir/liblas.a" $(pkg-config --libs $(pkg-config --print-requires-private las)) \
  2>"$TEST_DIR/cc.log" || fail "example does not link liblas.a: $(cat "$TEST_DIR/cc.log")"
readelf -d "$TEST_DIR/verify-quote-static" | grep -q 'NEEDED.*liblas' && fail "static example needs liblas.so"
mkdir "$TEST_DIR/consumer"
cat >"$TEST_DIR/consumer/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.25)
project(consumer C)
find_package(las $LAS_VERSION REQUIRED)
add_executable(verify-quote "$example")
target_link_libraries(verify-quote PRIVATE las::las)
CMAKE
{ CFLAGS="${cflags[*]}" cmake -S "$TEST_DIR/consumer" -B "$TEST_DIR/consumer/build" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" &&
    cmake --build "$TEST_DIR/consumer/build"; } >"$TEST_DIR/consumer.log" 2>&1 ||
  fail "find_package(las) consumer does not build: $(tail -n 20 "$TEST_DIR/consumer.log")"
pass "examples/verify-quote.c builds against the prefix: pkg-config (shared), liblas.a, find_package(las)"

# A real quote from a running sim LAS, with a nonce as report data.
state="$TEST_DIR/state"
start_las main "$state"
id=$("$LAS_BIN" id --las "$LAS_ADDR")
nonce=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
expect_rc 0 "$LAS_BIN" attest --las "$LAS_ADDR" --state-dir "$state" --report-data "$nonce" \
  --out "$TEST_DIR/q.bin"
other=$(printf 'A%.0s' $(seq 1 64))
for bin in "$TEST_DIR/verify-quote" "$TEST_DIR/verify-quote-static" "$TEST_DIR/consumer/build/verify-quote"; do
  run=(env LD_LIBRARY_PATH="$libdir" "$bin")
  expect_rc 0 "${run[@]}" --allow-simulation --report-data "$nonce" "$TEST_DIR/q.bin" "$id"
  grep -q "^OK: quote from platform $id (simulated)" "$TEST_DIR/out" || fail "$bin: no OK line"
  expect_rc 1 "${run[@]}" --allow-simulation --report-data "$nonce" "$TEST_DIR/q.bin" "$other"
  grep -q '^REFUSED (platform)' "$TEST_DIR/out" || fail "$bin: a wrong pin is not refused by the platform check"
  expect_rc 1 "${run[@]}" --report-data "$nonce" "$TEST_DIR/q.bin" "$id"
  grep -q '^REFUSED (simulation)' "$TEST_DIR/out" || fail "$bin: a simulated quote is accepted by default"
  expect_rc 1 "${run[@]}" --allow-simulation --report-data 00 "$TEST_DIR/q.bin" "$id"
  grep -q '^REFUSED' "$TEST_DIR/out" || fail "$bin: another nonce is not refused"
  head -c 519 "$TEST_DIR/q.bin" >"$TEST_DIR/short.bin"
  expect_rc 1 "${run[@]}" --allow-simulation "$TEST_DIR/short.bin" "$id"
done
pass "the example accepts the quote with the right pin and nonce, refuses a wrong pin, simulation, another nonce, a cut quote"
