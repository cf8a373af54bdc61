/* azext_bacpac.native._scan: the derive scan's column statistics (engines/sqlite_derive.py) in C.
 *
 * sqlite_derive.scan() asks SQLite for 13 aggregates per column (_stat_expressions). This module
 * steps a plain SELECT of the columns and computes the same 13 values, with the same NULLs, in one
 * pass. Everything it computes itself is decided exactly:
 *   - storage classes, integer min/max, max abs of reals, blob lengths: direct;
 *   - text lengths: SQLite's length() counts UTF-8 characters up to the first NUL (lengthFunc's
 *     loop, copied below); "more bytes than characters" compares that with the byte count;
 *   - the 'bad' count and the date/time statistics for plain ASCII text (no NUL): the string
 *     functions of the SQL (trim, instr, substr, GLOB) are simple on such text, and a date or time
 *     in a strict canonical form is one SQLite's julianday()/time() certainly accept;
 *   - 'bad' for a real in a decimal column (real <> round(real, scale)) where exact integer
 *     arithmetic shows the answer cannot depend on the last bits of SQLite's printf/atof.
 * Any value it cannot decide that way (other text, reals near a rounding boundary, unusual dates)
 * is handed to SQLite itself: a per-column statement evaluates the very same per-row expressions
 * of statistics 9-12 for that one value (bound as ?1), and the result is folded in. So the result
 * equals the SQL scan's in every case; only the speed depends on how often values are handed over.
 * On any SQLite error the function returns None and Python runs its SQL (and reports the error).
 */
#include "sqlite_handle.h"
#include <math.h>
#include <stdint.h>

enum {
    STAT_CLASSES, STAT_INT_MIN, STAT_INT_MAX, STAT_REAL_MAX, STAT_TEXT_MIN, STAT_TEXT_MAX, STAT_NON_ASCII,
    STAT_BLOB_MIN, STAT_BLOB_MAX, STAT_BAD, STAT_DIGITS, STAT_OFFSET, STAT_SECONDS, N_STATS
};
#define HAS(column, stat) ((column)->computed & (1u << (stat)))

/* Which 'bad' expression of _bad_expression() the column has. */
enum { BAD_NONE, BAD_DECIMAL, BAD_DATE, BAD_TIME, BAD_GUID };

/* A verdict on one value: fits the family, is bad, or SQLite has to say. */
enum { FITS = 0, IS_BAD = 1, UNSURE = -1 };

typedef struct {
    /* what Python asked for */
    int bad_kind, timed, precision, scale;
    unsigned computed;               /* bit i: statistic i is computed (else the SQL has a constant) */
    char *delegate_sql;              /* SELECT of the per-row expressions of statistics 9-12 on ?1 (a copy) */
    sqlite3_stmt *delegate;          /* prepared on first use */
    /* group_concat(DISTINCT typeof(c)): classes in order of first appearance */
    int class_order[5], n_classes;
    unsigned class_seen;
    int has_int, has_real, has_text, has_blob, has_digits;
    sqlite3_int64 int_min, int_max, text_min, text_max, blob_min, blob_max, bad, digits;
    double real_max;
    int non_ascii, offset, seconds;
} column_state;

static const char *CLASS_NAMES[6] = {"", "integer", "real", "text", "blob", "null"};  /* SQLITE_INTEGER.. */

static unsigned long long counter_scans, counter_rows, counter_delegated;

/* ---- text helpers ----------------------------------------------------------------------------- */

#define HIGH_BITS 0x8080808080808080ULL
#define LOW_BITS 0x0101010101010101ULL

/* 8 bytes, all ASCII and none NUL (the usual bit trick: a zero byte borrows into its high bit). */
static int
ascii_word(const unsigned char *z)
{
    uint64_t w;
    memcpy(&w, z, sizeof w);
    return ((w & HIGH_BITS) | ((w - LOW_BITS) & ~w & HIGH_BITS)) == 0;
}

/* SQLite's length() of text: characters up to the first NUL, a lead byte >= 0xC0 taking the
 * continuation bytes after it (func.c lengthFunc). z[n] is the terminating NUL. Runs of plain
 * ASCII are counted 8 bytes at a time. */
