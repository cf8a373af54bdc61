/* azext_bacpac.native._encode: SQLite rows -> BCP native bytes, for export.
 *
 * An Encoder steps a SELECT on the sqlite3 handle of a Python sqlite3.Connection and writes each
 * row's BCP bytes (format doc §5) into a buffer, with no Python object per value. Each output
 * column has an op (built in Python, engines/sqlite_native.py): its type family, the SELECT column
 * it comes from, its length-prefix width and the family's parameters.
 *
 * The bytes are exactly what the pure-Python path (row mapper + format/bcp.py RowCodec) makes of
 * the same SQLite values. Every family accepts only the storage classes and text forms whose
 * Python result it reproduces; for anything else (another storage class, unusual text, a value
 * out of range, NULL in a NOT NULL fixed column) the whole row goes back to Python: read() stops
 * before it and returns it as the tuple Python's sqlite3 would have fetched, and Python maps and
 * encodes it (with its own errors), then calls read() again for the rows after it.
 */
#include "sqlite_handle.h"
#include <math.h>
#include <stdint.h>
#include <float.h>

#if !defined(__SIZEOF_INT128__)
#error "a compiler with unsigned __int128 is required (decimal magnitudes are 128-bit)"
#endif
typedef unsigned __int128 u128;

static PyObject *
new_ref(PyObject *object)               /* Py_NewRef, which Python 3.8 and 3.9 lack */
{
    Py_INCREF(object);
    return object;
}

enum { OK = 0, FALLBACK = 1, FAILED = -1 };

enum family {
    F_INT = 1,          /* tinyint smallint int bigint; a = width */
    F_BIT,
    F_REAL,             /* 4-byte float */
    F_FLOAT,            /* 8-byte float */
    F_DECIMAL,          /* a = precision, b = scale */
    F_MONEY,
    F_SMALLMONEY,
    F_TEXT,             /* UTF-16LE; a = padded length in characters (0: none), b = ASCII only */
    F_BINARY,           /* a = padded length in bytes (0: none) */
    F_GUID,
    F_DATE,
    F_TIME,
    F_DATETIME2,
    F_DATETIME,
    F_SMALLDATETIME,
    F_DATETIMEOFFSET,
    F_END
};

static const char *family_names[F_END] = {
    NULL, "int", "bit", "real", "float", "decimal", "money", "smallmoney", "text", "binary",
    "uniqueidentifier", "date", "time", "datetime2", "datetime", "smalldatetime", "datetimeoffset",
};

typedef struct {
    int family;
    int input;          /* column of the SELECT */
    int prefix;         /* length-prefix bytes: 0 or 1 for fixed families, 2, 4 or 8 for variable */
    int nullable;       /* fixed families: NULL is written as FF (else the row falls back) */
    long long a, b;     /* family parameters */
} column_op;

typedef struct {
    PyObject_HEAD
    PyObject *connection;       /* kept alive while the statement exists */
    sqlite3 *db;
    sqlite3_stmt *stmt;         /* NULL once finished or closed */
    column_op *ops;
    Py_ssize_t op_count;
    unsigned char *buf;
    size_t len, cap;
    unsigned long long rows, fallbacks;
} Encoder;

/* Module-wide counters: proof for tests that the native path ran. */
static unsigned long long total_rows = 0, total_fallbacks = 0;

/* sqlite3's exception classes, to raise what Python's sqlite3 would raise. */
static PyObject *exc_database, *exc_operational, *exc_integrity, *exc_internal, *exc_interface,
    *exc_data, *exc_programming;

/* ---- buffer --------------------------------------------------------------------------------- */

