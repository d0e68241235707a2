#!/bin/sh
# distill — install what the build needs on Debian (when missing), then
# configure and build. Usage: ./bootstrap.sh [configure options]
set -e
cd "$(dirname "$0")"
pkgs="build-essential autoconf automake pkg-config libigraph-dev
libncurses-dev libreadline-dev libcriterion-dev zlib1g-dev liblapacke-dev
libopenblas-serial-dev liblinear-dev libxgboost-dev libjansson-dev tmux valgrind
python3-dask python3-distributed python3-pandas python3-numpy python3-scipy"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "bootstrap: installing$missing" >&2
	sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing
fi
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure "$@"
make -j"$(nproc)"
