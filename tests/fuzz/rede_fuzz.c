/* rede_fuzz.c - libFuzzer target for the Rede card acquirer reader
 * (parsers/rede.c): the card readers' body (card_reader_fuzz.h) with the
 * format forced to rede. Seeds: tests/fuzz/seeds/rede/ (the fixtures of
 * tests/fixtures/cards/, good and malformed). */
#define CARD_FUZZ_FORMAT FMT_REDE
#include "card_reader_fuzz.h"
