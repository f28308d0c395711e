#!/usr/bin/env bash
# Unpacks Debian's own source package of libh2o 2.2.5 (the one behind the
# libh2o-evloop-dev package) into DEST and applies skscore's patches
# (third_party/h2o-patches/*.patch, in name order): the HTTP/2 bounds of
# docs/SECURITY.md. The gateway's CMake build runs this at configure time
# (SKS_H2O_FROM_SOURCE=ON, the default) and compiles the result into a static
# library; so does the Dockerfile's build stage.
#
#   scripts/h2o-source.sh DEST
#
# On Debian 13 and later, which have no h2o source package, bookworm's is
# taken from the same mirrors.
#
# Uses apt-get source with a private source list and package index (derived
# from the machine's own "deb" entries, turned into "deb-src"), so it needs
# no change to /etc/apt and takes no apt lock. Needs dpkg-dev (dpkg-source)
# and xz-utils. Idempotent: DEST/.sks-patched records the patches' checksum;
# a tree made from other patches is unpacked again.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:?usage: h2o-source.sh DEST}
patches=("$here"/third_party/h2o-patches/*.patch)
sum=$(cat "${patches[@]}" | sha256sum | cut -d' ' -f1)
if [ -f "$dest/.sks-patched" ] && [ "$(cat "$dest/.sks-patched")" = "$sum" ]; then
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/parts" "$work/lists/partial" "$work/cache/archives/partial" "$work/src"
# deb-src twins of the machine's deb entries, one-line and deb822 formats.
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [ -f "$f" ] || continue
  sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" >>"$work/parts/src.list"
done
n=0
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  n=$((n + 1))
  sed 's/^Types:.*/Types: deb-src/' "$f" >"$work/parts/src$n.sources"
done
apt_opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$work/parts"
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "APT::Sandbox::User=root" -q)
[ "$(id -u)" = 0 ] || apt_opts+=(-o "Debug::NoLocking=1")
# A third-party repository without source indexes makes update fail; what
# matters is whether Debian's h2o source is then found.
apt-get "${apt_opts[@]}" update >"$work/update.log" 2>&1 || true
if ! (cd "$work/src" && apt-get "${apt_opts[@]}" source h2o >"$work/source.log" 2>&1); then
  # Debian 13 (trixie) and later have no h2o source package: take
  # bookworm's from the same mirrors (the suite names rewritten), which
  # builds there too (gcc 14, OpenSSL 3.5).
  for f in "$work"/parts/*; do
    sed -E -e '/^[[:space:]]*Suites:/s/[[:space:]][a-z]+(-security|-updates|-backports)?/ bookworm\1/g' \
      -e '/^deb-src /s/^(deb-src[[:space:]]+(\[[^]]*\][[:space:]]+)?[^[:space:]]+[[:space:]]+)[a-z]+(-security|-updates|-backports)?([[:space:]/])/\1bookworm\3\4/' \
      "$f" >"$f.bookworm"
    mv "$f.bookworm" "$f"
  done
  apt-get "${apt_opts[@]}" update >>"$work/update.log" 2>&1 || true
  (cd "$work/src" && apt-get "${apt_opts[@]}" source h2o >>"$work/source.log" 2>&1) ||
    { cat "$work/update.log" "$work/source.log" >&2; exit 1; }
fi
tree=$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name 'h2o-2.2.5*' | head -1)
if [ -z "$tree" ]; then
  echo "h2o-source.sh: Debian's h2o source package is not 2.2.5:" >&2
  ls "$work/src" >&2
  exit 1
fi
for p in "${patches[@]}"; do
  patch -d "$tree" -p1 --batch --forward --quiet <"$p" || { echo "h2o-source.sh: $p does not apply" >&2; exit 1; }
done
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$tree" "$dest"
echo "$sum" >"$dest/.sks-patched"
echo "h2o-source.sh: $(basename "$(ls "$work"/src/*.dsc)") unpacked into $dest with ${#patches[@]} patch(es)"