static int
reserve(Encoder *self, size_t extra)
{
    if (extra <= self->cap - self->len)
        return 0;
    if (extra > (size_t)PY_SSIZE_T_MAX - self->len) {
        PyErr_NoMemory();
        return -1;
    }
    size_t want = self->len + extra;
    size_t cap = self->cap ? self->cap : (size_t)1 << 16;
    while (cap < want)
        cap = cap > (size_t)PY_SSIZE_T_MAX / 2 ? want : cap * 2;
    unsigned char *grown = PyMem_Realloc(self->buf, cap);
    if (grown == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->buf = grown;
    self->cap = cap;
    return 0;
}

static void
put_le(unsigned char *p, uint64_t value, int width)
{
    for (int i = 0; i < width; i++)
        p[i] = (unsigned char)(value >> (8 * i));
}

/* Room for a fixed-width value and its prefix (if the column has one); the value's bytes. */
static unsigned char *
fixed_slot(Encoder *self, const column_op *op, int width)
{
    if (reserve(self, (size_t)width + 1) < 0)
        return NULL;
    unsigned char *p = self->buf + self->len;
    if (op->prefix)
        *p++ = (unsigned char)width;
    self->len += (size_t)op->prefix + (size_t)width;
    return p;
}

/* ---- numbers -------------------------------------------------------------------------------- */

static int
encode_int(Encoder *self, const column_op *op, sqlite3_stmt *st, int type)
{
    if (type != SQLITE_INTEGER)
        return FALLBACK;                /* struct.pack refuses floats and text */
    sqlite3_int64 v = sqlite3_column_int64(st, op->input);
    int width = (int)op->a;
    switch (width) {                    /* the struct formats B, h, i, q */
    case 1: if (v < 0 || v > 255) return FALLBACK; break;
    case 2: if (v < INT16_MIN || v > INT16_MAX) return FALLBACK; break;
    case 4: if (v < INT32_MIN || v > INT32_MAX) return FALLBACK; break;
    default: break;
    }
    unsigned char *p = fixed_slot(self, op, width);
    if (p == NULL)
        return FAILED;
    put_le(p, (uint64_t)v, width);      /* two's complement, modulo 2^64 */
    return OK;
}

static int
encode_bit(Encoder *self, const column_op *op, sqlite3_stmt *st, int type)
{
    if (type != SQLITE_INTEGER)
        return FALLBACK;
    unsigned char *p = fixed_slot(self, op, 1);
    if (p == NULL)
        return FAILED;
    *p = sqlite3_column_int64(st, op->input) != 0;     /* struct '?' packs truthiness */
    return OK;
}

static int
column_double(sqlite3_stmt *st, int col, int type, double *out)
{
    if (type == SQLITE_FLOAT)
        *out = sqlite3_column_double(st, col);
    else if (type == SQLITE_INTEGER)
        *out = (double)sqlite3_column_int64(st, col);  /* correctly rounded, as int.__float__ */
    else
        return FALLBACK;
    return OK;
}

static int
encode_real(Encoder *self, const column_op *op, sqlite3_stmt *st, int type)
{
    double x;
    if (column_double(st, op->input, type, &x) != OK)
        return FALLBACK;
    /* PyFloat_Pack4 raises OverflowError when a finite double rounds to infinity as a float:
     * from (2 - 2^-24) * 2^127 up (a tie rounds to even, away from FLT_MAX's odd mantissa). */
    if (isfinite(x) && fabs(x) >= 0x1.ffffffp127)
        return FALLBACK;
    float y = (float)x;
    uint32_t bits;
    memcpy(&bits, &y, sizeof bits);
    unsigned char *p = fixed_slot(self, op, 4);
    if (p == NULL)
        return FAILED;
    put_le(p, bits, 4);
    return OK;
}

static int
encode_float(Encoder *self, const column_op *op, sqlite3_stmt *st, int type)
{
    double x;
    if (column_double(st, op->input, type, &x) != OK)
        return FALLBACK;
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    unsigned char *p = fixed_slot(self, op, 8);
    if (p == NULL)
        return FAILED;
    put_le(p, bits, 8);
    return OK;
}

/* A decimal number as Python's Decimal reads it from text: sign, digits, exponent. */
typedef struct {
    int negative;
    const char *whole, *fraction;       /* digit runs (ASCII) */
    size_t whole_len, fraction_len;
    long exponent;                      /* of the last fraction digit: value = digits * 10^exponent */
} decimal_text;

#define MAX_EXPONENT 100000L

/* [-+]?digits[.digits][(e|E)[-+]digits] with at least one digit and nothing else (no spaces, no
 * underscores, no inf/nan): a subset of what Decimal() accepts, read exactly as it reads it. */
static int
parse_decimal_text(const char *s, size_t n, decimal_text *out)
{
    size_t i = 0;
    out->negative = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        out->negative = s[i++] == '-';
    out->whole = s + i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    out->whole_len = (size_t)(s + i - out->whole);
    out->fraction = s + i;
    out->fraction_len = 0;
    if (i < n && s[i] == '.') {
        out->fraction = s + ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        out->fraction_len = (size_t)(s + i - out->fraction);
    }
    if (out->whole_len + out->fraction_len == 0 || out->fraction_len > (size_t)MAX_EXPONENT)
        return FALLBACK;
    long exponent = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        int negative = 0;
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            negative = s[i++] == '-';
        size_t start = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            exponent = exponent * 10 + (s[i] - '0');
            if (exponent > MAX_EXPONENT)
                return FALLBACK;
            i++;
        }
        if (i == start)
            return FALLBACK;
        if (negative)
            exponent = -exponent;
    }
    if (i != n)
        return FALLBACK;
    out->exponent = exponent - (long)out->fraction_len;
    return OK;
}

static int
digit_at(const decimal_text *t, size_t i)
{
    return (i < t->whole_len ? t->whole[i] : t->fraction[i - t->whole_len]) - '0';
}

/* Appends a digit to `m` unless the result would reach `limit` (then FALLBACK: out of range). */
static int
push_digit(u128 *m, int digit, u128 limit)
{
    if (*m > (limit - 1) / 10)
        return FALLBACK;
    *m = *m * 10 + (u128)digit;
    return *m < limit ? OK : FALLBACK;
}

/* |value| * 10^scale rounded half up (Decimal.quantize with ROUND_HALF_UP), when below `limit`. */
static int
scaled_magnitude(const decimal_text *t, int scale, u128 limit, u128 *out)
{
    size_t count = t->whole_len + t->fraction_len;
    long shift = t->exponent + scale;   /* decimal places to move the digits left */
    u128 m = 0;
    size_t keep = count;
    if (shift < 0)
        keep = (long)count + shift > 0 ? (size_t)((long)count + shift) : 0;
    for (size_t i = 0; i < keep; i++)
        if (push_digit(&m, digit_at(t, i), limit) != OK)
            return FALLBACK;
    if (shift < 0 && (long)count + shift >= 0 && keep < count && digit_at(t, keep) >= 5) {
        m += 1;
        if (m >= limit)
            return FALLBACK;
    }
    for (long k = 0; k < shift && m != 0; k++)
        if (push_digit(&m, 0, limit) != OK)
            return FALLBACK;
    *out = m;
    return OK;
}

static size_t
significant_digits(const decimal_text *t)
{
    size_t count = t->whole_len + t->fraction_len, i = 0;
    while (i < count && digit_at(t, i) == 0)
        i++;
    return count - i;
}

