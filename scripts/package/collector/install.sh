#!/bin/sh
# Installs the CEREBRO collector from this offline bundle: no network, no Node. Run as root from the
# unpacked folder:  sudo ./install.sh
#   --prefix DIR   where bin/ and lib/ go (default /usr/local)
#   --destdir DIR  lay the files out under DIR instead of / (packaging, tests): no user, no systemctl
#   --dry-run      print what would be done, change nothing
#   --uninstall    remove what an install put there (the state directory too with --purge)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
prefix=/usr/local
destdir=
dry=
uninstall=
purge=
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#*=}; shift ;;
    --destdir) destdir=$2; shift 2 ;;
    --destdir=*) destdir=${1#*=}; shift ;;
    --dry-run) dry=1; shift ;;
    --uninstall) uninstall=1; shift ;;
    --purge) purge=1; shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$prefix" in /*) ;; *) echo "install.sh: --prefix must be absolute, got '$prefix'" >&2; exit 2 ;; esac

bindir=$prefix/bin
libdir=$prefix/lib/cerebro-collector
unitdir=/etc/systemd/system
confdir=/etc/cerebro
statedir=/var/lib/cerebro-collector

run() {
  if [ -n "$dry" ]; then echo "would run: $*"; else "$@"; fi
}

# Only on the real system: a --destdir install makes no user and talks to no init system.
live() {
  [ -z "$destdir" ] && [ -z "$dry" ]
}

systemd_running() {
  [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1
}

if [ -z "$destdir" ] && [ -z "$dry" ] && [ "$(id -u)" != 0 ]; then
  echo "install.sh: run as root (sudo ./install.sh), or pass --destdir DIR or --dry-run" >&2
  exit 1
fi

if [ -n "$uninstall" ]; then
  if live && systemd_running; then
    systemctl disable --now cerebro-collector.path cerebro-collector.service >/dev/null 2>&1 || true
  fi
  run rm -f "$destdir$bindir/cerebro-collector" "$destdir$unitdir/cerebro-collector.service" "$destdir$unitdir/cerebro-collector.path"
  run rm -rf "$destdir$libdir"
  if [ -n "$purge" ]; then
    run rm -rf "$destdir$statedir" "$destdir$confdir/collector.json"
    if live && getent passwd cerebro-collector >/dev/null; then userdel cerebro-collector || true; fi
    if live && getent group cerebro-collector >/dev/null; then groupdel cerebro-collector || true; fi
  fi
  if live && systemd_running; then systemctl daemon-reload || true; fi
  echo "cerebro-collector removed${purge:+ (state and configuration too)}"
  exit 0
fi

run install -d -m 0755 "$destdir$bindir" "$destdir$libdir" "$destdir$unitdir" "$destdir$confdir"
run install -m 0755 "$here/bin/cerebro-collector" "$destdir$bindir/cerebro-collector"
# The native pty module terminals load (a single executable cannot embed it); the collector runs without it.
if [ -d "$here/lib/cerebro-collector/node_modules" ]; then
  run rm -rf "$destdir$libdir/node_modules"
  run cp -R "$here/lib/cerebro-collector/node_modules" "$destdir$libdir/node_modules"
fi
# The units name /usr/bin/cerebro-collector (the .deb's path): point them at this prefix.
if [ -n "$dry" ]; then
  echo "would write: $destdir$unitdir/cerebro-collector.service (ExecStart=$bindir/cerebro-collector)"
else
  sed "s#/usr/bin/cerebro-collector#$bindir/cerebro-collector#g" "$here/systemd/cerebro-collector.service" >"$destdir$unitdir/cerebro-collector.service"
  chmod 0644 "$destdir$unitdir/cerebro-collector.service"
fi
run install -m 0644 "$here/systemd/cerebro-collector.path" "$destdir$unitdir/cerebro-collector.path"
# The configuration is the administrator's once written: never overwritten.
if [ -e "$destdir$confdir/collector.json" ]; then
  echo "kept $destdir$confdir/collector.json"
else
  run install -m 0644 "$here/etc/collector.json" "$destdir$confdir/collector.json"
fi

if live; then
  if ! getent group cerebro-collector >/dev/null; then groupadd --system cerebro-collector; fi
  if ! getent passwd cerebro-collector >/dev/null; then
    useradd --system --gid cerebro-collector --home-dir "$statedir" --no-create-home --shell /usr/sbin/nologin \
      --comment 'CEREBRO collector' cerebro-collector
  fi
  install -d -m 0700 -o cerebro-collector -g cerebro-collector "$statedir"
  if systemd_running; then
    systemctl daemon-reload
    systemctl enable --now cerebro-collector.path
    systemctl try-restart cerebro-collector.service || true
  else
    echo "install.sh: systemd is not running here: start '$bindir/cerebro-collector run --config $confdir/collector.json' under your supervisor, as the cerebro-collector user" >&2
  fi
elif [ -z "$destdir" ]; then
  run groupadd --system cerebro-collector
  run useradd --system --gid cerebro-collector --home-dir "$statedir" --no-create-home --shell /usr/sbin/nologin cerebro-collector
  run install -d -m 0700 -o cerebro-collector -g cerebro-collector "$statedir"
  run systemctl enable --now cerebro-collector.path
else
  run install -d -m 0700 "$destdir$statedir"
  echo "--destdir: the cerebro-collector user and the units' enabling are left to the system that gets these files"
fi

echo "cerebro-collector installed in $destdir$bindir. Next: cerebro-collector enroll wss://CONSOLE:7070/ingest TOKEN (the line \`cerebro-console enroll-token create\` prints); it starts once enrolled."
