/* metrics.c - the counter table behind metrics.h. A run has a few dozen
 * counters, so a small fixed array with linear search is all it needs. */
#include "common/metrics.h"

#include <string.h>

#include "common/log.h"

#define MAX_METRICS 128

typedef struct metric {
    char dim[16];
    char value[64];
    char name[48];
    long long v;
} metric;

static metric g_m[MAX_METRICS];
static int g_n;

void metrics_reset(void)
{
    g_n = 0;
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
    if (g_n == MAX_METRICS)
        return; /* a bug, not an input problem: the table is sized for every counter settle has */
    metric *m = &g_m[g_n++];
    snprintf(m->dim, sizeof m->dim, "%s", dim);
    snprintf(m->value, sizeof m->value, "%s", value);
    snprintf(m->name, sizeof m->name, "%s", name);
    m->v = v;
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

/* One EMF line for the dimension group (dim, value); dim "" = step only. */
static void emit_group(FILE *out, const char *step, const char *dim, const char *value, double seconds,
                       int success, long long ts_ms)
{
    int base = !*dim;
    fprintf(out, "{\"_aws\":{\"Timestamp\":%lld,\"CloudWatchMetrics\":[{\"Namespace\":\"Comex/Settlement\","
                 "\"Dimensions\":[[\"step\"%s%s%s]],\"Metrics\":[",
            ts_ms, base ? "" : ",\"", base ? "" : dim, base ? "" : "\"");
    int first = 1;
    if (base) {
        fputs("{\"Name\":\"DurationSeconds\",\"Unit\":\"Seconds\"},{\"Name\":\"Success\",\"Unit\":\"Count\"}", out);
        first = 0;
    }
    for (int i = 0; i < g_n; i++) {
        if (strcmp(g_m[i].dim, dim) || strcmp(g_m[i].value, value))
            continue;
        int dup = 0;
        for (int j = 0; j < i; j++)
            if (!strcmp(g_m[j].dim, dim) && !strcmp(g_m[j].value, value) && !strcmp(g_m[j].name, g_m[i].name))
                dup = 1;
        if (dup)
            continue;
        fprintf(out, "%s{\"Name\":", first ? "" : ",");
        json_write_str(out, g_m[i].name);
        fputs(",\"Unit\":\"Count\"}", out);
        first = 0;
    }
    fputs("]}]},\"step\":", out);
    json_write_str(out, step);
    if (!base) {
        fputc(',', out);
        json_write_str(out, dim);
        fputc(':', out);
        json_write_str(out, value);
    } else {
        fprintf(out, ",\"DurationSeconds\":%.3f,\"Success\":%d", seconds, success ? 1 : 0);
    }
    for (int i = 0; i < g_n; i++)
        if (!strcmp(g_m[i].dim, dim) && !strcmp(g_m[i].value, value)) {
            fputc(',', out);
            json_write_str(out, g_m[i].name);
            fprintf(out, ":%lld", g_m[i].v);
        }
    fputs("}\n", out);
}

void metrics_emit(FILE *out, const char *step, double seconds, int success, long long ts_ms)
{
    if (!out)
        return;
    emit_group(out, step, "", "", seconds, success, ts_ms);
    for (int i = 0; i < g_n; i++) {
        if (!*g_m[i].dim)
            continue;
        int seen = 0;
        for (int j = 0; j < i; j++)
            if (!strcmp(g_m[j].dim, g_m[i].dim) && !strcmp(g_m[j].value, g_m[i].value))
                seen = 1;
        if (!seen)
            emit_group(out, step, g_m[i].dim, g_m[i].value, seconds, success, ts_ms);
    }
    fflush(out);
}

void metrics_format(char *buf, size_t n, int json)
{
    size_t used = 0;
    buf[0] = '\0';
    if (json)
        used += (size_t)snprintf(buf, n, "{");
    int k = 0;
    for (int i = 0; i < g_n && used < n; i++) {
        int seen = 0;
        for (int j = 0; j < i; j++)
            if (!strcmp(g_m[j].name, g_m[i].name))
                seen = 1;
        if (seen)
            continue;
        if (json)
            used += (size_t)snprintf(buf + used, n - used, "%s\"%s\":%lld", k ? "," : "", g_m[i].name,
                                     metrics_get(g_m[i].name));
        else
            used += (size_t)snprintf(buf + used, n - used, "%s%s=%lld", k ? " " : "", g_m[i].name,
                                     metrics_get(g_m[i].name));
        k++;
    }
    if (json && used < n)
        snprintf(buf + used, n - used, "}");
}