static sqlite3_int64
sqlite_length(const unsigned char *z, int n)
{
    sqlite3_int64 chars = 0;
    int i = 0;
    for (;;) {
        while (n - i >= 8 && ascii_word(z + i)) {
            i += 8;
            chars += 8;
        }
        unsigned char c = z[i];
        if (c == 0)
            return chars;
        i++;
        chars++;
        if (c >= 0xc0)
            while ((z[i] & 0xc0) == 0x80)     /* stops at the terminating NUL at the latest */
                i++;
    }
}

/* ASCII without NUL: one byte is one character and the string functions see every byte. */
static int
plain_ascii(const unsigned char *z, int n)
{
    int i = 0;
    while (n - i >= 8 && ascii_word(z + i))
        i += 8;
    for (; i < n; i++)
        if (z[i] == 0 || z[i] >= 0x80)
            return 0;
    return 1;
}

static int
is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int
two_digits(const unsigned char *z, int *value)
{
    if (!is_digit(z[0]) || !is_digit(z[1]))
        return 0;
    *value = (z[0] - '0') * 10 + (z[1] - '0');
    return 1;
}

/* ---- 'bad' verdicts, one per family ------------------------------------------------------------- */

/* HH:MM[:SS[.f]][Z|+HH:MM|-HH:MM] filling z[i..n): a time SQLite's date parser certainly accepts
 * (hours 0-23, minutes and seconds 0-59, at most 9 fraction digits, offsets up to 14:59). */
static int
strict_time(const unsigned char *z, int n, int i)
{
    int hour, minute, second, offset_hour, offset_minute;
    if (n - i < 5 || !two_digits(z + i, &hour) || z[i + 2] != ':' || !two_digits(z + i + 3, &minute)
        || hour > 23 || minute > 59)
        return 0;
    i += 5;
    if (i < n && z[i] == ':') {
        if (n - i < 3 || !two_digits(z + i + 1, &second) || second > 59)
            return 0;
        i += 3;
        if (i < n && z[i] == '.') {
            int start = ++i;
            while (i < n && is_digit(z[i]))
                i++;
            if (i == start || i - start > 9)
                return 0;
        }
    }
    if (i == n)
        return 1;
    if (z[i] == 'Z')
        return i + 1 == n;
    if (z[i] == '+' || z[i] == '-')
        return n - i == 6 && two_digits(z + i + 1, &offset_hour) && z[i + 3] == ':'
               && two_digits(z + i + 4, &offset_minute) && offset_hour <= 14 && offset_minute <= 59;
    return 0;
}

