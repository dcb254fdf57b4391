#!/bin/sh
# Installs rectify from this unpacked release, with no network: checks every file
# against SHA256SUMS, then puts the binaries in $PREFIX/bin (default /opt/rectify),
# the docs and deploy files beside them, the systemd units in /etc/systemd/system and
# the example settings in /etc/rectify (never over files already there), and creates
# the system user rectify. docs/operations.md, "Offline install", says what next.
#
#   sudo ./install.sh                 # install
#   DESTDIR=/tmp/root ./install.sh    # stage into a folder: no user, no systemctl
set -eu
cd "$(dirname "$0")"
PREFIX=${PREFIX:-/opt/rectify}
DESTDIR=${DESTDIR:-}

sha256sum --quiet -c SHA256SUMS

install -d "$DESTDIR$PREFIX/bin" "$DESTDIR/etc/systemd/system" "$DESTDIR/etc/rectify"
install -m 0755 bin/rectify-worker bin/starter "$DESTDIR$PREFIX/bin/"
cp -R docs deploy README.md VERSION "$DESTDIR$PREFIX/"
for unit in systemd/*.service; do
  sed "s|/opt/rectify|$PREFIX|g" "$unit" > "$DESTDIR/etc/systemd/system/$(basename "$unit")"
done
for example in etc/*; do
  name=$(basename "$example" .example)
  if [ ! -e "$DESTDIR/etc/rectify/$name" ]; then
    install -m 0640 "$example" "$DESTDIR/etc/rectify/$name"
  fi
done

if [ -z "$DESTDIR" ]; then
  getent group rectify >/dev/null || groupadd --system rectify
  getent passwd rectify >/dev/null || useradd --system --gid rectify --home-dir /var/lib/rectify --shell /usr/sbin/nologin rectify
  chgrp rectify /etc/rectify/*.env /etc/rectify/*.json
  systemctl daemon-reload
fi
echo "rectify $(cat VERSION) installed in $DESTDIR$PREFIX; settings in $DESTDIR/etc/rectify"
