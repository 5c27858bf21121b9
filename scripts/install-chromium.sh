#!/usr/bin/env bash
# Install Debian's chromium for the report's headless-browser tests
# (tests/regression/test_issue4_report_browser.py and
# test_issue15_report_layout_browser.py). Idempotent: does nothing
# when /usr/bin/chromium is already there. Needs root (CI runs as root).
# fonts-liberation is only a Recommends of chromium: without it (or another
# font) the page text would render without glyphs. fonts-dejavu-core is the
# font the report's figures are laid out in (matplotlib's DejaVu Sans): with it
# the browser measures the figures' text as matplotlib placed it.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-chromium.sh: /usr/bin/chromium is missing and installing it needs root" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium fonts-liberation fonts-dejavu-core
/usr/bin/chromium --version