static int
days_in_month(int year, int month)
{
    static const int DAYS[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return DAYS[month - 1] + (month == 2 && leap);
}

/* typeof = 'text' AND (c NOT GLOB 'YYYY-MM-DD*' OR julianday(c) IS NULL), on plain ASCII text.
 * Certain: the GLOB fails, or the text is a real calendar date of years 1-9998 optionally
 * followed by ' ' or 'T' and a strict time (no julianday() result falls outside its range). */
static int
date_verdict(const unsigned char *z, int n)
{
    static const char SHAPE[] = "dddd-dd-dd";
    if (n < 10)
        return IS_BAD;
    for (int i = 0; i < 10; i++)
        if (SHAPE[i] == 'd' ? !is_digit(z[i]) : z[i] != '-')
            return IS_BAD;
    int year = (z[0] - '0') * 1000 + (z[1] - '0') * 100 + (z[2] - '0') * 10 + (z[3] - '0');
    int month = (z[5] - '0') * 10 + (z[6] - '0'), day = (z[8] - '0') * 10 + (z[9] - '0');
    if (year < 1 || year > 9998 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
        return UNSURE;
    if (n == 10)
        return FITS;
    if ((z[10] == ' ' || z[10] == 'T') && strict_time(z, n, 11))
        return FITS;
    return UNSURE;
}

/* typeof = 'text' AND (c NOT GLOB 'HH:MM*' OR time(c) IS NULL), on plain ASCII text. */
static int
time_verdict(const unsigned char *z, int n)
{
    if (n < 5 || !is_digit(z[0]) || !is_digit(z[1]) || z[2] != ':' || !is_digit(z[3]) || !is_digit(z[4]))
        return IS_BAD;
    return strict_time(z, n, 0) ? FITS : UNSURE;
}

/* typeof = 'text' AND upper(c) NOT GLOB '<8>-<4>-<4>-<4>-<12> hex digits', on plain ASCII text
 * (upper() folds a-z only; a pattern without '*' matches the whole string). */
static int
guid_verdict(const unsigned char *z, int n)
{
    if (n != 36)
        return IS_BAD;
    for (int i = 0; i < 36; i++) {
        unsigned char c = z[i];
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        int hex = is_digit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
        if (dash ? c != '-' : !hex)
            return IS_BAD;
    }
    return FITS;
}

/* The text half of the decimal 'bad' expression on plain ASCII text: with t = trim(c) (spaces),
 * bad when t has a character other than digits . + -, has no digit, has two dots, has more than
 * `scale` characters after the first dot, or its integer part (signs removed, leading zeros
 * stripped) has more than precision - scale digits. */
static int
decimal_text_verdict(const unsigned char *z, int n, int precision, int scale)
{
    int start = 0, end = n, dots = 0, first_dot = -1, any_digit = 0;
    while (start < end && z[start] == ' ')
        start++;
    while (end > start && z[end - 1] == ' ')
        end--;
    for (int i = start; i < end; i++) {
        unsigned char c = z[i];
        if (is_digit(c))
            any_digit = 1;
        else if (c == '.') {
            if (dots++ == 0)
                first_dot = i;
        } else if (c != '+' && c != '-')
            return IS_BAD;
    }
    if (!any_digit || dots > 1)
        return IS_BAD;
    if (dots && end - first_dot - 1 > scale)
        return IS_BAD;
    int integer_end = dots ? first_dot : end, integer_digits = 0, leading = 1;
    for (int i = start; i < integer_end; i++) {
        unsigned char c = z[i];
        if (c == '+' || c == '-' || (leading && c == '0'))
            continue;
        leading = 0;
        integer_digits++;
    }
    return integer_digits > precision - scale ? IS_BAD : FITS;
}

/* The real half of the decimal 'bad' expression: r <> round(r, scale). round() prints r with
 * `scale` decimals and reads the text back (sqlite3_mprintf "%.*f", sqlite3AtoF). Decided here
 * only where that cannot depend on rounding details:
 *   D = the decimal with `scale` places nearest to r, in units where one ulp of r is 10^scale
 *   (r = m * 2^-k exactly, m < 2^53: r * 10^scale * 2^k = m * 10^scale);
 *   - no such decimal within 2 ulps: printing and reading back cannot return r -> bad;
 *   - D beyond the midpoint to r's neighbour, by that margin, and the next decimals more than
 *     2 ulps away: whatever printf prints reads back as another double -> bad;
 *   - D within half the gap to r's neighbouring double, by a margin larger than any rounding error
 *     of atof (it divides D's digits by a power of ten in long double or double-double), and D
 *     short enough (< 10^13 units, so printf prints every digit, its 3e-16 fudge included): the
 *     text read back is r -> fits;
 *   - otherwise unsure (SQLite decides). */
static unsigned margin_divisor = 64;    /* set at import from the library version */

static const uint64_t POWERS_OF_TEN[19] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL, 1000000000ULL,
    10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL, 100000000000000ULL,
    1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL, 1000000000000000000ULL,
};

static int
decimal_real_verdict(double r, int scale)
{
    if (isnan(r) || isinf(r))
        return UNSURE;
    double a = fabs(r);
    if (a >= 4503599627370496.0)        /* 2^52: versions differ in how round() treats these */
        return UNSURE;
    if (a == 0.0)
        return FITS;
    if (scale == 0)                     /* round(r, 0) is (double)(int64)(r +- 0.5) */
        return a == floor(a) ? FITS : IS_BAD;
    if (scale > 18)
        return UNSURE;
    uint64_t bits;
    memcpy(&bits, &a, sizeof bits);
    int biased_exponent = (int)(bits >> 52);            /* a >= 0: no sign bit */
    if (biased_exponent == 0)                           /* subnormal */
        return UNSURE;
    uint64_t m = (bits & (((uint64_t)1 << 52) - 1)) | ((uint64_t)1 << 52);
    int k = 1075 - biased_exponent;                     /* a = m * 2^-k exactly; k >= 1 as a < 2^52 */
    if (k > 110)
        return UNSURE;
    unsigned __int128 unit = POWERS_OF_TEN[scale];      /* one ulp of r in these units */
    unsigned __int128 x = (unsigned __int128)m * unit;  /* r, < 2^113 */
    unsigned __int128 nearest = (x + ((unsigned __int128)1 << (k - 1))) >> k;   /* D's digits */
    unsigned __int128 y = nearest << k;                 /* D, < 2^114 */
    unsigned __int128 diff = y > x ? y - x : x - y;
    if (diff > 2 * unit)
        return IS_BAD;
    /* four times half the gap to the neighbour on D's side (below a power of two it is half as wide) */
    unsigned __int128 gap4 = (y < x && m == ((uint64_t)1 << 52)) ? unit : 2 * unit;
    unsigned __int128 step = (unsigned __int128)1 << k;   /* 10^-scale: to the next decimal after D */
    if (4 * diff > gap4 && (4 * diff - gap4) * margin_divisor > 4 * unit && step > 4 * unit)
        return IS_BAD;          /* D reads back as another double; every other decimal is > 2 ulps away */
    if (nearest >= (unsigned __int128)10000000000000ULL)
        return UNSURE;
    if (4 * diff < gap4 && (gap4 - 4 * diff) * margin_divisor > 4 * unit)
        return FITS;
    return UNSURE;
}

/* ---- statistics 10-12 of date/time families on plain ASCII text ------------------------------- */

static void
timed_text_stats(column_state *col, const unsigned char *z, int n)
{
    const unsigned char *dot = memchr(z, '.', (size_t)n);
    if (dot != NULL) {          /* digits right after the first '.' */
        sqlite3_int64 digits = 0;
        for (const unsigned char *p = dot + 1; p < z + n && is_digit(*p); p++)
            digits++;
        if (!col->has_digits || digits > col->digits)
            col->digits = digits;
        col->has_digits = 1;
    }
    if (n >= 6 && (z[n - 6] == '+' || z[n - 6] == '-') && is_digit(z[n - 5]) && is_digit(z[n - 4])
        && z[n - 3] == ':' && is_digit(z[n - 2]) && is_digit(z[n - 1]) && memcmp(z + n - 5, "00:00", 5) != 0)
        col->offset = 1;
    if (n >= 19 && !(z[17] == '0' && z[18] == '0'))
        col->seconds = 1;
}

/* ---- handing one value to SQLite ------------------------------------------------------------- */

/* Statistics 9-12 of one value, by the SQL expressions themselves. 0, or an SQLite error code. */
static int
delegate_value(sqlite3 *db, column_state *col, sqlite3_value *value)
{
    int rc;
    if (col->delegate == NULL) {
        rc = sqlite3_prepare_v2(db, col->delegate_sql, -1, &col->delegate, NULL);
        if (rc != SQLITE_OK)
            return rc;
    }
    sqlite3_stmt *stmt = col->delegate;
    if (sqlite3_value_type(value) == SQLITE_TEXT) {
        const unsigned char *z = sqlite3_value_text(value);
        rc = sqlite3_bind_text(stmt, 1, (const char *)z, sqlite3_value_bytes(value), SQLITE_STATIC);
    } else {
        rc = sqlite3_bind_value(stmt, 1, value);
    }
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(stmt);
        return rc == SQLITE_DONE ? SQLITE_ERROR : rc;
    }
    if (HAS(col, STAT_BAD))
        col->bad += sqlite3_column_int64(stmt, 0);
    if (HAS(col, STAT_DIGITS) && sqlite3_column_type(stmt, 1) != SQLITE_NULL) {
        sqlite3_int64 digits = sqlite3_column_int64(stmt, 1);
        if (!col->has_digits || digits > col->digits)
            col->digits = digits;
        col->has_digits = 1;
    }
    if (HAS(col, STAT_OFFSET) && sqlite3_column_int64(stmt, 2) > 0)
        col->offset = 1;
    if (HAS(col, STAT_SECONDS) && sqlite3_column_int64(stmt, 3) > 0)
        col->seconds = 1;
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    counter_delegated++;
    return 0;
}

