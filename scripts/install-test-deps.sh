#!/usr/bin/env bash
# Install the system packages the test suite needs on a fresh Debian machine (run as root).
#   libreoffice-calc-nogui + python3-uno: headless recalculation/rendering (xlperf.libreoffice)
#   libreoffice-writer-nogui: .docx reports (xlperf.report) converted to PDF
#   gnumeric: ssconvert --recalc, a second spreadsheet engine (tests/gnumeric_oracle.py)
#   poppler-utils: pdftoppm/pdftotext for PDF -> PNG pages
#   fonts-noto-cjk: Chinese glyphs in rendered PDFs
#   python3-venv: `python3 -m venv` (the README's commands install into a virtual environment)
# Idempotent: when every package is already installed, apt is not touched at all.
# Installs no Python packages (the test command does the pip part).
set -euo pipefail

packages=(libreoffice-calc-nogui libreoffice-writer-nogui python3-uno gnumeric poppler-utils fonts-noto-cjk
          python3-venv)

missing=()
for pkg in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-test-deps: all present (${packages[*]})"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-test-deps: missing ${missing[*]}; run this script as root" >&2
    exit 1
fi

echo "install-test-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}"

command -v soffice >/dev/null || { echo "install-test-deps: soffice still missing" >&2; exit 1; }
command -v ssconvert >/dev/null || { echo "install-test-deps: ssconvert (gnumeric) still missing" >&2; exit 1; }
command -v pdftoppm >/dev/null || { echo "install-test-deps: pdftoppm still missing" >&2; exit 1; }
/usr/bin/python3 -c "import uno" || { echo "install-test-deps: python3-uno not importable" >&2; exit 1; }
echo "install-test-deps: done"
