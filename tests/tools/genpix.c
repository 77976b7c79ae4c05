/* genpix.c - a deterministic Pix statement generator for demos and benchmarks.
 *
 *   genpix [-n ROWS] [-s SEED] [-d YYYY-MM-DD] [-r EVERY] [--psp]
 *
 * Writes ROWS (1000) received Pix of day -d (2026-11-28, Brazil time) to
 * stdout in the canonical layout (docs/formats/pix-csv.md), every EVERY-th
 * (0 = none, default 50) followed by a refund of part of it. --psp writes
 * the PSP export of tests/fixtures/pix/psp-latin1.csv instead (Latin-1,
 * ';', decimal comma, dd/mm/yyyy hh:mm:ss), to be read with the
 * [profile psp] of tests/fixtures/pix/psp.conf. The same arguments always
 * give the same bytes. Messages carry "PED-<n>" order references with n
 * from 1 to ROWS. Build: make build/tests/tools/genpix */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng_state;

static uint64_t rng(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static void alnum(char *out, int n)
{
    static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (int i = 0; i < n; i++)
        out[i] = set[rng() % (sizeof set - 1)];
    out[n] = '\0';
}

/* kind 'E' or 'D' id: letter + ISPB + yyyyMMddHHmm (UTC) + 11 alphanumerics */
static void pix_id(char *out, char kind, time_t when)
{
    static const char *const ispb[] = { "00000000", "60701190", "60746948", "18236120", "00360305", "90400888" };
    struct tm tm;
    char tail[12];
    gmtime_r(&when, &tm);
    alnum(tail, 11);
    snprintf(out, 40, "%c%s%04d%02d%02d%02d%02d%s", kind, ispb[rng() % 6], tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tail);
}

/* A CPF with valid check digits, formatted 123.456.789-09. */
static void cpf(char *out)
{
    int d[11];
    for (int i = 0; i < 9; i++)
        d[i] = (int)(rng() % 10);
    for (int k = 9; k < 11; k++) {
        int s = 0;
        for (int i = 0; i < k; i++)
            s += d[i] * (k + 1 - i);
        d[k] = (s * 10) % 11 % 10;
    }
    sprintf(out, "%d%d%d.%d%d%d.%d%d%d-%d%d", d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10]);
}

/* Cents as 1234.56 (or 1.234,56 with comma). */
static void money(char *out, int64_t c, int comma)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%lld", (long long)(c / 100)), o = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            out[o++] = comma ? '.' : ',';
        out[o++] = digits[i];
    }
    sprintf(out + o, "%c%02d", comma ? ',' : '.', (int)(c % 100));
}

int main(int argc, char **argv)
{
    long rows = 1000, every = 50;
    uint64_t seed = 1;
    int psp = 0, y = 2026, m = 11, d = 28;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc)
            rows = atol(argv[++i]);
        else if (!strcmp(argv[i], "-s") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "-r") && i + 1 < argc)
            every = atol(argv[++i]);
        else if (!strcmp(argv[i], "-d") && i + 1 < argc && sscanf(argv[i + 1], "%d-%d-%d", &y, &m, &d) == 3)
            i++;
        else if (!strcmp(argv[i], "--psp"))
            psp = 1;
        else {
            fprintf(stderr, "usage: genpix [-n ROWS] [-s SEED] [-d YYYY-MM-DD] [-r EVERY] [--psp]\n");
            return 64;
        }
    }
    if (rows < 0 || every < 0) {
        fprintf(stderr, "genpix: -n and -r take a number >= 0\n");
        return 64;
    }
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 0x1234567;
    static char out[1 << 16];
    setvbuf(stdout, out, _IOFBF, sizeof out);

    /* midnight of the day in Brazil (UTC-3) */
    struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d };
    time_t day = timegm(&tm) + 3 * 3600;

    /* names in UTF-8; --psp writes them in Latin-1 */
    static const char *const first[] = { "Jo\xC3\xA3o", "Maria", "Jos\xC3\xA9", "Ana", "Conceição", "Luiz", "Bea" };
    static const char *const last[] = { "Silva", "Souza", "Ávila", "Gonçalves", "Lima", "Araújo", "Costa" };
    if (psp)
        printf("Data/Hora;Tipo;EndToEndId;Identificador;Nome Pagador;CPF/CNPJ Pagador;Valor (R$);Informa\xE7\xF5"
               "es;Id Devolu\xE7\xE3o;Situa\xE7\xE3o;Saldo\r\n");
    else
        printf("end_to_end_id,txid,amount,settled_at,payer_doc,payer_name,message,kind,refund_id,refund_status\n");

    int64_t balance = 0;
    for (long i = 0; i < rows; i++) {
        time_t when = day + (time_t)(rows ? (86399 * i) / rows : 0);
        char e2e[40], txid[40] = "", doc[20], name[80], amt[32], bal[32], stamp[40];
        pix_id(e2e, 'E', when);
        if (rng() % 2)
            alnum(txid, 26 + (int)(rng() % 10));
        cpf(doc);
        snprintf(name, sizeof name, "%s %s", first[rng() % 7], last[rng() % 7]);
        int64_t cents = 100 + (int64_t)(rng() % 500000);
        balance += cents;
        struct tm lt;
        time_t local = when - 3 * 3600;
        gmtime_r(&local, &lt);
        if (psp) {
            char latin[80];
            size_t o = 0;
            for (const unsigned char *p = (const unsigned char *)name; *p && o < sizeof latin - 1; p++)
                if (*p == 0xC3 && p[1]) /* the names only use U+00C0..U+00FF */
                    latin[o++] = (char)(0xC0 | (*++p & 0x3F));
                else
                    latin[o++] = (char)*p;
            latin[o] = '\0';
            money(amt, cents, 1);
            money(bal, balance, 1);
            strftime(stamp, sizeof stamp, "%d/%m/%Y %H:%M:%S", &lt);
            printf("%s;%s;%s;%s;%s;%s;%s;PED-%ld;;;%s\r\n", stamp, rng() % 2 ? "Recebimento" : "Pix recebido", e2e,
                   txid, latin, doc, amt, i + 1, bal);
        } else {
            money(amt, cents, 0);
            strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S-03:00", &lt);
            printf("%s,%s,\"%s\",%s,%s,\"%s\",\"Pedido PED-%ld, obrigado\",pix,,\n", e2e, txid, amt, stamp, doc, name,
                   i + 1);
        }
        if (every && (i + 1) % every == 0) {
            char rtr[40];
            time_t rwhen = when + 60;
            int64_t back = 1 + (int64_t)(rng() % (uint64_t)cents);
            balance -= back;
            pix_id(rtr, 'D', rwhen);
            local = rwhen - 3 * 3600;
            gmtime_r(&local, &lt);
            if (psp) {
                money(amt, back, 1);
                money(bal, balance, 1);
                strftime(stamp, sizeof stamp, "%d/%m/%Y %H:%M:%S", &lt);
                printf("%s;Devolu\xE7\xE3o;%s;;;;%s;estorno;%s;DEVOLVIDO;%s\r\n", stamp, e2e, amt, rtr, bal);
            } else {
                money(amt, back, 0);
                strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S-03:00", &lt);
                printf("%s,,\"%s\",%s,,,estorno,pix_refund,%s,DEVOLVIDO\n", e2e, amt, stamp, rtr);
            }
        }
    }
    return fflush(stdout) == 0 ? 0 : 74;
}
