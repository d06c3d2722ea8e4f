# Puts fitbench-bench's and torch_baseline.py's throughput side by side:
#   awk -f bench/ratios.awk fitbench.txt torch.txt
# Lines: "{name:34s} bs={bs:4d} amp=0 cl=0  {ips:10.0f} img/s  {ms:8.2f} ms/iter".
# The first amp=0 cl=0 (float32) line of each name counts.
function ips(line,   n, f, i) {
  n = split(line, f, " ")
  for (i = 2; i <= n; i++) if (f[i] == "img/s") return f[i - 1]
  return ""
}
/img\/s/ && / amp=0 cl=0 / {
  file = (FILENAME == ARGV[1]) ? 1 : 2
  name = $1; v = ips($0)
  if (v == "") next
  if (file == 1 && !(name in ours)) { ours[name] = v; if (!(name in seen)) { seen[name] = 1; order[++count] = name } }
  if (file == 2 && !(name in peer)) { peer[name] = v; if (!(name in seen)) { seen[name] = 1; order[++count] = name } }
}
END {
  printf "%-22s %14s %14s %8s\n", "network", "fitbench img/s", "PyTorch img/s", "ratio"
  for (i = 1; i <= count; i++) {
    name = order[i]
    a = (name in ours) ? ours[name] : "-"
    b = (name in peer) ? peer[name] : "-"
    r = ((name in ours) && (name in peer) && peer[name] > 0) ? sprintf("%.2fx", ours[name] / peer[name]) : "-"
    printf "%-22s %14s %14s %8s\n", name, a, b, r
  }
}
