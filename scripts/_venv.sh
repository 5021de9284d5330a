# Create the project's virtualenv in .venv if needed and install MIRA into it with the given extras.
# Sourced by the other scripts; a stamp file skips the install when pyproject.toml has not changed.
ensure_venv() {
  local extras="$1"
  local python="${PYTHON:-python3}"
  if [ ! -x .venv/bin/python ]; then
    echo "Creating the virtualenv in .venv"
    "$python" -m venv .venv
  fi
  local stamp=".venv/.mira-installed${extras:+-$extras}"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "Installing MIRA${extras:+ with its $extras tools} into .venv"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"
    touch "$stamp"
  fi
}
