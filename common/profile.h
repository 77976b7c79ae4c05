/* profile.h - a [profile NAME] section of settle.conf: how to read a Pix
 * CSV export that is not the canonical layout (docs/formats/pix-csv.md).
 *
 * Its own header so that the Pix CSV reader (parsers/pixcsv.c) can take a
 * profile without depending on the rest of the config (scripts/lint-includes:
 * parsers/ do not include common/config.h). config_load() fills it;
 * config_free() frees its strings. */
#ifndef SETTLE_PROFILE_H
#define SETTLE_PROFILE_H

/* [profile NAME]: how to read a Pix CSV export that is not the canonical
 * layout (docs/formats/pix-csv.md). Column keys name the header of the
 * column that holds each canonical field. */
typedef struct profile_cfg {
    char *name;
    int line;
    char *delimiter;       /* "," */
    char *decimal;         /* "." or "," */
    char *date_format;     /* iso | dd/mm/yyyy | dd/mm/yyyy hh:mm | dd/mm/yyyy hh:mm:ss */
    char *encoding;        /* utf-8 | latin-1 */
    char *timezone;        /* "-03:00": offset of timestamps written without one */
    char *kind_pix;        /* "pix": kind column value(s) for a received Pix, '|'-separated */
    char *kind_refund;     /* "pix_refund": kind column value(s) for a refund */
    char *col_end_to_end_id, *col_txid, *col_amount, *col_settled_at,
         *col_payer_doc, *col_payer_name, *col_message, *col_kind,
         *col_refund_id, *col_refund_status;
} profile_cfg;

#endif
