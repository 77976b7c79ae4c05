/* gencnab240.c - write a valid CNAB 240 cobrança return of N paid titles
 * (Banco do Brasil layout, convênio 7, movement 06), deterministic, for
 * benchmarks; optionally the matching pending payments as CSV for COPY.
 *
 *   gencnab240 [--titles N] [--first K] [--out FILE] [--payments FILE] [--extra-payments M]
 *
 * --titles N           titles (T+U pairs) in one batch, 1..499997 (default 1000)
 * --first K            number the titles K, K+1, ... (default 1), so that several
 *                      files with distinct titles can be made
 * --out FILE           the return file (default stdout)
 * --payments FILE      CSV with a header row and one pending boleto payment per
 *                      title (columns id,order_id,method,amount_cents,due_on,
 *                      status,bank_code,nosso_numero: sql/001's payments table)
 * --extra-payments M   M more pending payments that match no title
 *
 * Title i (1-based): nosso número 1234567 + i as 10 digits (17 digits, what BB
 * prints), seu número ORDnnnnnnnnnn, face = paid = 1000 + (i * 7919) % 100000
 * cents. A 480,000-title file is about 230 MB. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONVENIO "1234567"

static char line[242];

static void blank(void)
{
    memset(line, ' ', 240);
    line[240] = '\n';
}

/* Put a right-justified zero-padded number at 1-based position pos. */
static void num(int pos, int len, uint64_t v)
{
    for (int i = pos - 1 + len - 1; i >= pos - 1; i--) {
        line[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

static void txt(int pos, const char *s)
{
    memcpy(line + pos - 1, s, strlen(s));
}

static int64_t amount(long i)
{
    return 1000 + (int64_t)((i * 7919L) % 100000L);
}

static void emit(FILE *f)
{
    fwrite(line, 1, 241, f);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "titles", required_argument, NULL, 'n' },
        { "first", required_argument, NULL, 'f' },
        { "out", required_argument, NULL, 'o' },
        { "payments", required_argument, NULL, 'p' },
        { "extra-payments", required_argument, NULL, 'x' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    long n = 1000, extra = 0, first = 1;
    const char *out = NULL, *pay = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "n:f:o:p:x:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'n': n = atol(optarg); break;
        case 'f': first = atol(optarg); break;
        case 'o': out = optarg; break;
        case 'p': pay = optarg; break;
        case 'x': extra = atol(optarg); break;
        default:
            fprintf(stderr, "usage: gencnab240 [--titles N] [--first K] [--out FILE] [--payments FILE] [--extra-payments M]\n");
            return opt == 'h' ? 0 : 64;
        }
    }
    if (first < 1 || first > 4000000000L) {
        fprintf(stderr, "gencnab240: --first: expected 1..4000000000, found %ld\n", first);
        return 64;
    }
    if (n < 1 || n > 499997 || extra < 0) {
        fprintf(stderr, "gencnab240: --titles: expected 1..499997 (a batch holds at most 999,999 records), "
                        "found %ld\n", n);
        return 64;
    }
    FILE *f = out ? fopen(out, "wb") : stdout;
    if (!f) {
        perror(out);
        return 73;
    }
    static char fbuf[1 << 20];
    setvbuf(f, fbuf, _IOFBF, sizeof fbuf);

    /* file header */
    blank();
    txt(1, "00100000");
    num(18, 1, 2);
    num(19, 14, 12345678000190ULL);
    txt(33, CONVENIO "0014" "17" "019");
    num(53, 5, 1234), txt(58, "5");
    num(59, 12, 98765), txt(71, "4");
    txt(73, "COMEX COMERCIO ELETRONICO LTDA");
    txt(103, "BANCO DO BRASIL S.A.");
    txt(143, "2");
    txt(144, "28112026" "031500");
    num(158, 6, 1);
    txt(164, "08700000");
    emit(f);
    /* batch header */
    blank();
    txt(1, "00100011T0100020 2");
    num(19, 15, 12345678000190ULL);
    txt(34, CONVENIO);
    txt(74, "COMEX COMERCIO ELETRONICO LTDA");
    num(184, 8, 1);
    txt(192, "28112026" "00000000");
    emit(f);

    int64_t total = 0;
    long seq = 0;
    for (long i = first; i < first + n; i++) {
        int64_t a = amount(i);
        total += a;
        blank();
        txt(1, "0010001300000T 06");
        num(9, 5, (uint64_t)++seq);
        num(18, 5, 1234), txt(23, "5");
        num(24, 12, 98765), txt(36, "4");
        txt(38, CONVENIO);
        num(45, 10, (uint64_t)i);
        txt(58, "7");
        txt(59, "ORD");
        num(62, 10, (uint64_t)i);
        txt(74, "25112026");
        num(82, 15, (uint64_t)a);
        num(97, 3, 1), num(100, 5, 1234), txt(105, "5");
        txt(106, "ORD");
        num(109, 10, (uint64_t)i);
        num(131, 2, 9);
        txt(133, "1");
        num(134, 15, 10000000000ULL + (uint64_t)i);
        txt(149, "CLIENTE ");
        num(157, 6, (uint64_t)i);
        num(189, 10, 0);
        num(199, 15, 0);
        txt(214, "06");
        emit(f);
        blank();
        txt(1, "0010001300000U 06");
        num(9, 5, (uint64_t)++seq);
        num(18, 15, 0), num(33, 15, 0), num(48, 15, 0), num(63, 15, 0);
        num(78, 15, (uint64_t)a);
        num(93, 15, (uint64_t)a);
        num(108, 15, 0), num(123, 15, 0);
        txt(138, "27112026" "28112026");
        emit(f);
        if (seq >= 99999)
            seq = 0; /* 9-13 wraps: 5 digits */
    }
    /* batch trailer: header + 2n details + trailer */
    blank();
    txt(1, "00100015");
    num(18, 6, (uint64_t)(2 * n + 2));
    num(24, 6, (uint64_t)n);
    num(30, 17, (uint64_t)total);
    emit(f);
    blank();
    txt(1, "00199999");
    num(18, 6, 1);
    num(24, 6, (uint64_t)(2 * n + 4));
    num(30, 6, 0);
    emit(f);
    if (fflush(f) != 0 || (out && fclose(f) != 0)) {
        perror(out ? out : "stdout");
        return 74;
    }

    if (pay) {
        FILE *p = fopen(pay, "wb");
        if (!p) {
            perror(pay);
            return 73;
        }
        setvbuf(p, fbuf, _IOFBF, sizeof fbuf);
        fputs("id,order_id,method,amount_cents,due_on,status,bank_code,nosso_numero\n", p);
        for (long i = first; i < first + n; i++)
            fprintf(p, "%ld,ORD%010ld,boleto,%lld,2026-11-25,pending,001," CONVENIO "%010ld\n", i, i,
                    (long long)amount(i), i);
        for (long j = 1; j <= extra; j++)
            fprintf(p, "%ld,EXT%010ld,boleto,%lld,2026-12-10,pending,001," CONVENIO "%010ld\n", first + n - 1 + j, j,
                    (long long)amount(j + 7), 9000000000L + j);
        if (fclose(p) != 0) {
            perror(pay);
            return 74;
        }
    }
    return 0;
}
