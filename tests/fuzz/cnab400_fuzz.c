/* cnab400_fuzz.c - libFuzzer target: any bytes through the CNAB 400 reader
 * (format forced, so the fuzzer stays inside that reader) and, every other
 * input, through detection. Reads every record and closes; the sanitizers
 * judge. Seeds: tests/fuzz/seeds/cnab400/ (the real corpus). */
#include <stddef.h>
#include <stdint.h>

#include "parsers/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse_opts o = { .format = (size & 1) ? FMT_UNKNOWN : FMT_CNAB400 };
    err_t e = { 0 };
    parser *p = parser_open_mem(data, size, "fuzz", &o, &e);
    if (!p)
        return 0;
    settle_record rec;
    while (parser_next(p, &rec, &e) == 1)
        ;
    (void)parser_info(p);
    parser_close(p);
    return 0;
}
