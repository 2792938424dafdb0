#!/usr/bin/env bash
# Prints the path of a Python 3.13 (preferred) or 3.12: PATH first, then pyenv's versions.
set -u
root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for v in 3.13 3.12; do
  for candidate in "$(command -v "python$v" 2>/dev/null)" $(ls -d "$root"/versions/"$v"*/bin/python"$v" 2>/dev/null | sort -V -r); do
    if [ -n "$candidate" ] && "$candidate" -c 'import sys, venv' 2>/dev/null; then
      echo "$candidate"
      exit 0
    fi
  done
done
exit 1
