#!/usr/bin/env bash
# Installs Debian's Chromium for the explorer's browser test (playwright-core drives it; it never
# downloads a browser of its own). Never fails: without Chromium the browser test skips and says why.
set -u
if [ -n "${GMEM_SKIP_BROWSER_SETUP:-}" ]; then echo "setup-test-browser: skipped (GMEM_SKIP_BROWSER_SETUP)"; exit 0; fi
if [ -x /usr/bin/chromium ]; then echo "setup-test-browser: /usr/bin/chromium present"; exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "setup-test-browser: not root or no apt-get; the browser test will skip"; exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends chromium >/tmp/setup-test-browser.log 2>&1; then
  apt-get update >>/tmp/setup-test-browser.log 2>&1 &&
    apt-get install -y --no-install-recommends chromium >>/tmp/setup-test-browser.log 2>&1 ||
    { echo "setup-test-browser: apt-get install chromium failed (see /tmp/setup-test-browser.log); the browser test will skip"; exit 0; }
fi
echo "setup-test-browser: installed $(/usr/bin/chromium --version 2>/dev/null)"