static u128
power_of_ten(int n)
{
    u128 p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

/* An exactly representable double x with |x| * 10^scale < 2^50 whose value at `scale` decimal
 * places round-trips (c / 10^scale == x): then repr(x), the shortest round-tripping text, has the
 * same value, as no other multiple of 10^-scale is that close to x. Saves formatting repr(x). */
static int
double_at_scale_fast(double x, int scale, u128 *magnitude, int *negative)
{
    static const double powers[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (scale > 22 || !isfinite(x))
        return FALLBACK;
    double p = powers[scale];
    double scaled = x * p;
    if (!(fabs(scaled) < 0x1p50))
        return FALLBACK;
    double c = nearbyint(scaled);
    if (c / p != x)
        return FALLBACK;
    *negative = signbit(x) != 0;
    *magnitude = (u128)(uint64_t)fabs(c);
    return OK;
}

/* Sign and |value| * 10^scale (rounded half up) of an INTEGER, REAL or TEXT value as Python's
 * to_decimal() reads it; `max_digits` bounds the significant digits of text (0: no bound). */
static int
decimal_value(sqlite3_stmt *st, int col, int type, int scale, u128 limit, size_t max_digits,
              u128 *magnitude, int *negative)
{
    decimal_text t;
    if (type == SQLITE_INTEGER) {
        sqlite3_int64 v = sqlite3_column_int64(st, col);
        *negative = v < 0;
        u128 m = v < 0 ? (u128)(-(v + 1)) + 1 : (u128)v;      /* no overflow at INT64_MIN */
        if (m >= limit)
            return FALLBACK;
        for (int k = 0; k < scale && m != 0; k++)
            if (push_digit(&m, 0, limit) != OK)
                return FALLBACK;
        *magnitude = m;
        return OK;
    }
    if (type == SQLITE_FLOAT) {
        /* Decimal(repr(x)): the fast case first, else the repr text itself. */
        double x = sqlite3_column_double(st, col);
        if (double_at_scale_fast(x, scale, magnitude, negative) == OK)
            return *magnitude < limit ? OK : FALLBACK;
        char *text = PyOS_double_to_string(x, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
        if (text == NULL)
            return FAILED;
        int rc = parse_decimal_text(text, strlen(text), &t);
        if (rc == OK)
            rc = scaled_magnitude(&t, scale, limit, magnitude);
        PyMem_Free(text);
        *negative = t.negative;
        return rc;
    }
    if (type == SQLITE_TEXT) {
        const char *text = (const char *)sqlite3_column_text(st, col);
        int n = sqlite3_column_bytes(st, col);
        if (text == NULL || parse_decimal_text(text, (size_t)n, &t) != OK)
            return FALLBACK;
        if (max_digits && significant_digits(&t) > max_digits)
            return FALLBACK;
        *negative = t.negative;
        return scaled_magnitude(&t, scale, limit, magnitude);
    }
    return FALLBACK;                    /* a BLOB is not a number */
}

static int
encode_decimal(Encoder *self, const column_op *op, sqlite3_stmt *st, int type)
{
    int precision = (int)op->a, scale = (int)op->b, negative = 0;
    u128 magnitude = 0;
    int rc = decimal_value(st, op->input, type, scale, power_of_ten(precision), 0, &magnitude, &negative);
    if (rc != OK)
        return rc;
    unsigned char *p = fixed_slot(self, op, 19);
    if (p == NULL)
        return FAILED;
    p[0] = (unsigned char)precision;
    p[1] = (unsigned char)scale;
    p[2] = negative ? 0 : 1;            /* Decimal.is_signed(): '-0' counts as negative */
    put_le(p + 3, (uint64_t)magnitude, 8);
    put_le(p + 11, (uint64_t)(magnitude >> 64), 8);
    return OK;
}

/* money / smallmoney: value * 10 000 as a signed integer (money_to_units). Text with more than 50
 * significant digits falls back: Python scales it in a 60-digit context, which would round first. */
static int
money_units(sqlite3_stmt *st, int col, int type, int64_t low, int64_t high, int64_t *units)
{
    int negative = 0;
    u128 magnitude = 0;
    int rc = decimal_value(st, col, type, 4, (u128)1 << 64, 50, &magnitude, &negative);
    if (rc != OK)
        return rc;
    if (negative ? magnitude > (u128)(-(low + 1)) + 1 : magnitude > (u128)high)
        return FALLBACK;
    /* In range, so the negation cannot overflow: -(m - 1) - 1 also covers INT64_MIN. */
    *units = negative && magnitude ? -(int64_t)(magnitude - 1) - 1 : (int64_t)magnitude;
    return OK;
}

static int
encode_money(Encoder *self, const column_op *op, sqlite3_stmt *st, int type)
{
    /* money: 8 bytes, the high int32 first, then the low uint32; smallmoney: one int32. */
    int small = op->family == F_SMALLMONEY;
    int64_t units;
    int rc = money_units(st, op->input, type, small ? INT32_MIN : INT64_MIN, small ? INT32_MAX : INT64_MAX,
                         &units);
    if (rc != OK)
        return rc;
    unsigned char *p = fixed_slot(self, op, small ? 4 : 8);
    if (p == NULL)
        return FAILED;
    uint64_t bits = (uint64_t)units;
    if (small) {
        put_le(p, bits, 4);
    } else {
        put_le(p, bits >> 32, 4);
        put_le(p + 4, bits & 0xFFFFFFFFu, 4);
    }
    return OK;
}

/* ---- text and binary ------------------------------------------------------------------------ */

static size_t
null_marker_limit(int prefix)
{
    /* The largest length a prefix can carry that is not its all-ones NULL marker. */
    return prefix == 2 ? 0xFFFEu : prefix == 4 ? 0xFFFFFFFEu : (size_t)PY_SSIZE_T_MAX;
}

/* UTF-8 (validated as strictly as Python's decoder: no overlongs, surrogates or values past
 * U+10FFFF) to UTF-16LE at `out`; the number of bytes written, or -1 for invalid or (with
 * ascii_only) non-ASCII input. `out` has room for 2 * n bytes. */
static Py_ssize_t
utf8_to_utf16le(const unsigned char *s, size_t n, unsigned char *out, int ascii_only)
{
    unsigned char *o = out;
    size_t i = 0;
    while (i < n) {
        uint32_t c = s[i];
        if (c < 0x80) {
            o[0] = (unsigned char)c;
            o[1] = 0;
            o += 2;
            i++;
            continue;
        }
        if (ascii_only)
            return -1;
        size_t need;
        unsigned char low = 0x80, high = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
            c &= 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0) low = 0xA0;
            if (c == 0xED) high = 0x9F;     /* no surrogates */
            c &= 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0) low = 0x90;
            if (c == 0xF4) high = 0x8F;     /* nothing past U+10FFFF */
            c &= 0x07;
        } else {
            return -1;
        }
        if (n - i - 1 < need)
            return -1;
        for (size_t k = 1; k <= need; k++) {
            unsigned char b = s[i + k];
            if (b < (k == 1 ? low : 0x80) || b > (k == 1 ? high : 0xBF))
                return -1;
            c = (c << 6) | (b & 0x3F);
        }
        i += need + 1;
        if (c < 0x10000) {
            o[0] = (unsigned char)c;
            o[1] = (unsigned char)(c >> 8);
            o += 2;
        } else {
            uint32_t v = c - 0x10000;
            uint32_t hi = 0xD800 + (v >> 10), lo = 0xDC00 + (v & 0x3FF);
            o[0] = (unsigned char)hi;
            o[1] = (unsigned char)(hi >> 8);
            o[2] = (unsigned char)lo;
            o[3] = (unsigned char)(lo >> 8);
            o += 4;
        }
    }
    return o - out;
}

