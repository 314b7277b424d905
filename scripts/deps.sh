#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages kmove needs; quiet when they are present.
# As a normal user with packages missing, print the apt-get command and
# exit 2.
PACKAGES="coccinelle sparse libclang-dev clang llvm linux-source-6.1 linux-source-6.12
flex bison bc libelf-dev libssl-dev ccache git python3 make gcc xz-utils"

missing=
for p in $PACKAGES
do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
test -z "$missing" && exit 0
if test "$(id -u)" != 0
then
	echo "kmove: error: missing packages:$missing; run: sudo apt-get install$missing" >&2
	exit 2
fi
echo "  DEPS   $missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null &&
apt-get install -y -qq $missing >/dev/null || {
	echo "kmove: error: apt-get install$missing failed" >&2
	exit 2
}