/* ---- one value -------------------------------------------------------------------------------- */

static void
note_class(column_state *col, int type)
{
    if (!(col->class_seen & (1u << type))) {
        col->class_seen |= 1u << type;
        col->class_order[col->n_classes++] = type;
    }
}

/* Fold one value into its column's statistics. 0, or an SQLite error code from a delegation.
 * The value is the row's own (sqlite3_column_value): the caller holds the connection's mutex. */
static int
scan_value(sqlite3 *db, column_state *col, sqlite3_value *value)
{
    int type = sqlite3_value_type(value);
    note_class(col, type);
    switch (type) {
    case SQLITE_INTEGER:
        if (HAS(col, STAT_INT_MIN) || HAS(col, STAT_INT_MAX)) {
            sqlite3_int64 v = sqlite3_value_int64(value);
            if (!col->has_int || v < col->int_min)
                col->int_min = v;
            if (!col->has_int || v > col->int_max)
                col->int_max = v;
            col->has_int = 1;
        }
        return 0;
    case SQLITE_FLOAT: {
        double v = sqlite3_value_double(value);
        if (HAS(col, STAT_REAL_MAX)) {
            double magnitude = v < 0 ? -v : v;     /* abs(): -0.0 stays -0.0 */
            if (!col->has_real || magnitude > col->real_max)    /* max() keeps the first of equals */
                col->real_max = magnitude;
            col->has_real = 1;
        }
        if (col->bad_kind == BAD_DECIMAL && HAS(col, STAT_BAD)) {
            int verdict = decimal_real_verdict(v, col->scale);
            if (verdict == UNSURE)
                return delegate_value(db, col, value);
            col->bad += verdict;
        }
        return 0;
    }
    case SQLITE_TEXT: {
        const unsigned char *z = sqlite3_value_text(value);
        int n = sqlite3_value_bytes(value);
        if (z == NULL || n < 0)
            return SQLITE_NOMEM;
        if (HAS(col, STAT_TEXT_MIN) || HAS(col, STAT_TEXT_MAX) || HAS(col, STAT_NON_ASCII)) {
            sqlite3_int64 chars = sqlite_length(z, n);
            if (!col->has_text || chars < col->text_min)
                col->text_min = chars;
            if (!col->has_text || chars > col->text_max)
                col->text_max = chars;
            if (n > chars)
                col->non_ascii = 1;
        }
        col->has_text = 1;
        int wants_bad = col->bad_kind != BAD_NONE && HAS(col, STAT_BAD);
        int wants_timed = col->timed && (HAS(col, STAT_DIGITS) || HAS(col, STAT_OFFSET) || HAS(col, STAT_SECONDS));
        if (!wants_bad && !wants_timed)
            return 0;
        if (!plain_ascii(z, n))
            return delegate_value(db, col, value);
        int verdict = FITS;
        if (wants_bad) {
            switch (col->bad_kind) {
            case BAD_DECIMAL: verdict = decimal_text_verdict(z, n, col->precision, col->scale); break;
            case BAD_DATE: verdict = date_verdict(z, n); break;
            case BAD_TIME: verdict = time_verdict(z, n); break;
            case BAD_GUID: verdict = guid_verdict(z, n); break;
            }
            if (verdict == UNSURE)
                return delegate_value(db, col, value);
            col->bad += verdict;
        }
        if (wants_timed)
            timed_text_stats(col, z, n);
        return 0;
    }
    case SQLITE_BLOB:
        if (HAS(col, STAT_BLOB_MIN) || HAS(col, STAT_BLOB_MAX)) {
            sqlite3_int64 n = sqlite3_value_bytes(value);
            if (!col->has_blob || n < col->blob_min)
                col->blob_min = n;
            if (!col->has_blob || n > col->blob_max)
                col->blob_max = n;
            col->has_blob = 1;
        }
        return 0;
    default:
        return 0;
    }
}

