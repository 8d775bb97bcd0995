# Summary of bench/product-vs-peers.sh's key=value lines: per generator,
# protocol and rate, min/median/max over the interleaved runs; the ceiling
# (highest rate held in most runs there); the product's ratios to vegeta.
function kv(s,   a, i, n, p) { delete f; n = split(s, a, " "); for (i = 1; i <= n; i++) { split(a[i], p, "="); f[p[1]] = p[2] } }
function sorted(list, a,   n, i, j, t) {
	n = split(list, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n
}
function med(list,   a, n) { n = sorted(list, a); if (n == 0) return -1; return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
function mmm(list, fmt,   a, n) {
	n = sorted(list, a)
	if (n == 0) return "-"
	if (n == 1) return sprintf(fmt, a[1])
	return sprintf(fmt "–" fmt " (" fmt ")", a[1], a[n], med(list))
}
/^#/ { print; next }
{
	kv($0)
	if (!("gen" in f)) next
	n = f["requests"]; span = (f["last_ns"] - f["first_ns"]) / 1e9
	rate = (n > 1 && span > 0) ? (n - 1) / span : 0
	cpu = (n > 0) ? f["cpu_s"] / n * 100000 : 0
	first = (f["first_any_ns"] > 0) ? (f["first_any_ns"] - f["t0_ns"]) / 1e6 : -1
	held = (rate >= f["target_rate"] * 0.99 && rate <= f["target_rate"] * 1.01 && f["p99_ms"] >= 0 && f["p99_ms"] < 10 && f["failed"] < 0.01)
	if (f["label"] == "memory") {
		printf "memory: %s at %d req/s for %s: %d requests, achieved %.1f req/s, peak RSS %.1f MB, CPU-s/100k %.2f, first request %.1f ms, p99 %.2f ms\n", \
			f["gen"], f["target_rate"], f["duration"], n, rate, f["maxrss_kb"] / 1024, cpu, first, f["p99_ms"]
		next
	}
	k = f["gen"] SUBSEP f["proto"] SUBSEP f["target_rate"]
	if (!(k in runs)) order[++nk] = k
	runs[k]++; kept[k] += held
	R[k] = R[k] " " rate; C[k] = C[k] " " cpu; M[k] = M[k] " " f["maxrss_kb"] / 1024
	P[k] = P[k] " " f["p99_ms"]; F[k] = F[k] " " first; L[k] = L[k] " " f["load1"]
	if ("sendlag_p99_ms" in f) S[k] = S[k] " " f["sendlag_p99_ms"]
	g = f["gen"] SUBSEP f["proto"]
	if (!(g in gens)) gorder[++ng] = g
	gens[g] = 1
	rates[g] = rates[g] " " f["target_rate"]
}
END {
	printf "\n| generator | proto | req/s | runs | held | achieved req/s | CPU-s per 100k req | peak RSS MB | p99 ms | send lag p99 ms | first request ms | load1 |\n"
	printf "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
	for (i = 1; i <= nk; i++) {
		k = order[i]; split(k, p, SUBSEP)
		printf "| %s | %s | %d | %d | %d | %s | %s | %s | %s | %s | %s | %s |\n", p[1], p[2], p[3], runs[k], kept[k], \
			mmm(R[k], "%.0f"), mmm(C[k], "%.2f"), mmm(M[k], "%.1f"), mmm(P[k], "%.2f"), mmm(S[k], "%.2f"), mmm(F[k], "%.1f"), mmm(L[k], "%.1f")
		medc[k] = med(C[k])
	}
	print "\n(min–max (median) over the runs at each rate; ceiling rates run once each)"
	for (i = 1; i <= ng; i++) {
		g = gorder[i]; split(g, p, SUBSEP); best = 0
		n = split(rates[g], rl, " ")
		for (j = 1; j <= n; j++) { k = g SUBSEP rl[j]; if (kept[k] * 2 > runs[k] && rl[j] + 0 > best) best = rl[j] + 0 }
		ceil[g] = best
		printf "ceiling %-8s %-5s: %s req/s\n", p[1], p[2], best ? best : "none held"
	}
	for (i = 1; i <= nk; i++) {
		k = order[i]; split(k, p, SUBSEP)
		if (p[1] == "product" && (("base" SUBSEP p[2] SUBSEP p[3]) in medc)) {
			v = medc["base" SUBSEP p[2] SUBSEP p[3]]
			printf "product / base CPU per request, %s at %d req/s: %.2fx (medians %.2f / %.2f)\n", p[2], p[3], medc[k] / v, medc[k], v
		}
		if ((p[1] != "product" && p[1] != "base") || !(("vegeta" SUBSEP p[2] SUBSEP p[3]) in medc)) continue
		v = medc["vegeta" SUBSEP p[2] SUBSEP p[3]]
		printf "%s / vegeta CPU per request, %s at %d req/s: %.2fx (medians %.2f / %.2f)\n", p[1], p[2], p[3], medc[k] / v, medc[k], v
	}
	for (i = 1; i <= ng; i++) {
		g = gorder[i]; split(g, p, SUBSEP)
		if (p[1] == "product" && ceil["vegeta" SUBSEP p[2]] > 0)
			printf "product / vegeta ceiling, %s: %.2fx\n", p[2], ceil[g] / ceil["vegeta" SUBSEP p[2]]
	}
}