static int
encode_text(Encoder *self, const column_op *op, sqlite3_stmt *st, int type)
{
    if (type != SQLITE_TEXT)
        return FALLBACK;                /* an int or bytes has no .encode() */
    const unsigned char *text = sqlite3_column_text(st, op->input);
    int n = sqlite3_column_bytes(st, op->input);
    if (text == NULL && n != 0)
        return FALLBACK;
    size_t pad_bytes = 2 * (size_t)op->a;
    size_t room = 2 * (size_t)n > pad_bytes ? 2 * (size_t)n : pad_bytes;
    if (reserve(self, (size_t)op->prefix + room) < 0)
        return FAILED;
    unsigned char *start = self->buf + self->len, *value = start + op->prefix;
    Py_ssize_t size = utf8_to_utf16le(text ? text : (const unsigned char *)"", (size_t)n, value, (int)op->b);
    if (size < 0)
        return FALLBACK;
    if (pad_bytes) {                    /* char(n) / nchar(n): space-padded, never cut */
        if ((size_t)size > pad_bytes)
            return FALLBACK;
        for (size_t k = (size_t)size; k < pad_bytes; k += 2) {
            value[k] = ' ';
            value[k + 1] = 0;
        }
        size = (Py_ssize_t)pad_bytes;
    }
    if (op->prefix && (size_t)size > null_marker_limit(op->prefix))
        return FALLBACK;
    put_le(start, (uint64_t)size, op->prefix);
    self->len += (size_t)op->prefix + (size_t)size;
    return OK;
}

static int
encode_binary(Encoder *self, const column_op *op, sqlite3_stmt *st, int type)
{
    if (type != SQLITE_BLOB)
        return FALLBACK;                /* bytes(5) is five zero bytes, bytes('x') an error */
    const unsigned char *data = sqlite3_column_blob(st, op->input);
    int n = sqlite3_column_bytes(st, op->input);
    if (data == NULL && n != 0)
        return FALLBACK;
    size_t size = (size_t)n, padded = (size_t)op->a;
    if (padded) {                       /* binary(n): zero-padded, never cut */
        if (size > padded)
            return FALLBACK;
        size = padded;
    }
    if (size > null_marker_limit(op->prefix))
        return FALLBACK;
    if (reserve(self, (size_t)op->prefix + size) < 0)
        return FAILED;
    unsigned char *p = self->buf + self->len;
    put_le(p, (uint64_t)size, op->prefix);
    if (n)
        memcpy(p + op->prefix, data, (size_t)n);
    memset(p + op->prefix + n, 0, size - (size_t)n);
    self->len += (size_t)op->prefix + size;
    return OK;
}

static int
hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int
encode_guid(Encoder *self, const column_op *op, sqlite3_stmt *st, int type)
{
    if (type != SQLITE_TEXT)
        return FALLBACK;
    const unsigned char *s = sqlite3_column_text(st, op->input);
    int n = sqlite3_column_bytes(st, op->input);
    if (s == NULL || n != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
        return FALLBACK;                /* canonical 8-4-4-4-12 only; uuid.UUID reads more forms */
    unsigned char big[16];              /* the UUID's bytes in text order */
    int k = 0;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            continue;
        int high = hex_value(s[i]), low = hex_value(s[i + 1]);
        if (high < 0 || low < 0)
            return FALLBACK;
        big[k++] = (unsigned char)(high << 4 | low);
        i++;
    }
    unsigned char *p = fixed_slot(self, op, 16);
    if (p == NULL)
        return FAILED;
    /* bytes_le: the first three groups little-endian, the last eight bytes as they are. */
    static const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    for (int i = 0; i < 16; i++)
        p[i] = big[order[i]];
    return OK;
}

/* ---- dates and times ------------------------------------------------------------------------ */

#define HUNDRED_NS_PER_SECOND 10000000LL
#define SECONDS_PER_DAY 86400LL