/* ---- results ---------------------------------------------------------------------------------- */

static PyObject *
optional_int(int present, sqlite3_int64 value)
{
    if (!present)
        Py_RETURN_NONE;
    return PyLong_FromLongLong(value);
}

static PyObject *
classes_text(const column_state *col)
{
    char buffer[64];
    size_t used = 0;
    buffer[0] = 0;
    for (int i = 0; i < col->n_classes; i++) {
        const char *name = CLASS_NAMES[col->class_order[i]];
        size_t length = strlen(name);
        if (used + length + 2 > sizeof buffer)
            break;                  /* cannot happen: five names of at most 7 characters */
        if (i)
            buffer[used++] = ',';
        memcpy(buffer + used, name, length);
        used += length;
        buffer[used] = 0;
    }
    return PyUnicode_FromStringAndSize(buffer, (Py_ssize_t)used);
}

/* Statistic `stat` of a column as the SQL gives it; `rows` = rows scanned. New reference. */
static PyObject *
stat_value(const column_state *col, int stat, sqlite3_int64 rows)
{
    if (!HAS(col, stat))            /* the SQL's constant in place of the expression (_CONSTANTS) */
        return (stat == STAT_BAD || stat == STAT_OFFSET || stat == STAT_SECONDS) ? PyLong_FromLong(0)
                                                                                   : (Py_INCREF(Py_None), Py_None);
    int any = rows > 0;
    switch (stat) {
    case STAT_CLASSES:
        if (!any)
            Py_RETURN_NONE;
        return classes_text(col);
    case STAT_INT_MIN: return optional_int(col->has_int, col->int_min);
    case STAT_INT_MAX: return optional_int(col->has_int, col->int_max);
    case STAT_REAL_MAX:
        if (!col->has_real)
            Py_RETURN_NONE;
        return PyFloat_FromDouble(col->real_max);
    case STAT_TEXT_MIN: return optional_int(col->has_text, col->text_min);
    case STAT_TEXT_MAX: return optional_int(col->has_text, col->text_max);
    case STAT_NON_ASCII: return optional_int(col->has_text, col->non_ascii);
    case STAT_BLOB_MIN: return optional_int(col->has_blob, col->blob_min);
    case STAT_BLOB_MAX: return optional_int(col->has_blob, col->blob_max);
    case STAT_BAD: return optional_int(any, col->bad);
    case STAT_DIGITS: return optional_int(col->has_digits, col->digits);
    case STAT_OFFSET: return optional_int(any, col->offset);
    case STAT_SECONDS: return optional_int(any, col->seconds);
    }
    Py_RETURN_NONE;
}

