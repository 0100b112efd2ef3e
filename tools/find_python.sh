#!/bin/sh
# Print the path of a Python 3.12 interpreter, found the usual ways, or nothing (exit 1):
# python3.12 on PATH, pyenv's versions, uv's managed Pythons, then python3 if it is 3.12.
is_312() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; }

for candidate in "$(command -v python3.12 2>/dev/null)" \
    $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python 2>/dev/null | sort -r) \
    "$(command -v uv >/dev/null 2>&1 && uv python find 3.12 2>/dev/null)" \
    "$(command -v python3 2>/dev/null)"; do
    if [ -n "$candidate" ] && is_312 "$candidate"; then
        echo "$candidate"
        exit 0
    fi
done
exit 1
