/* pixcsv_fuzz.c - libFuzzer target for the Pix statement CSV reader.
 *
 * The first input byte picks the layout (canonical, the PSP profile of
 * tests/fixtures/pix/psp.conf, or a tab-separated one); the rest is the
 * file, handed to pixcsv_sniff() and then read through a gzFile on an
 * in-memory file (memfd), so gzip input is exercised too. Seeds:
 * tests/fuzz/seeds/pixcsv/ (a mode byte followed by a fixture). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/config.h"
#include "parsers/pixcsv.h"

static config *profiles;

static const char profiles_text[] =
    "[profile psp]\ndelimiter = semicolon\ndecimal = ,\ndate_format = dd/mm/yyyy hh:mm:ss\n"
    "encoding = latin-1\nend_to_end_id = EndToEndId\ntxid = Identificador\namount = Valor (R$)\n"
    "settled_at = Data/Hora\npayer_doc = CPF/CNPJ Pagador\npayer_name = Nome Pagador\n"
    "message = Informa\xC3\xA7\xC3\xB5" "es\nkind = Tipo\nrefund_id = Id Devolu\xC3\xA7\xC3\xA3o\n"
    "refund_status = Situa\xC3\xA7\xC3\xA3o\nkind_pix = Recebimento|Pix recebido\nkind_refund = Devolu\xC3\xA7\xC3\xA3o\n"
    "[profile tabbed]\ndelimiter = tab\ndate_format = dd/mm/yyyy hh:mm\ntimezone = +01:30\n"
    "[profile dmy]\ndelimiter = pipe\ndate_format = dd/mm/yyyy\ndecimal = ,\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!profiles) {
        err_t e = { 0 };
        profiles = config_load_mem(profiles_text, sizeof profiles_text - 1, "fuzz.conf", &e);
        if (!profiles) {
            fprintf(stderr, "%s\n", e.msg);
            abort();
        }
    }
    if (size < 1)
        return 0;
    const profile_cfg *p = NULL;
    switch (data[0] % 4) {
    case 1: p = config_profile(profiles, "psp"); break;
    case 2: p = config_profile(profiles, "tabbed"); break;
    case 3: p = config_profile(profiles, "dmy"); break;
    }
    data++, size--;

    pixcsv_sniff((const char *)data, size, p);

    int fd = memfd_create("pixcsv-fuzz", 0);
    if (fd < 0)
        abort();
    if (size && write(fd, data, size) != (ssize_t)size)
        abort();
    lseek(fd, 0, SEEK_SET);
    gzFile gz = gzdopen(fd, "rb");
    if (!gz)
        abort();
    err_t e = { 0 };
    pixcsv *r = pixcsv_open(gz, "fuzz.csv", p, &e);
    if (r) {
        settle_record rec;
        long n = 0;
        int rc;
        while ((rc = pixcsv_next(r, &rec, &e)) == 1) {
            /* what a caller relies on: terminated text, sane values */
            if (strlen(rec.end_to_end_id) != 32 || rec.amount_paid_cents <= 0 || rec.line < 2 ||
                strlen(rec.payer_name) >= sizeof rec.payer_name || strlen(rec.message) >= sizeof rec.message ||
                (rec.payer_doc[0] && strlen(rec.payer_doc) != 11 && strlen(rec.payer_doc) != 14) ||
                rec.occurred_on.y < 1969 || rec.occurred_on.m < 1 || rec.occurred_on.m > 12)
                abort();
            if (++n > 1000000)
                abort();
        }
        if (rc < 0 && (e.code != EX_DATAERR || !e.msg[0]))
            abort();
        pixcsv_close(r);
    } else if (e.code != EX_DATAERR || !e.msg[0]) {
        abort();
    }
    gzclose(gz);   /* closes fd */
    return 0;
}