static int
is_leap(int year)
{
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

static int
days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

/* Days since 0001-01-01 of a valid proleptic Gregorian date (date.toordinal() - 1). */
static long
days_since_0001(int year, int month, int day)
{
    static const int before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    long y = year - 1;
    long days = y * 365 + y / 4 - y / 100 + y / 400 + before[month - 1] + day - 1;
    if (month > 2 && is_leap(year))
        days++;
    return days;
}

#define DAYS_0001_TO_1900 693595L       /* date(1900, 1, 1).toordinal() - 1 */
#define LAST_DAY_SINCE_0001 3652058L    /* 9999-12-31 */

/* `count` ASCII digits at s as a number, or -1. */
static long
digits(const unsigned char *s, int count)
{
    long v = 0;
    for (int i = 0; i < count; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

typedef struct {
    int year, month, day, hour, minute, second;
    long hundred_ns;                    /* the fraction of the second, 7 digits */
    int has_zone, offset_minutes;
} timestamp;

/* 'YYYY-MM-DD' at s (n >= 10), valid as datetime.date checks it. */
static int
parse_date_part(const unsigned char *s, timestamp *t)
{
    long year = digits(s, 4), month = digits(s + 5, 2), day = digits(s + 8, 2);
    if (s[4] != '-' || s[7] != '-' || year < 1 || month < 1 || month > 12 || day < 1
            || day > days_in_month((int)year, (int)month))
        return FALLBACK;
    t->year = (int)year;
    t->month = (int)month;
    t->day = (int)day;
    return OK;
}

/* '.f+' fraction digits at s[0..n): 100 ns units; digits past the seventh must be zeros (Python's
 * _hundred_ns raises otherwise). `max_digits` 0 allows any count. */
static int
parse_fraction(const unsigned char *s, size_t n, size_t max_digits, long *hundred_ns)
{
    if (n == 0 || (max_digits && n > max_digits))
        return FALLBACK;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return FALLBACK;
        if (i < 7)
            v = v * 10 + (s[i] - '0');
        else if (s[i] != '0')
            return FALLBACK;
    }
    for (size_t i = n; i < 7; i++)
        v *= 10;
    *hundred_ns = v;
    return OK;
}

/* 'HH:MM:SS' at s, valid as datetime.time checks it. */
static int
parse_clock(const unsigned char *s, timestamp *t)
{
    long hour = digits(s, 2), minute = digits(s + 3, 2), second = digits(s + 6, 2);
    if (s[2] != ':' || s[5] != ':' || hour < 0 || hour > 23 || minute < 0 || minute > 59
            || second < 0 || second > 59)
        return FALLBACK;
    t->hour = (int)hour;
    t->minute = (int)minute;
    t->second = (int)second;
    return OK;
}

/* Text of a naive date/time column, in the forms where Python's parse_naive_datetime surely
 * gives this value: 'YYYY-MM-DD' (midnight) and 'YYYY-MM-DD HH:MM:SS[.f+]'. `max_fraction`
 * 0 allows any number of fraction digits (zeros past the seventh). */
static int
parse_naive(const unsigned char *s, size_t n, size_t max_fraction, timestamp *t)
{
    memset(t, 0, sizeof *t);
    if (n < 10 || parse_date_part(s, t) != OK)
        return FALLBACK;
    if (n == 10)
        return OK;
    if (n < 19 || s[10] != ' ' || parse_clock(s + 11, t) != OK)
        return FALLBACK;
    if (n == 19)
        return OK;
    if (s[19] != '.')
        return FALLBACK;
    return parse_fraction(s + 20, n - 20, max_fraction, &t->hundred_ns);
}

/* Text of a datetimeoffset column: what parse_datetime's pattern reads, with ASCII digits and
 * spaces only: YYYY-MM-DD[(T| )HH:MM[:SS[.f+]]][ *][Z|(+|-)HH[:]MM]. */
static int
parse_with_zone(const unsigned char *s, size_t n, timestamp *t)
{
    memset(t, 0, sizeof *t);
    if (n < 10 || parse_date_part(s, t) != OK)
        return FALLBACK;
    size_t i = 10;
    if (n >= 16 && (s[10] == 'T' || s[10] == ' ') && s[13] == ':') {
        long hour = digits(s + 11, 2), minute = digits(s + 14, 2);
        if (hour < 0 || minute < 0)
            return FALLBACK;
        t->hour = (int)hour;
        t->minute = (int)minute;
        i = 16;
        if (n >= 19 && s[16] == ':') {
            long second = digits(s + 17, 2);
            if (second < 0)
                return FALLBACK;
            t->second = (int)second;
            i = 19;
            if (i < n && s[i] == '.') {
                size_t start = ++i;
                while (i < n && s[i] >= '0' && s[i] <= '9')
                    i++;
                if (parse_fraction(s + start, i - start, 0, &t->hundred_ns) != OK)
                    return FALLBACK;
            }
        }
        if (t->hour > 23 || t->minute > 59 || t->second > 59)
            return FALLBACK;
    }
    while (i < n && s[i] == ' ')
        i++;
    if (i < n && s[i] == 'Z') {
        t->has_zone = 1;
        i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        int sign = s[i] == '-' ? -1 : 1;
        long hours = n - i >= 3 ? digits(s + i + 1, 2) : -1;
        if (hours < 0)
            return FALLBACK;
        i += 3;
        if (i < n && s[i] == ':')
            i++;
        long minutes = n - i >= 2 ? digits(s + i, 2) : -1;
        if (minutes < 0)
            return FALLBACK;
        i += 2;
        t->has_zone = 1;
        t->offset_minutes = sign * (int)(hours * 60 + minutes);
    }
    return i == n ? OK : FALLBACK;
}

static int
column_text(sqlite3_stmt *st, int col, int type, const unsigned char **s, size_t *n)
{
    if (type != SQLITE_TEXT)
        return FALLBACK;
    *s = sqlite3_column_text(st, col);
    *n = (size_t)sqlite3_column_bytes(st, col);
    return *s == NULL ? FALLBACK : OK;
}

static long long
clock_hundred_ns(const timestamp *t)
{
    return ((t->hour * 60LL + t->minute) * 60 + t->second) * HUNDRED_NS_PER_SECOND + t->hundred_ns;
}

static int
encode_date(Encoder *self, const column_op *op, sqlite3_stmt *st, int type)
{
    const unsigned char *s;
    size_t n;
    timestamp t;
    if (column_text(st, op->input, type, &s, &n) != OK || n != 10 || parse_naive(s, n, 7, &t) != OK)
        return FALLBACK;
    unsigned char *p = fixed_slot(self, op, 3);
    if (p == NULL)
        return FAILED;
    put_le(p, (uint64_t)days_since_0001(t.year, t.month, t.day), 3);
    return OK;
}

static int
encode_time(Encoder *self, const column_op *op, sqlite3_stmt *st, int type)
{
    /* parse_time: HH:MM[:SS[.f+]] */
    const unsigned char *s;
    size_t n;
    timestamp t;
    memset(&t, 0, sizeof t);
    if (column_text(st, op->input, type, &s, &n) != OK || n < 5)
        return FALLBACK;
    long hour = digits(s, 2), minute = digits(s + 3, 2), second = 0;
    if (s[2] != ':' || hour < 0 || hour > 23 || minute < 0 || minute > 59)
        return FALLBACK;
    if (n > 5) {
        if (n < 8 || s[5] != ':' || (second = digits(s + 6, 2)) < 0 || second > 59)
            return FALLBACK;
        if (n > 8 && (s[8] != '.' || parse_fraction(s + 9, n - 9, 0, &t.hundred_ns) != OK))
            return FALLBACK;
    }
    t.hour = (int)hour;
    t.minute = (int)minute;
    t.second = (int)second;
    unsigned char *p = fixed_slot(self, op, 5);
    if (p == NULL)
        return FAILED;
    put_le(p, (uint64_t)clock_hundred_ns(&t), 5);
    return OK;
}

static int
encode_datetime2(Encoder *self, const column_op *op, sqlite3_stmt *st, int type)
{
    /* datetime2_text_bytes: 'YYYY-MM-DD HH:MM:SS[.f{1,7}]' */
    const unsigned char *s;
    size_t n;
    timestamp t;
    if (column_text(st, op->input, type, &s, &n) != OK || n < 19 || parse_naive(s, n, 7, &t) != OK)
        return FALLBACK;
    unsigned char *p = fixed_slot(self, op, 8);
    if (p == NULL)
        return FAILED;
    put_le(p, (uint64_t)clock_hundred_ns(&t), 5);
    put_le(p + 5, (uint64_t)days_since_0001(t.year, t.month, t.day), 3);
    return OK;
}

static int
encode_datetime(Encoder *self, const column_op *op, sqlite3_stmt *st, int type)
{
    const unsigned char *s;
    size_t n;
    timestamp t;
    if (column_text(st, op->input, type, &s, &n) != OK || parse_naive(s, n, 0, &t) != OK)
        return FALLBACK;
    /* _encode_datetime: whole microseconds to 1/300 s ticks, rounded; a day's end rolls over. */
    long days = days_since_0001(t.year, t.month, t.day) - DAYS_0001_TO_1900;
    long long microseconds = (t.hour * 3600LL + t.minute * 60 + t.second) * 1000000 + t.hundred_ns / 10;
    long long ticks = (microseconds * 3 + 5000) / 10000;
    if (ticks >= SECONDS_PER_DAY * 300) {
        days += 1;
        ticks -= SECONDS_PER_DAY * 300;
    }
    unsigned char *p = fixed_slot(self, op, 8);
    if (p == NULL)
        return FAILED;
    put_le(p, (uint64_t)(int64_t)days, 4);
    put_le(p + 4, (uint64_t)ticks, 4);
    return OK;
}

static int
encode_smalldatetime(Encoder *self, const column_op *op, sqlite3_stmt *st, int type)
{
    const unsigned char *s;
    size_t n;
    timestamp t;
    if (column_text(st, op->input, type, &s, &n) != OK || parse_naive(s, n, 0, &t) != OK)
        return FALLBACK;
    /* _encode_smalldatetime: whole seconds to minutes, rounded; uint16 days since 1900. */
    long days = days_since_0001(t.year, t.month, t.day) - DAYS_0001_TO_1900;
    long minutes = (t.hour * 3600L + t.minute * 60 + t.second + 30) / 60;
    if (minutes >= 1440) {
        days += 1;
        minutes -= 1440;
    }
    if (days < 0 || days > 0xFFFF)
        return FALLBACK;
    unsigned char *p = fixed_slot(self, op, 4);
    if (p == NULL)
        return FAILED;
    put_le(p, (uint64_t)days, 2);
    put_le(p + 2, (uint64_t)minutes, 2);
    return OK;
}

static int
encode_datetimeoffset(Encoder *self, const column_op *op, sqlite3_stmt *st, int type)
{
    const unsigned char *s;
    size_t n;
    timestamp t;
    if (column_text(st, op->input, type, &s, &n) != OK || parse_with_zone(s, n, &t) != OK)
        return FALLBACK;
    if (t.offset_minutes <= -1440 || t.offset_minutes >= 1440)
        return FALLBACK;                /* datetime.timezone needs |offset| < 24 h */
    /* UTC date and time: local time minus the offset, inside 0001-01-01 .. 9999-12-31. */
    long long seconds = days_since_0001(t.year, t.month, t.day) * SECONDS_PER_DAY
        + t.hour * 3600LL + t.minute * 60 + t.second - t.offset_minutes * 60LL;
    if (seconds < 0)
        return FALLBACK;
    long long days = seconds / SECONDS_PER_DAY, second_of_day = seconds % SECONDS_PER_DAY;
    if (days > LAST_DAY_SINCE_0001)
        return FALLBACK;
    unsigned char *p = fixed_slot(self, op, 10);
    if (p == NULL)
        return FAILED;
    put_le(p, (uint64_t)(second_of_day * HUNDRED_NS_PER_SECOND + t.hundred_ns), 5);
    put_le(p + 5, (uint64_t)days, 3);
    put_le(p + 8, (uint64_t)(int64_t)t.offset_minutes, 2);
    return OK;
}

typedef int (*encode_fn)(Encoder *, const column_op *, sqlite3_stmt *, int);

static const encode_fn encoders[F_END] = {
    NULL, encode_int, encode_bit, encode_real, encode_float, encode_decimal, encode_money,
    encode_money, encode_text, encode_binary, encode_guid, encode_date, encode_time,
    encode_datetime2, encode_datetime, encode_smalldatetime, encode_datetimeoffset,
};

/* ---- rows ----------------------------------------------------------------------------------- */

static int
encode_null(Encoder *self, const column_op *op)
{
    if (op->prefix >= 2) {              /* variable: the all-ones prefix, nullable or not */
        if (reserve(self, (size_t)op->prefix) < 0)
            return FAILED;
        memset(self->buf + self->len, 0xFF, (size_t)op->prefix);
        self->len += (size_t)op->prefix;
        return OK;
    }
    if (op->prefix == 0 || !op->nullable)
        return FALLBACK;                /* Python names the NOT NULL column */
    if (reserve(self, 1) < 0)
        return FAILED;
    self->buf[self->len++] = 0xFF;
    return OK;
}

static int
encode_row(Encoder *self)
{
    for (Py_ssize_t i = 0; i < self->op_count; i++) {
        const column_op *op = &self->ops[i];
        int type = sqlite3_column_type(self->stmt, op->input);
        int rc = type == SQLITE_NULL ? encode_null(self, op) : encoders[op->family](self, op, self->stmt, type);
        if (rc != OK)
            return rc;
    }
    return OK;
}

static void
set_sqlite_error(sqlite3 *db)
{
    /* The exception class Python's sqlite3 (3.11) picks for the primary result code. */
    int code = sqlite3_errcode(db) & 0xFF;
    PyObject *cls;
    switch (code) {
    case SQLITE_NOMEM:
        PyErr_NoMemory();
        return;
    case SQLITE_INTERNAL: case SQLITE_NOTFOUND:
        cls = exc_internal; break;
    case SQLITE_ERROR: case SQLITE_PERM: case SQLITE_ABORT: case SQLITE_BUSY: case SQLITE_LOCKED:
    case SQLITE_READONLY: case SQLITE_INTERRUPT: case SQLITE_IOERR: case SQLITE_FULL:
    case SQLITE_CANTOPEN: case SQLITE_PROTOCOL: case SQLITE_EMPTY: case SQLITE_SCHEMA:
        cls = exc_operational; break;
    case SQLITE_TOOBIG:
        cls = exc_data; break;
    case SQLITE_CONSTRAINT: case SQLITE_MISMATCH:
        cls = exc_integrity; break;
    case SQLITE_MISUSE: case SQLITE_RANGE:
        cls = exc_interface; break;
    default:
        cls = exc_database; break;
    }
    PyErr_SetString(cls, sqlite3_errmsg(db));
}

/* The current row as Python's sqlite3 fetches it (default text_factory): a tuple of int, float,
 * str, bytes and None; undecodable text raises its OperationalError. */
static PyObject *
row_tuple(Encoder *self)
{
    sqlite3_stmt *st = self->stmt;
    int count = sqlite3_column_count(st);
    PyObject *row = PyTuple_New(count);
    if (row == NULL)
        return NULL;
    for (int i = 0; i < count; i++) {
        PyObject *value;
        int type = sqlite3_column_type(st, i);
        if (type == SQLITE_NULL) {
            value = new_ref(Py_None);
        } else if (type == SQLITE_INTEGER) {
            value = PyLong_FromLongLong(sqlite3_column_int64(st, i));
        } else if (type == SQLITE_FLOAT) {
            value = PyFloat_FromDouble(sqlite3_column_double(st, i));
        } else if (type == SQLITE_TEXT) {
            const char *text = (const char *)sqlite3_column_blob(st, i);
            if (text == NULL && sqlite3_errcode(self->db) == SQLITE_NOMEM) {
                Py_DECREF(row);
                return PyErr_NoMemory();
            }
            int n = sqlite3_column_bytes(st, i);
            value = PyUnicode_DecodeUTF8(text ? text : "", n, NULL);
            if (value == NULL && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
                /* Python's sqlite3 reports the column and (as far as it goes) the text. */
                char message[200];
                PyErr_Clear();
                const char *name = sqlite3_column_name(st, i);
                PyOS_snprintf(message, sizeof message - 1, "Could not decode to UTF-8 column '%s' with text '%.*s'",
                              name ? name : "?", n, text ? text : "");
                message[sizeof message - 1] = 0;
                PyObject *shown = PyUnicode_DecodeASCII(message, (Py_ssize_t)strlen(message), "replace");
                if (shown != NULL) {
                    PyErr_SetObject(exc_operational, shown);
                    Py_DECREF(shown);
                }
            }
        } else {
            const char *blob = sqlite3_column_blob(st, i);
            if (blob == NULL && sqlite3_errcode(self->db) == SQLITE_NOMEM) {
                Py_DECREF(row);
                return PyErr_NoMemory();
            }
            value = PyBytes_FromStringAndSize(blob, sqlite3_column_bytes(st, i));
        }
        if (value == NULL) {
            Py_DECREF(row);
            return NULL;
        }
        PyTuple_SET_ITEM(row, i, value);
    }
    return row;
}

/* ---- the Encoder type ----------------------------------------------------------------------- */

static void
finish_statement(Encoder *self)
{
    if (self->stmt != NULL) {
        sqlite3_finalize(self->stmt);
        self->stmt = NULL;
    }
}

static int
parse_op(PyObject *item, column_op *op, int columns)
{
    if (!PyArg_ParseTuple(item, "iiiiLL;an op is (family, input, prefix, nullable, a, b)", &op->family,
                          &op->input, &op->prefix, &op->nullable, &op->a, &op->b))
        return -1;
    int f = op->family;
    if (f <= 0 || f >= F_END || op->input < 0 || op->input >= columns) {
        PyErr_SetString(PyExc_ValueError, "an op names an unknown family or a column the statement lacks");
        return -1;
    }
    int variable = f == F_TEXT || f == F_BINARY;
    int prefix_ok = variable ? (op->prefix == 2 || op->prefix == 4 || op->prefix == 8
                                || (f == F_TEXT && op->prefix == 0 && op->a > 0))
                             : (op->prefix == 0 || op->prefix == 1) && (!op->nullable || op->prefix == 1);
    int params_ok = 1;
    if (f == F_INT)
        params_ok = op->a == 1 || op->a == 2 || op->a == 4 || op->a == 8;
    else if (f == F_DECIMAL)
        params_ok = op->a >= 1 && op->a <= 38 && op->b >= 0 && op->b <= op->a;
    else if (f == F_TEXT)
        params_ok = op->a >= 0 && op->a <= 1 << 20 && (op->b == 0 || op->b == 1);
    else if (f == F_BINARY)
        params_ok = op->a >= 0 && op->a <= 1 << 20;
    if (!prefix_ok || !params_ok) {
        PyErr_Format(PyExc_ValueError, "bad op for family %s", family_names[f]);
        return -1;
    }
    return 0;
}

static int
Encoder_init(Encoder *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"connection", "sql", "ops", NULL};
    PyObject *connection, *ops;
    const char *sql;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OsO:Encoder", keywords, &connection, &sql, &ops))
        return -1;
    if (self->connection != NULL) {
        PyErr_SetString(PyExc_TypeError, "an Encoder is initialised once");
        return -1;
    }
    sqlite3 *db = bacpac_handle(connection);
    if (db == NULL)
        return -1;
    PyObject *items = PySequence_Fast(ops, "ops must be a sequence");
    if (items == NULL)
        return -1;
    sqlite3_stmt *stmt = NULL;
    const char *tail = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, &tail) != SQLITE_OK) {
        set_sqlite_error(db);
        Py_DECREF(items);
        return -1;
    }
    if (stmt == NULL || (tail != NULL && *tail != '\0')) {
        sqlite3_finalize(stmt);
        Py_DECREF(items);
        PyErr_SetString(PyExc_ValueError, "sql must be one statement");
        return -1;
    }
    Py_ssize_t count = PySequence_Fast_GET_SIZE(items);
    column_op *parsed = PyMem_Calloc(count ? (size_t)count : 1, sizeof(column_op));
    if (parsed == NULL) {
        sqlite3_finalize(stmt);
        Py_DECREF(items);
        PyErr_NoMemory();
        return -1;
    }
    int columns = sqlite3_column_count(stmt);
    for (Py_ssize_t i = 0; i < count; i++) {
        if (parse_op(PySequence_Fast_GET_ITEM(items, i), &parsed[i], columns) < 0) {
            PyMem_Free(parsed);
            sqlite3_finalize(stmt);
            Py_DECREF(items);
            return -1;
        }
    }
    Py_DECREF(items);
    self->connection = new_ref(connection);
    self->db = db;
    self->stmt = stmt;
    self->ops = parsed;
    self->op_count = count;
    return 0;
}

