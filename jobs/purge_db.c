/* purge_db.c - the named statements behind purge_db.h. */
#include "jobs/purge_db.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/db.h"

SQL_QUERY(purge_keep_archive);
SQL_QUERY(purge_keep_batches);
SQL_QUERY(purge_mask_count);
SQL_QUERY(purge_mask_personal_data);

PGresult *purge_db_keep_archive(PGconn *db, err_t *e)
{
    return db_query(db, e, sqlq_purge_keep_archive, 0, NULL);
}

PGresult *purge_db_keep_batches(PGconn *db, int have_destination, err_t *e)
{
    const char *p[] = { have_destination ? "true" : "false" };
    return db_query(db, e, sqlq_purge_keep_batches, 1, p);
}

int purge_db_mask_personal_data(PGconn *db, long long days, long long chunk_rows, int dry, purge_mask_tally *t,
                                err_t *e)
{
    char d[24], rows[24], after_f[24] = "0", after_s[24] = "0", after_x[24] = "0";
    snprintf(d, sizeof d, "%lld", days);
    snprintf(rows, sizeof rows, "%lld", chunk_rows);
    *t = (purge_mask_tally){ 0 };
    if (dry) {
        const char *p[] = { d };
        PGresult *r = db_query(db, e, sqlq_purge_mask_count, 1, p);
        if (!r)
            return -1;
        t->settlements = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        t->exceptions = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
        PQclear(r);
        return 0;
    }
    /* Each call is its own statement outside any transaction block: one
     * chunk, committed when it returns. A cursor goes NULL ("") when its
     * part found nothing more; the settlements' part has two (the file, the
     * last settlement masked in it), which go NULL together. */
    while (after_f[0] || after_x[0]) {
        const char *p[] = { d, after_f[0] ? after_f : NULL, after_f[0] ? after_s : NULL, after_x[0] ? after_x : NULL,
                            rows };
        PGresult *r = db_query(db, e, sqlq_purge_mask_personal_data, 5, p);
        if (!r)
            return -1;
        if (after_f[0]) {
            snprintf(after_f, sizeof after_f, "%s", PQgetvalue(r, 0, 0));
            snprintf(after_s, sizeof after_s, "%s", PQgetvalue(r, 0, 1));
        }
        snprintf(after_x, sizeof after_x, "%s", after_x[0] ? PQgetvalue(r, 0, 2) : "");
        t->settlements += strtoll(PQgetvalue(r, 0, 3), NULL, 10);
        t->exceptions += strtoll(PQgetvalue(r, 0, 4), NULL, 10);
        t->chunks++;
        PQclear(r);
    }
    return 0;
}
