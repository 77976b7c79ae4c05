/* cielo_fuzz.c - libFuzzer target for the Cielo card acquirer reader
 * (parsers/cielo.c): the card readers' body (card_reader_fuzz.h) with the
 * format forced to cielo. Seeds: tests/fuzz/seeds/cielo/ (the fixtures of
 * tests/fixtures/cards/, good and malformed). */
#define CARD_FUZZ_FORMAT FMT_CIELO
#include "card_reader_fuzz.h"
