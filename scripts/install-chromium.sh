#!/usr/bin/env bash
# Install Debian's chromium for the report's headless-browser test
# (tests/regression/test_issue4_report_browser.py). Idempotent: does nothing
# when /usr/bin/chromium is already there. Needs root (CI runs as root).
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
apt-get install -y --no-install-recommends chromium
/usr/bin/chromium --version
