#!/usr/bin/env bash
# The Debian package: build it with CPack from the finished build, check what it declares and
# contains, install it, run the installed tcpkit (--version, one sixteen-octet exchange on
# 127.0.0.1, a deadlock whose explanation names the package's DEADLOCK.md), and remove it again.
#
# As root the package is installed for real with dpkg -i, which also proves its Depends can be
# met, and purged at the end (the dpkg steps hold a lock file, so two runs on one machine take
# turns). Otherwise it is unpacked into a throwaway root with dpkg -x and every package it
# depends on is checked to be installed (TCPKIT_DEB_UNPACK_ONLY=1 asks for this as root too).
# Exit 77 (skip) when dpkg-deb or cpack is missing.
#
#   deb_test.sh BUILD_DIR
set -euo pipefail
build=$1
source "$(dirname "$0")/lib.sh"
command -v dpkg-deb >/dev/null && command -v cpack >/dev/null || { echo "SKIP: needs dpkg-deb and cpack"; exit 77; }

(cd "$build" && cpack -G DEB -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1) || { cat "$tmp/cpack.log"; fail "cpack failed"; }
debs=("$tmp"/pkg/tcpkit_*.deb)
[[ -f "${debs[0]}" ]] || fail "cpack made no tcpkit_*.deb: $(ls "$tmp/pkg")"
deb=${debs[0]}
echo "--- $(basename "$deb")"

dpkg-deb --info "$deb" >"$tmp/info"
cat "$tmp/info"
field() { sed -n "s/^ $1: //p" "$tmp/info"; }
[[ "$(field Package)" == tcpkit ]] || fail "Package is not tcpkit"
version=$(field Version)
[[ -n "$version" ]] || fail "no Version"
depends=$(field Depends)
depends_names=$(tr ',' '\n' <<<"$depends" | sed 's/(.*)//; s/ //g')  # "libc6 (>= 2.34), ..." -> libc6 ...
for lib in libc6 libfmt9 libstdc++6; do
  grep -qxF "$lib" <<<"$depends_names" || fail "Depends lacks $lib: $depends"
done

dpkg-deb --contents "$deb" | awk '{print $NF}' >"$tmp/contents"
for path in ./usr/bin/tcpkit ./usr/share/man/man1/tcpkit.1.gz ./usr/share/bash-completion/completions/tcpkit \
            ./usr/include/tcpkit/core/io.hpp ./usr/include/tcpkit/core/line_reader.hpp ./usr/lib/libtcpkit.a \
            ./usr/lib/cmake/tcpkit/tcpkitConfig.cmake ./usr/lib/cmake/tcpkit/tcpkitConfigVersion.cmake \
            ./usr/lib/cmake/tcpkit/tcpkitTargets.cmake ./usr/share/doc/tcpkit/README.md \
            ./usr/share/doc/tcpkit/TUTORIAL.md ./usr/share/doc/tcpkit/CLI.md ./usr/share/doc/tcpkit/DEADLOCK.md; do
  grep -qxF "$path" "$tmp/contents" || fail "the package lacks $path"
done
echo "contents: binary, man page, completion, docs, headers, library and CMake package present"

installed=false
if [[ $(id -u) -eq 0 && -z "${TCPKIT_DEB_UNPACK_ONLY:-}" ]] && ! dpkg-query -W -f='${Status}' tcpkit 2>/dev/null | grep -q "install ok installed"; then
  exec 9>/tmp/tcpkit-deb-test.lock
  flock -w 120 9 || fail "another deb_test.sh holds /tmp/tcpkit-deb-test.lock"
  remove() { dpkg --purge tcpkit >/dev/null 2>&1 || true; }
  trap 'remove; cleanup' EXIT
  dpkg -i "$deb" || fail "dpkg -i failed"
  installed=true
  bin=/usr/bin/tcpkit
  root=""
  dpkg -L tcpkit | grep -qxF /usr/share/man/man1/tcpkit.1.gz || fail "dpkg -L does not list the man page"
else
  echo "not root (or tcpkit already installed): unpacking into a throwaway root instead of dpkg -i"
  dpkg -x "$deb" "$tmp/root"
  bin=$tmp/root/usr/bin/tcpkit
  root=$tmp/root
  for dep in $depends_names; do
    dpkg-query -W -f='${Status}' "$dep" 2>/dev/null | grep -q "install ok installed" || fail "dependency $dep not installed"
  done
fi

zcat "$root/usr/share/man/man1/tcpkit.1.gz" | grep -q '^\.TH TCPKIT 1' || fail "the man page is not a gzipped tcpkit(1)"
[[ "$("$bin" --version)" == "tcpkit $version" ]] || fail "tcpkit --version says '$("$bin" --version)', the package is $version"
echo "installed: $("$bin" --version)"
"$bin" sixteen server 127.0.0.1 -p 0 --once >"$tmp/server.out" 2>&1 &
server=$!; pids+=("$server")
port=$(wait_for_port "$tmp/server.out")
timeout 20 "$bin" sixteen client 127.0.0.1 -p "$port" >"$tmp/client.out" || fail "installed client exited $?"
cat "$tmp/client.out"
expect_line "$tmp/client.out" 'The server said "Farewell, client"'
wait "$server" || fail "installed server exited $?"
expect_docs "$root/usr/share/doc/tcpkit"
expect_deadlock_doc "$bin" "$root/usr/share/doc/tcpkit/DEADLOCK.md"

if $installed; then
  dpkg --purge tcpkit >/dev/null || fail "dpkg --purge failed"
  [[ ! -e /usr/bin/tcpkit ]] || fail "/usr/bin/tcpkit still there after dpkg --purge"
  echo "removed: dpkg --purge tcpkit left no /usr/bin/tcpkit"
fi
