# scripts/bench/median.awk - median, minimum and maximum of the numbers in
# column COL (default 1) of its input, printed as "MEDIAN MIN MAX" (the
# median of an even count is the mean of the middle two). Used by the
# benchmarks of parse, fetch and the whole night (alternating rounds: each
# figure is given as its median and its range, never a single run).
#   awk -v col=2 -f scripts/bench/median.awk FILE
{ v[n++] = $(col ? col : 1) + 0 }
END {
  if (!n) { print "0 0 0"; exit }
  for (i = 1; i < n; i++) { x = v[i]; for (j = i - 1; j >= 0 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
  m = n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2
  printf "%.6g %.6g %.6g\n", m, v[0], v[n - 1]
}