static void
Encoder_dealloc(Encoder *self)
{
    finish_statement(self);
    PyMem_Free(self->ops);
    PyMem_Free(self->buf);
    Py_XDECREF(self->connection);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Encoder_read(Encoder *self, PyObject *arg)
{
    Py_ssize_t max_rows = PyLong_AsSsize_t(arg);
    if (max_rows == -1 && PyErr_Occurred())
        return NULL;
    if (self->connection == NULL) {
        PyErr_SetString(PyExc_ValueError, "the Encoder is not initialised");
        return NULL;
    }
    if (self->stmt != NULL && ((bacpac_connection_head *)self->connection)->db != self->db) {
        PyErr_SetString(exc_programming, "Cannot operate on a closed database.");
        return NULL;
    }
    Py_ssize_t rows = 0;
    PyObject *fallback = NULL;
    self->len = 0;
    while (self->stmt != NULL && rows < max_rows) {
        int rc = sqlite3_step(self->stmt);
        if (rc == SQLITE_DONE) {
            finish_statement(self);
            break;
        }
        if (rc != SQLITE_ROW) {
            set_sqlite_error(self->db);
            finish_statement(self);
            return NULL;
        }
        size_t row_start = self->len;
        rc = encode_row(self);
        if (rc == FAILED)
            return NULL;
        if (rc == FALLBACK) {
            self->len = row_start;
            self->fallbacks++;
            total_fallbacks++;
            fallback = row_tuple(self);
            if (fallback == NULL)
                return NULL;
            break;
        }
        rows++;
    }
    self->rows += (unsigned long long)rows;
    total_rows += (unsigned long long)rows;
    PyObject *data = PyBytes_FromStringAndSize((const char *)self->buf, (Py_ssize_t)self->len);
    if (data == NULL) {
        Py_XDECREF(fallback);
        return NULL;
    }
    return Py_BuildValue("(NnN)", data, rows, fallback ? fallback : new_ref(Py_None));
}

static PyObject *
Encoder_close(Encoder *self, PyObject *Py_UNUSED(ignored))
{
    finish_statement(self);
    Py_RETURN_NONE;
}

static PyObject *
Encoder_get_finished(Encoder *self, void *Py_UNUSED(closure))
{
    return PyBool_FromLong(self->stmt == NULL);
}

static PyObject *
Encoder_get_rows(Encoder *self, void *Py_UNUSED(closure))
{
    return PyLong_FromUnsignedLongLong(self->rows);
}

static PyObject *
Encoder_get_fallbacks(Encoder *self, void *Py_UNUSED(closure))
{
    return PyLong_FromUnsignedLongLong(self->fallbacks);
}

static PyMethodDef Encoder_methods[] = {
    {"read", (PyCFunction)Encoder_read, METH_O,
     "read(max_rows) -> (bcp_bytes, rows, fallback): the BCP bytes of up to max_rows whole rows, "
     "stopping early at the end (then fallback is None and rows < max_rows) or before a row that "
     "Python must encode (fallback: that row, already read, as Python's sqlite3 gives it)."},
    {"close", (PyCFunction)Encoder_close, METH_NOARGS, "Finalize the statement."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Encoder_getset[] = {
    {"finished", (getter)Encoder_get_finished, NULL, "No more rows (or closed).", NULL},
    {"rows", (getter)Encoder_get_rows, NULL, "Rows encoded here.", NULL},
    {"fallbacks", (getter)Encoder_get_fallbacks, NULL, "Rows handed back to Python.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject EncoderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "azext_bacpac.native._encode.Encoder",
    .tp_basicsize = sizeof(Encoder),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Encoder(connection, sql, ops): a SELECT's rows as BCP native bytes.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Encoder_init,
    .tp_dealloc = (destructor)Encoder_dealloc,
    .tp_methods = Encoder_methods,
    .tp_getset = Encoder_getset,
};

static PyObject *
stats(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return Py_BuildValue("{sKsK}", "rows", total_rows, "fallbacks", total_fallbacks);
}

static PyMethodDef methods[] = {
    {"stats", stats, METH_NOARGS, "Rows encoded natively and rows handed back, in this process."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_encode", NULL, -1, methods};

static int
load_exceptions(void)
{
    PyObject *sqlite = PyImport_ImportModule("_sqlite3");
    if (sqlite == NULL)
        return -1;
    struct { PyObject **slot; const char *name; } wanted[] = {
        {&exc_database, "DatabaseError"}, {&exc_operational, "OperationalError"},
        {&exc_integrity, "IntegrityError"}, {&exc_internal, "InternalError"},
        {&exc_interface, "InterfaceError"}, {&exc_data, "DataError"},
        {&exc_programming, "ProgrammingError"},
    };
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
        *wanted[i].slot = PyObject_GetAttrString(sqlite, wanted[i].name);
        if (*wanted[i].slot == NULL) {
            Py_DECREF(sqlite);
            return -1;
        }
    }
    Py_DECREF(sqlite);
    return 0;
}

PyMODINIT_FUNC
PyInit__encode(void)
{
    if (bacpac_handle_init() < 0 || load_exceptions() < 0 || PyType_Ready(&EncoderType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    PyObject *families = PyDict_New();
    int failed = families == NULL;
    for (int f = 1; !failed && f < F_END; f++) {
        PyObject *code = PyLong_FromLong(f);
        failed = code == NULL || PyDict_SetItemString(families, family_names[f], code) < 0;
        Py_XDECREF(code);
    }
    if (failed || PyModule_AddObject(m, "FAMILIES", families) < 0) {
        Py_XDECREF(families);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&EncoderType);
    if (PyModule_AddObject(m, "Encoder", (PyObject *)&EncoderType) < 0) {
        Py_DECREF(&EncoderType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