/* ---- the entry point -------------------------------------------------------------------------- */

static int
bad_kind_of(const char *name)
{
    static const char *NAMES[] = {"", "decimal", "date", "time", "guid"};
    for (int i = 0; i < 5; i++)
        if (strcmp(name, NAMES[i]) == 0)
            return i;
    return -1;
}

/* Parse one column spec: (bad kind, timed, precision, scale, computed mask, delegate SQL). */
static int
read_spec(PyObject *spec, column_state *col)
{
    const char *kind, *sql;
    unsigned int computed;
    if (!PyArg_ParseTuple(spec, "spiiIs;column spec", &kind, &col->timed, &col->precision, &col->scale,
                          &computed, &sql))
        return -1;
    col->bad_kind = bad_kind_of(kind);
    if (col->bad_kind < 0) {
        PyErr_Format(PyExc_ValueError, "unknown 'bad' kind %s", kind);
        return -1;
    }
    if (col->scale < 0 || col->precision < col->scale) {
        PyErr_SetString(PyExc_ValueError, "precision and scale out of range");
        return -1;
    }
    col->computed = computed & ((1u << N_STATS) - 1);
    size_t length = strlen(sql) + 1;  /* copied: the loop runs without the GIL, the specs may change */
    col->delegate_sql = PyMem_Malloc(length);
    if (col->delegate_sql == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(col->delegate_sql, sql, length);
    return 0;
}

PyDoc_STRVAR(scan_doc,
"scan(connection, select_sql, parameters, specs) -> list or None\n\n"
"Step select_sql (one result column per spec, parameters bound in order) and return the 13\n"
"statistics per column that sqlite_derive._stat_expressions give, flattened. A spec is\n"
"(bad kind: '', 'decimal', 'date', 'time' or 'guid'; timed: bool; precision; scale;\n"
"computed: bit i set when statistic i is an expression, not a constant; delegate SQL: a SELECT of\n"
"the per-row expressions of statistics 9-12 with the value as ?1). None on an SQLite error.");

static PyObject *
scan(PyObject *self, PyObject *args)
{
    PyObject *connection, *parameters, *specs;
    const char *select_sql;
    if (!PyArg_ParseTuple(args, "OsOO", &connection, &select_sql, &parameters, &specs))
        return NULL;
    sqlite3 *db = bacpac_handle(connection);
    if (db == NULL)
        return NULL;
    PyObject *spec_list = PySequence_Fast(specs, "specs must be a sequence");
    if (spec_list == NULL)
        return NULL;
    PyObject *parameter_list = PySequence_Fast(parameters, "parameters must be a sequence");
    if (parameter_list == NULL) {
        Py_DECREF(spec_list);
        return NULL;
    }
    Py_ssize_t n_columns = PySequence_Fast_GET_SIZE(spec_list);
    Py_ssize_t n_parameters = PySequence_Fast_GET_SIZE(parameter_list);
    PyObject *result = NULL;
    sqlite3_stmt *stmt = NULL;
    column_state *columns = PyMem_Calloc(n_columns ? (size_t)n_columns : 1, sizeof(column_state));
    if (columns == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n_columns; i++)
        if (read_spec(PySequence_Fast_GET_ITEM(spec_list, i), &columns[i]) < 0)
            goto done;
    sqlite3_int64 bounds[2] = {0, 0};
    if (n_parameters > 2) {
        PyErr_SetString(PyExc_ValueError, "at most two parameters (a rowid range)");
        goto done;
    }
    for (Py_ssize_t i = 0; i < n_parameters; i++) {
        bounds[i] = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(parameter_list, i));
        if (bounds[i] == -1 && PyErr_Occurred())
            goto done;
    }

    int rc = sqlite3_prepare_v2(db, select_sql, -1, &stmt, NULL);
    if (rc != SQLITE_OK || stmt == NULL || sqlite3_column_count(stmt) != n_columns
        || sqlite3_bind_parameter_count(stmt) != n_parameters) {
        result = Py_None;           /* Python runs its SQL and reports whatever is wrong */
        Py_INCREF(result);
        goto done;
    }
    for (Py_ssize_t i = 0; i < n_parameters && rc == SQLITE_OK; i++)
        rc = sqlite3_bind_int64(stmt, (int)i + 1, bounds[i]);
    sqlite3_int64 rows = 0;
    Py_BEGIN_ALLOW_THREADS          /* only SQLite and this function's own memory from here */
    /* Holding the connection's (recursive) mutex makes the row's values safe to read with the
     * sqlite3_value_* functions, and each API call's own locking cheap. */
    sqlite3_mutex *mutex = sqlite3_db_mutex(db);
    sqlite3_mutex_enter(mutex);
    while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        rows++;
        rc = SQLITE_OK;
        for (Py_ssize_t i = 0; i < n_columns && rc == SQLITE_OK; i++)
            rc = scan_value(db, &columns[i], sqlite3_column_value(stmt, (int)i));
    }
    sqlite3_mutex_leave(mutex);
    Py_END_ALLOW_THREADS
    if (rc != SQLITE_DONE) {
        result = Py_None;
        Py_INCREF(result);
        goto done;
    }
    counter_scans++;
    counter_rows += (unsigned long long)rows;
    result = PyList_New(n_columns * N_STATS);
    if (result == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < n_columns; i++)
        for (int stat = 0; stat < N_STATS; stat++) {
            PyObject *value = stat_value(&columns[i], stat, rows);
            if (value == NULL) {
                Py_CLEAR(result);
                goto done;
            }
            PyList_SET_ITEM(result, i * N_STATS + stat, value);
        }

