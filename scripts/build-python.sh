#!/usr/bin/env bash
# Builds a CPython siphon can embed from Debian's source package, into a cache
# folder outside the checkout, and prints the SIPHON_PYTHON to use.
#
#   npm run python:build -- 3.13t     (also 3.13, 3.14, 3.14t)
#
# Only Debian's archive is contacted. apt verifies the suite's signed Release
# file with Debian's archive keyring, then the .dsc against the signed Sources
# index; dpkg-source verifies every tarball against the .dsc's checksums. The
# apt state lives in a temporary folder, so the system's sources are untouched
# and no root is needed. Needs: dpkg-dev, a C toolchain, and the -dev packages
# listed in BUILD_DEPS (Debian names).
set -euo pipefail

BUILD_DEPS="dpkg-dev libssl-dev libffi-dev zlib1g-dev libbz2-dev liblzma-dev libsqlite3-dev libreadline-dev uuid-dev"

wanted="${1:-}"
case "$wanted" in
  3.13|3.13t|3.14|3.14t) ;;
  *) echo "usage: npm run python:build -- <3.13|3.13t|3.14|3.14t>" >&2; exit 2 ;;
esac
minor="${wanted%t}"
free_threaded=no
[ "$wanted" != "$minor" ] && free_threaded=yes
package="python$minor"
# 3.13 is in trixie (Debian 13); 3.14 only in the development suite so far.
case "$minor" in
  3.13) suite="${SIPHON_PYTHON_SUITE:-trixie}" ;;
  3.14) suite="${SIPHON_PYTHON_SUITE:-sid}" ;;
esac

cache="${SIPHON_PYTHON_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/siphon-python}"
prefix="$cache/$wanted"
interpreter="$prefix/bin/python$minor"
[ "$free_threaded" = yes ] && interpreter="${interpreter}t"

if [ -x "$interpreter" ] && "$interpreter" -c 'import ssl, sqlite3, ctypes' 2>/dev/null; then
  echo "siphon python:build: reusing $interpreter" >&2
  echo "SIPHON_PYTHON=$interpreter"
  exit 0
fi

missing=()
for dep in $BUILD_DEPS; do dpkg -s "$dep" >/dev/null 2>&1 || missing+=("$dep"); done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "siphon python:build: missing Debian packages: ${missing[*]} (apt-get install ${missing[*]})" >&2
  exit 1
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/siphon-python-$wanted.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/src"
cat >"$work/apt/sources.list" <<EOF
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main
EOF
apt_opts=(
  -o "Dir::Etc::SourceList=$work/apt/sources.list"
  -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$work/apt/lists"
  -o "Dir::Cache=$work/apt/cache"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=$(id -un)"
)
echo "siphon python:build: fetching $package from Debian $suite" >&2
apt-get "${apt_opts[@]}" -qq update
(cd "$work/src" && apt-get "${apt_opts[@]}" -qq source --download-only "$package")
dsc="$(ls "$work/src"/*.dsc)"
# Upstream's tree as released (Debian's patches adapt it to Debian's own
# multiarch layout, which a private prefix does not want); -x still checks
# every file against the .dsc.
(cd "$work/src" && dpkg-source --skip-patches -x "$dsc" tree >/dev/null)
echo "siphon python:build: $(basename "$dsc") verified; building $wanted into $prefix" >&2

configure_args=(--prefix="$prefix" --enable-shared "LDFLAGS=-Wl,-rpath,$prefix/lib")
[ "$free_threaded" = yes ] && configure_args+=(--disable-gil)
(
  cd "$work/src/tree"
  ./configure "${configure_args[@]}" >"$work/configure.log" 2>&1 \
    || { tail -30 "$work/configure.log" >&2; exit 1; }
  make -j"$(nproc)" >"$work/make.log" 2>&1 || { tail -40 "$work/make.log" >&2; exit 1; }
  rm -rf "$prefix"
  make altinstall >"$work/install.log" 2>&1 || { tail -40 "$work/install.log" >&2; exit 1; }
)
"$interpreter" -c 'import ssl, sqlite3, ctypes, sys; print(sys.version)' >&2
echo "SIPHON_PYTHON=$interpreter"
