/* metrics.c - the counter table behind metrics.h. A run has a few dozen
 * counters; the table grows as needed (no cap), with linear search. */
#include "common/metrics.h"

#include <stdlib.h>
#include <string.h>

#include "common/fmt.h"
#include "common/log.h"

typedef struct metric {
    char dim[16];
    char value[64];
    char name[48];
    long long v;
} metric;

static metric *g_m;
static int g_n, g_cap;
static long long g_dropped; /* counters lost to a failed allocation, reported by metrics_emit */

void metrics_reset(void)
{
    g_n = 0;
    g_dropped = 0;
}

void metrics_add(const char *dim, const char *value, const char *name, long long v)
{
    dim = dim ? dim : "";
    value = value ? value : "";
    for (int i = 0; i < g_n; i++)
        if (!strcmp(g_m[i].name, name) && !strcmp(g_m[i].dim, dim) && !strcmp(g_m[i].value, value)) {
            g_m[i].v += v;
            return;
        }
    if (g_n == g_cap) {
        int cap = g_cap ? g_cap * 2 : 64;
        metric *m = realloc(g_m, (size_t)cap * sizeof *m);
        if (!m) {
            g_dropped++;
            return;
        }
        g_m = m;
        g_cap = cap;
    }
    metric *m = &g_m[g_n++];
    snprintf(m->dim, sizeof m->dim, "%s", dim);
    snprintf(m->value, sizeof m->value, "%s", value);
    snprintf(m->name, sizeof m->name, "%s", name);
    m->v = v;
}

long long metrics_dropped(void)
{
    return g_dropped;
}

const char *metrics_unit(const char *name)
{
    size_t n = strlen(name);
    if (n >= 6 && !strcmp(name + n - 6, "Amount"))
        return "None"; /* reais, with the dimension currency=BRL */
    if ((n >= 5 && !strcmp(name + n - 5, "Bytes")) || !strncmp(name, "Bytes", 5))
        return "Bytes";
    if (n >= 12 && !strcmp(name + n - 12, "Milliseconds"))
        return "Milliseconds";
    return "Count";
}

static int is_amount(const char *name)
{
    return !strcmp(metrics_unit(name), "None");
}

/* A counter kept both without a dimension and per dimension value (e.g.
 * Exceptions, and Exceptions per reason) is the dimensionless one; a counter
 * kept only per value (FilesFetched per source) is their sum. */
long long metrics_get(const char *name)
{
    long long plain = 0, dims = 0;
    int have_plain = 0;
    for (int i = 0; i < g_n; i++) {
        if (strcmp(g_m[i].name, name))
            continue;
        if (!*g_m[i].dim) {
            plain += g_m[i].v;
            have_plain = 1;
        } else
            dims += g_m[i].v;
    }
    return have_plain ? plain : dims;
}

/* cents as a JSON number of reais, with integer arithmetic: 12345 -> 123.45 */
static void write_reais(FILE *out, long long cents)
{
    unsigned long long a = cents < 0 ? 0ULL - (unsigned long long)cents : (unsigned long long)cents;
    fprintf(out, "%s%llu.%02llu", cents < 0 ? "-" : "", a / 100, a % 100);
}

/* One EMF line for the dimension group (dim, value); dim "" = step only.
 * money: the amounts of the group (in reais, dimension currency=BRL);
 * otherwise its other counters (and, for the step-only group, Duration and
 * Success). Nothing is written for a group with nothing to say. */
static void emit_group(FILE *out, const char *step, const char *dim, const char *value, int money,
                       long long ms, int success, long long ts_ms)
{
    int base = !*dim && !money, any = base;
    for (int i = 0; i < g_n && !any; i++)
        any = !strcmp(g_m[i].dim, dim) && !strcmp(g_m[i].value, value) && is_amount(g_m[i].name) == money;
    if (!any)
        return;
    fprintf(out, "{\"_aws\":{\"Timestamp\":%lld,\"CloudWatchMetrics\":[{\"Namespace\":\"Comex/Settlement\","
                 "\"Dimensions\":[[\"step\"",
            ts_ms);
    if (*dim) {
        fputc(',', out);
        json_write_str(out, dim);
    }
    fprintf(out, "%s]],\"Metrics\":[", money ? ",\"currency\"" : "");
    int first = 1;
    if (base) {
        fputs("{\"Name\":\"Duration\",\"Unit\":\"Milliseconds\"},{\"Name\":\"Success\",\"Unit\":\"Count\"}", out);
        first = 0;
    }
    for (int i = 0; i < g_n; i++) {
        if (strcmp(g_m[i].dim, dim) || strcmp(g_m[i].value, value) || is_amount(g_m[i].name) != money)
            continue;
        fprintf(out, "%s{\"Name\":", first ? "" : ",");
        json_write_str(out, g_m[i].name);
        fprintf(out, ",\"Unit\":\"%s\"}", metrics_unit(g_m[i].name));
        first = 0;
    }
    fputs("]}]},\"step\":", out);
    json_write_str(out, step);
    if (*dim) {
        fputc(',', out);
        json_write_str(out, dim);
        fputc(':', out);
        json_write_str(out, value);
    }
    if (money)
        fputs(",\"currency\":\"BRL\"", out);
    if (base)
        fprintf(out, ",\"Duration\":%lld,\"Success\":%d", ms, success ? 1 : 0);
    for (int i = 0; i < g_n; i++)
        if (!strcmp(g_m[i].dim, dim) && !strcmp(g_m[i].value, value) && is_amount(g_m[i].name) == money) {
            fputc(',', out);
            json_write_str(out, g_m[i].name);
            fputc(':', out);
            if (money)
                write_reais(out, g_m[i].v);
            else
                fprintf(out, "%lld", g_m[i].v);
        }
    fputs("}\n", out);
}

