# Sourced by setup.sh when it builds the tests.
#
# ensure_peer_python DIR: a Python virtual environment in DIR holding the PyPI
# packages that tests read fitbench's files with (tensorboard's own event-file
# reader). Prints its python; prints nothing, with a warning on stderr, when
# PyPI cannot be reached (the tests that need it are then not defined).
ensure_peer_python() {
  local dir="$1"
  local requirements=(tensorboard==2.21.0 onnxruntime==1.23.2)
  if [[ ! -x "$dir/bin/python" ]] && ! python3 -m venv "$dir" >&2; then
    echo "    warning: cannot create a Python virtual environment in $dir (python3-venv); the TensorBoard and onnxruntime tests are left out" >&2
    return 0
  fi
  if ! "$dir/bin/python" -c "import tensorboard, onnxruntime" 2>/dev/null; then
    printf '\n==> pip install %s (into %s, for the tests)\n' "${requirements[*]}" "$dir" >&2
    if ! "$dir/bin/pip" install --quiet --disable-pip-version-check "${requirements[@]}" >&2; then
      echo "    warning: PyPI is not reachable; the TensorBoard and onnxruntime tests are left out" >&2
      return 0
    fi
  fi
  echo "$dir/bin/python"
}
