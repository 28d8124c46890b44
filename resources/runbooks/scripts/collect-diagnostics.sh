#!/bin/sh
# Read-only diagnostics for an incident: changes nothing on the host.
echo "== uptime"; uptime
echo "== memory"; free -m 2>/dev/null || head -5 /proc/meminfo
echo "== disks"; df -h 2>/dev/null | head -30
echo "== top processes by CPU"; ps -eo pid,ppid,comm,%cpu,%mem,rss --sort=-%cpu 2>/dev/null | head -15
echo "== kernel messages"; dmesg 2>/dev/null | tail -20 || echo "(dmesg not readable)"
exit 0