void metrics_emit(FILE *out, const char *step, long long ms, int success, long long ts_ms)
{
    if (!out)
        return;
    if (g_dropped)
        log_msg(LOG_WARN, "metrics", KV(KV_S("step", step), KV_I("dropped", g_dropped)),
                "out of memory: counters were dropped from this step's metrics");
    for (int money = 0; money <= 1; money++) {
        emit_group(out, step, "", "", money, ms, success, ts_ms);
        for (int i = 0; i < g_n; i++) {
            if (!*g_m[i].dim)
                continue;
            int seen = 0;
            for (int j = 0; j < i && !seen; j++)
                seen = !strcmp(g_m[j].dim, g_m[i].dim) && !strcmp(g_m[j].value, g_m[i].value);
            if (!seen)
                emit_group(out, step, g_m[i].dim, g_m[i].value, money, ms, success, ts_ms);
        }
    }
    fflush(out);
}

void metrics_emit_run(FILE *out, int exit_code, long long ms, int dry_run, long long ts_ms)
{
    if (!out)
        return;
    fprintf(out,
            "{\"_aws\":{\"Timestamp\":%lld,\"CloudWatchMetrics\":[{\"Namespace\":\"Comex/Settlement\","
            "\"Dimensions\":[[\"step\"]],\"Metrics\":[{\"Name\":\"ExitCode\",\"Unit\":\"None\"},"
            "{\"Name\":\"Duration\",\"Unit\":\"Milliseconds\"},{\"Name\":\"Success\",\"Unit\":\"Count\"}]}]},"
            "\"step\":\"%s\",\"ExitCode\":%d,\"Duration\":%lld,\"Success\":%d}\n",
            ts_ms, dry_run ? "dry-run" : "run", exit_code, ms, exit_code == 0 ? 1 : 0);
    fflush(out);
}

void metrics_format(char *buf, size_t n, int json)
{
    /* An entry that does not fit is not cut in half: the text stops after
     * the last whole entry and says how many were left out (" +N more";
     * JSON: a "MoreCounters":N member), so the JSON stays valid for
     * job_run_steps.counts and nothing is dropped without a word. */
    static const size_t reserve = 32; /* room for the "+N more" note */
    if (!n)
        return;
    size_t used = 0, whole = 0;
    buf[0] = '\0';
    if (json)
        used = whole = (size_t)snprintf(buf, n, "{");
    int k = 0, left = 0;
    for (int i = 0; i < g_n; i++) {
        int seen = 0;
        for (int j = 0; j < i; j++)
            if (!strcmp(g_m[j].name, g_m[i].name))
                seen = 1;
        if (seen)
            continue;
        if (left) {
            left++;
            continue;
        }
        long long v = metrics_get(g_m[i].name);
        char one[160];
        if (json) {
            snprintf(one, sizeof one, "%s\"%s\":%lld", k ? "," : "", g_m[i].name, v);
        } else if (is_amount(g_m[i].name)) {
            char money[FMT_MONEY_MAX];
            snprintf(one, sizeof one, "%s%s=R$ %s", k ? " " : "", g_m[i].name, fmt_money(v, ',', '.', money));
        } else {
            snprintf(one, sizeof one, "%s%s=%lld", k ? " " : "", g_m[i].name, v);
        }
        size_t len = strlen(one);
        if (used + len + reserve >= n) {
            left = 1;
            continue;
        }
        memcpy(buf + used, one, len + 1);
        used = whole = used + len;
        k++;
    }
    if (left && json)
        snprintf(buf + whole, n - whole, "%s\"MoreCounters\":%d", k ? "," : "", left);
    else if (left)
        snprintf(buf + whole, n - whole, "%s+%d more", k ? " " : "", left);
    used = strlen(buf);
    if (json && used + 1 < n)
        snprintf(buf + used, n - used, "}");
}
