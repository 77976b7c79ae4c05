/* civil.h - calendar arithmetic on the proleptic Gregorian calendar (days
 * since 1970-01-01), shared by every reader that turns dates and RFC 3339
 * times into epoch values. Pure; no time zone database (the Pix readers
 * apply fixed offsets). */
#ifndef SETTLE_CIVIL_H
#define SETTLE_CIVIL_H

#include <stdint.h>

/* Days from 1970-01-01 to y-m-d (m 1-12, d 1-31; negative before 1970). */
int64_t civil_days_from(int y, int m, int d);
/* The y-m-d of a day number from civil_days_from(). */
void civil_from_days(int64_t z, int *y, int *m, int *d);

#endif
