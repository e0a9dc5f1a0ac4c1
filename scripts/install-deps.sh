#!/usr/bin/env bash
# Installs the Debian 12 packages tcpkit needs to build, test and benchmark, and only those
# that are missing, so a second run is quick and works offline.
#
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --bench  also the yardsticks used by bench/ (iperf3, socat, hyperfine)
set -euo pipefail

packages=(
  cmake g++ make pkg-config
  libasio-dev          # standalone Asio 1.22: sockets, coroutines, timers
  libcli11-dev         # command-line parsing
  libfmt-dev           # formatting (g++ 12 has no std::format)
  googletest libgtest-dev libgmock-dev
  python3              # the seeds' programs, run as real peers in interop tests
  netcat-openbsd       # nc -N as a real line client in tests
  iproute2             # ss, to look at socket queues and TCP state
  clang libclang-rt-14-dev  # libFuzzer for the fuzz targets (scripts/fuzz.sh)
  dpkg-dev file        # cpack -G DEB: dpkg-shlibdeps computes the .deb's Depends, and needs file(1)
  nlohmann-json3-dev   # JSON output (--json, check reports) by a well-kept library
  libpcap-dev          # --packets / --pcap: capture the connection's segments
  tcpdump              # tests read the --pcap files back with tcpdump -r
  strace               # scripts/transcripts.py: the true order of a program's stdout and stderr lines
)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(iperf3 socat hyperfine libbenchmark-dev gnuplot-nox)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
