/* The floor for `make bench-pq`: fetch rows of (int8, int4, text, numeric, date) in binary with
 * raw libpq and decode every value as PQ does (integers, text copied out, numeric to its decimal
 * text, date to year/month/day).
 * Usage: pq_fetch CONNINFO stream|buffered */
#include <arpa/inet.h>
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint16_t u16(const char *p) { uint16_t v; memcpy(&v, p, 2); return ntohs(v); }
static uint32_t u32(const char *p) { uint32_t v; memcpy(&v, p, 4); return ntohl(v); }
static uint64_t u64(const char *p) { return ((uint64_t)u32(p) << 32) | u32(p + 4); }

static size_t numeric_text(const char *p, char *out) {
    int n = u16(p), weight = (int16_t)u16(p + 2), sign = u16(p + 4), dscale = u16(p + 6);
    size_t k = 0;
    if (sign == 0x4000) out[k++] = '-';
    if (weight < 0) out[k++] = '0';
    for (int i = 0; i <= weight; i++) {
        int d = i < n ? u16(p + 8 + 2 * i) : 0;
        if (i == 0) k += sprintf(out + k, "%d", d); else k += sprintf(out + k, "%04d", d);
    }
    if (dscale > 0) {
        out[k++] = '.';
        int written = 0;
        for (int i = weight + 1; written < dscale; i++) {
            int d = (i >= 0 && i < n) ? u16(p + 8 + 2 * i) : 0;
            char g[5]; sprintf(g, "%04d", d);
            for (int j = 0; j < 4 && written < dscale; j++, written++) out[k++] = g[j];
        }
    }
    out[k] = 0;
    return k;
}

static void civil(int32_t pgdays, int *y, int *m, int *d) {
    long z = pgdays + 10957 + 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static long long checksum;
static void decode_row(PGresult *r, int row) {
    char text[256], num[128];
    int64_t id = (int64_t)u64(PQgetvalue(r, row, 0));
    int32_t ward = (int32_t)u32(PQgetvalue(r, row, 1));
    int len = PQgetlength(r, row, 2);
    memcpy(text, PQgetvalue(r, row, 2), len < 255 ? len : 255);
    size_t nl = numeric_text(PQgetvalue(r, row, 3), num);
    int y, m, d;
    civil((int32_t)u32(PQgetvalue(r, row, 4)), &y, &m, &d);
    checksum += id + ward + len + (long long)nl + y + m + d;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: pq_fetch CONNINFO stream|buffered\n"); return 2; }
    PGconn *c = PQconnectdb(argv[1]);
    if (PQstatus(c) != CONNECTION_OK) { fprintf(stderr, "%s", PQerrorMessage(c)); return 1; }
    const char *sql = "SELECT id, ward, label, amount, day FROM bench_rows";
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long rows = 0;
    if (strcmp(argv[2], "stream") == 0) {
        PQsendQueryParams(c, sql, 0, NULL, NULL, NULL, NULL, 1);
        PQsetSingleRowMode(c);
        PGresult *r;
        while ((r = PQgetResult(c)) != NULL) {
            if (PQresultStatus(r) == PGRES_SINGLE_TUPLE) { decode_row(r, 0); rows++; }
            else if (PQresultStatus(r) != PGRES_TUPLES_OK) { fprintf(stderr, "%s", PQresultErrorMessage(r)); return 1; }
            PQclear(r);
        }
    } else {
        PGresult *r = PQexecParams(c, sql, 0, NULL, NULL, NULL, NULL, 1);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) { fprintf(stderr, "%s", PQresultErrorMessage(r)); return 1; }
        int n = PQntuples(r);
        for (int i = 0; i < n; i++) decode_row(r, i);
        rows = n;
        PQclear(r);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    printf("%.1f %ld %lld\n", ms, rows, checksum);
    PQfinish(c);
    return 0;
}