done:
    if (stmt != NULL)
        sqlite3_finalize(stmt);
    if (columns != NULL) {
        for (Py_ssize_t i = 0; i < n_columns; i++) {
            if (columns[i].delegate != NULL)
                sqlite3_finalize(columns[i].delegate);
            PyMem_Free(columns[i].delegate_sql);
        }
        PyMem_Free(columns);
    }
    Py_DECREF(parameter_list);
    Py_DECREF(spec_list);
    return result;
}

static PyObject *
counters(PyObject *self, PyObject *unused)
{
    return Py_BuildValue("{sKsKsK}", "scans", counter_scans, "rows", counter_rows, "delegated", counter_delegated);
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS, scan_doc},
    {"counters", counters, METH_NOARGS, "{'scans', 'rows', 'delegated' (values SQLite decided)} so far."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_scan", NULL, -1, methods};

PyMODINIT_FUNC
PyInit__scan(void)
{
    if (bacpac_handle_init() < 0)
        return NULL;
    /* Up to 3.42, atof divides the digits by an exact power of ten once (error < 2^-11 ulp here);
     * later versions multiply by 0.1 step by step: allow a wider margin there. */
    margin_divisor = sqlite3_libversion_number() < 3043000 ? 512 : 64;
    return PyModule_Create(&module);
}
