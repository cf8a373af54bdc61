/* azext_bacpac.native._load: BCP native rows straight into a SQLite table (the import hot loop).
 *
 * A Loader holds one prepared INSERT on the handle of the import's Python sqlite3.Connection (it
 * runs inside the transaction the Python side opened) and a per-column op table built in Python
 * from the table plan (engines/sqlite_native_import.py): how the value is framed in the BCP row
 * (the same framing format/bcp.py compiles) and which SQLite value it becomes (the value the
 * Python path binds: engines/sqlite_types.py import_adapter / import_raw_decoder).
 *
 * Loader.load(buffer, pos) decodes whole rows from buffer[pos:], binds and steps each, and stops
 * BEFORE the first row it cannot store exactly as the Python path would: a row the buffer ends
 * inside of, an impossible length prefix, odd or unpaired UTF-16, an impossible date, a number
 * SQLite cannot hold, a row SQLite refuses. It returns (position reached, rows inserted, None);
 * the caller hands buffer[position:] to the Python decoder, which then produces the same rows or
 * the same error as without this module. Every read is checked against the buffer's end.
 *
 * The GIL is released while rows are decoded and inserted (only C data is touched then), so a
 * thread that inflates the next part can run meanwhile.
 */
#include "sqlite_handle.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* ---- the op table (values given by engines/sqlite_native_import.py) ---------------------------- */

enum framing {
    FRAME_FIXED = 0,          /* NOT NULL fixed-width value, no prefix */
    FRAME_BYTE_PREFIX = 1,    /* 1-byte prefix: the value width, or 255 for NULL (nullable only) */
    FRAME_LENGTH = 2,         /* 2/4/8-byte length prefix, all ones for NULL, at most `limit` bytes */
};

enum family {
    F_UINT8 = 0,        /* tinyint */
    F_INT16 = 1,
    F_INT32 = 2,
    F_INT64 = 3,
    F_BIT = 4,          /* any non-zero byte is 1 */
    F_REAL = 5,         /* float32 -> REAL */
    F_FLOAT = 6,        /* float64 -> REAL */
    F_MONEY = 7,        /* high int32, low uint32 -> a number (number_cell) of 4 decimals */
    F_SMALLMONEY = 8,   /* int32 units -> a number (number_cell) of 4 decimals */
    F_DECIMAL_INT = 9,  /* decimal(p<=18, 0) -> INTEGER (truncated as int(Decimal) does) */
    F_DECIMAL_TEXT = 10,/* other decimal/numeric -> a number (number_cell) at the stored scale */
    F_DATE = 11,
    F_TIME = 12,
    F_DATETIME2 = 13,
    F_DATETIMEOFFSET = 14,
    F_DATETIME = 15,
    F_SMALLDATETIME = 16,
    F_GUID = 17,        /* upper-case canonical text */
    F_TEXT = 18,        /* UTF-16LE -> UTF-8 text */
    F_BLOB = 19,
    F_COUNT
};

typedef struct {
    int family;
    int framing;
    int prefix;          /* FRAME_LENGTH: prefix bytes (2, 4 or 8) */
    int nullable;
    int scale;           /* time, datetime2, datetimeoffset: the column's scale (0-7); decimal: 0-38 */
    Py_ssize_t width;    /* FRAME_FIXED / FRAME_BYTE_PREFIX: value bytes */
    uint64_t limit;      /* FRAME_LENGTH: the largest length a well-formed row declares;
                            decimal: the column's precision (1-38) */
} column_op;

/* The fixed width each family's value has in BCP (0: length-prefixed or any width). */
static const Py_ssize_t family_width[F_COUNT] = {
    [F_UINT8] = 1, [F_INT16] = 2, [F_INT32] = 4, [F_INT64] = 8, [F_BIT] = 1, [F_REAL] = 4,
    [F_FLOAT] = 8, [F_MONEY] = 8, [F_SMALLMONEY] = 4, [F_DECIMAL_INT] = 19, [F_DECIMAL_TEXT] = 19,
    [F_DATE] = 3, [F_TIME] = 5, [F_DATETIME2] = 8, [F_DATETIMEOFFSET] = 10, [F_DATETIME] = 8,
    [F_SMALLDATETIME] = 4, [F_GUID] = 16, [F_TEXT] = 0, [F_BLOB] = 0,
};

/* ---- one decoded value, bound after the whole row decoded ------------------------------------- */

enum cell_kind { CELL_NULL, CELL_INT, CELL_DOUBLE, CELL_TEXT_SMALL, CELL_TEXT_ARENA, CELL_BLOB };

#define SMALL_TEXT 320    /* decimal text at scale 255 is at most 1 + 255 + 1 + 39 characters */

typedef struct {
    int kind;
    int64_t integer;
    double real;
    const unsigned char *bytes;  /* CELL_BLOB: into the caller's buffer */
    size_t arena_offset;         /* CELL_TEXT_ARENA */
    size_t length;
    char small[SMALL_TEXT];
} cell;

typedef enum { ROW_OK, ROW_STOP } row_result;

/* ---- little-endian reads (callers check the bounds) ------------------------------------------- */

static uint64_t
read_le(const unsigned char *p, int bytes)
{
    uint64_t value = 0;
    for (int i = bytes - 1; i >= 0; i--)
        value = (value << 8) | p[i];
    return value;
}

/* ---- text forms ------------------------------------------------------------------------------- */

#define HUNDRED_NS_PER_SECOND 10000000LL
#define HUNDRED_NS_PER_DAY (86400LL * HUNDRED_NS_PER_SECOND)
#define MAX_DAYS_SINCE_0001 3652058        /* 9999-12-31 */
#define DAYS_0001_TO_1900 693595           /* date(1900, 1, 1).toordinal() - 1 */
#define DAYS_0001_TO_1970 719162

static size_t
put_digits(char *out, uint64_t value, int width)
{
    /* value as decimal, zero-padded to at least `width` digits */
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    while (n < width)
        tmp[n++] = '0';
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return (size_t)n;
}

/* 'YYYY-MM-DD' of a day count since 0001-01-01 (proleptic Gregorian; H. Hinnant's civil_from_days). */
static size_t
put_date(char *out, int64_t days_since_0001)
{
    int64_t z = days_since_0001 - DAYS_0001_TO_1970 + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t day_of_era = z - era * 146097;
    int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t mp = (5 * day_of_year + 2) / 153;
    int64_t day = day_of_year - (153 * mp + 2) / 5 + 1;
    int64_t month = mp < 10 ? mp + 3 : mp - 9;
    int64_t year = year_of_era + era * 400 + (month <= 2);
    size_t n = put_digits(out, (uint64_t)year, 4);
    out[n++] = '-';
    n += put_digits(out + n, (uint64_t)month, 2);
    out[n++] = '-';
    n += put_digits(out + n, (uint64_t)day, 2);
    return n;
}

/* '.fffffff' cut to `scale` digits, or longer when the value has more non-zero digits
 * (sqlite_types._fraction); nothing for a zero fraction at scale 0. */
static size_t
put_fraction(char *out, int64_t hundred_ns, int scale)
{
    size_t n = 0;
    if (hundred_ns == 0) {
        if (scale) {
            out[n++] = '.';
            for (int i = 0; i < scale; i++)
                out[n++] = '0';
        }
        return n;
    }
    char digits[8];
    put_digits(digits, (uint64_t)hundred_ns, 7);
    int significant = 7;
    while (significant > 0 && digits[significant - 1] == '0')
        significant--;
    int keep = significant > scale ? significant : scale;
    out[n++] = '.';
    for (int i = 0; i < keep; i++)
        out[n++] = digits[i];
    return n;
}

/* 'HH:MM:SS' + fraction of a time of day in 100 ns units (below one day). */
static size_t
put_clock(char *out, int64_t hundred_ns, int scale)
{
    int64_t seconds = hundred_ns / HUNDRED_NS_PER_SECOND;
    size_t n = put_digits(out, (uint64_t)(seconds / 3600), 2);
    out[n++] = ':';
    n += put_digits(out + n, (uint64_t)(seconds / 60 % 60), 2);
    out[n++] = ':';
    n += put_digits(out + n, (uint64_t)(seconds % 60), 2);
    return n + put_fraction(out + n, hundred_ns % HUNDRED_NS_PER_SECOND, scale);
}

static size_t
put_datetime(char *out, int64_t days_since_0001, int64_t hundred_ns, int scale)
{
    size_t n = put_date(out, days_since_0001);
    out[n++] = ' ';
    return n + put_clock(out + n, hundred_ns, scale);
}

/* Exact text of units / 10**4 (money), as format(Decimal(units).scaleb(-4), 'f') writes it. */
static size_t
put_money(char *out, int64_t units)
{
    uint64_t magnitude = units < 0 ? (uint64_t)0 - (uint64_t)units : (uint64_t)units;
    size_t n = 0;
    if (units < 0)
        out[n++] = '-';
    n += put_digits(out + n, magnitude / 10000, 1);
    out[n++] = '.';
    return n + put_digits(out + n, magnitude % 10000, 4);
}

/* The decimal digits of a 128-bit little-endian magnitude; returns the digit count (1..39). */
static int
magnitude_digits(const unsigned char *le16, char *digits)
{
    uint32_t limb[4];
    for (int i = 0; i < 4; i++)
        limb[i] = (uint32_t)read_le(le16 + 4 * i, 4);
    char tmp[48];
    int n = 0;
    for (;;) {
        /* divide by 10**9, collecting the remainder's nine digits */
        uint64_t rest = 0;
        int zero = 1;
        for (int i = 3; i >= 0; i--) {
            uint64_t current = (rest << 32) | limb[i];
            limb[i] = (uint32_t)(current / 1000000000u);
            rest = current % 1000000000u;
            if (limb[i])
                zero = 0;
        }
        for (int k = 0; k < 9; k++) {
            tmp[n++] = (char)('0' + rest % 10);
            rest /= 10;
        }
        if (zero)
            break;
    }
    while (n > 1 && tmp[n - 1] == '0')
        n--;
    for (int i = 0; i < n; i++)
        digits[i] = tmp[n - 1 - i];
    return n;
}

/* decimal/numeric BCP bytes: precision, scale, sign (0 = negative), 16-byte magnitude. As text:
 * sqlite_types._decimal_raw_text (the magnitude's digits, a point `scale` digits from the end). */
static size_t
put_decimal(char *out, const unsigned char *raw)
{
    int scale = raw[1];
    char digits[48];
    int count = magnitude_digits(raw + 3, digits);
    size_t n = 0;
    if (!raw[2])
        out[n++] = '-';
    if (!scale) {
        memcpy(out + n, digits, (size_t)count);
        return n + (size_t)count;
    }
    int whole = count - scale;
    if (whole <= 0) {
        out[n++] = '0';
        out[n++] = '.';
        for (int i = 0; i < -whole; i++)
            out[n++] = '0';
        memcpy(out + n, digits, (size_t)count);
        return n + (size_t)count;
    }
    memcpy(out + n, digits, (size_t)whole);
    n += (size_t)whole;
    out[n++] = '.';
    memcpy(out + n, digits + whole, (size_t)scale);
    return n + (size_t)scale;
}

/* Whether decimal bytes fit their column as SQL Server would hold them: the column's precision and scale
 * in the header, a sign byte of 0 or 1, fewer than `precision` digits (format/bcp.py _cell_check). A
 * value that does not goes to the Python decoder, which names the table, row and column. */
static int
decimal_fits(const unsigned char *raw, const column_op *op)
{
    if (raw[0] != (unsigned char)op->limit || raw[1] != (unsigned char)op->scale || raw[2] > 1)
        return 0;
    char digits[48];
    return magnitude_digits(raw + 3, digits) <= (int)op->limit;
}

/* decimal(p<=18, 0) as INTEGER: magnitude // 10**scale, signed; 0 when it does not fit int64. */
static int
decimal_integer(const unsigned char *raw, int64_t *value)
{
    char digits[48];
    int count = magnitude_digits(raw + 3, digits) - raw[1];
    uint64_t magnitude = 0;
    for (int i = 0; i < count; i++) {
        if (magnitude > (UINT64_MAX - 9) / 10)
            return 0;
        magnitude = magnitude * 10 + (uint64_t)(digits[i] - '0');
    }
    if (raw[2]) {
        if (magnitude > (uint64_t)INT64_MAX)
            return 0;
        *value = (int64_t)magnitude;
    } else {
        if (magnitude > (uint64_t)INT64_MAX + 1)
            return 0;
        *value = magnitude == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)magnitude;
    }
    return 1;
}

static size_t
put_guid(char *out, const unsigned char *b)
{
    /* uuid.UUID(bytes_le=b): the first three fields little-endian, the rest in order */
    static const char hex[] = "0123456789ABCDEF";
    static const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    size_t n = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[n++] = '-';
        out[n++] = hex[b[order[i]] >> 4];
        out[n++] = hex[b[order[i]] & 15];
    }
    return n;
}

/* ---- the loader ------------------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    PyObject *connection;     /* kept alive while the statement exists */
    sqlite3 *db;
    sqlite3_stmt *stmt;
    int columns;
    column_op *ops;
    cell *cells;
    unsigned char *arena;     /* UTF-8 of the current row's text values */
    size_t arena_size;
    long long rows_loaded;    /* rows this loader inserted, for tests and statistics */
} Loader;

/* Room for `more` bytes after `used` in the arena; 0 when memory is short (the row then stops). */
static int
arena_reserve(Loader *self, size_t used, size_t more)
{
    if (more > SIZE_MAX - used)
        return 0;
    size_t need = used + more;
    if (need <= self->arena_size)
        return 1;
    size_t size = self->arena_size ? self->arena_size : 4096;
    while (size < need)
        size = size > SIZE_MAX / 2 ? need : size * 2;
    unsigned char *grown = realloc(self->arena, size);   /* plain malloc: the GIL is released */
    if (grown == NULL)
        return 0;
    self->arena = grown;
    self->arena_size = size;
    return 1;
}

/* UTF-16LE -> UTF-8 into the arena; ROW_STOP on odd length or an unpaired surrogate (the Python
 * path raises UnicodeDecodeError / cannot store such text: it reports those). */
static row_result
utf16_to_arena(Loader *self, const unsigned char *p, size_t bytes, size_t *used, cell *out)
{
    if (bytes % 2)
        return ROW_STOP;
    if (!arena_reserve(self, *used, bytes / 2 * 3))   /* at most 3 UTF-8 bytes per UTF-16 unit */
        return ROW_STOP;
    unsigned char *o = self->arena + *used;
    size_t units = bytes / 2, n = 0;
    for (size_t i = 0; i < units; i++) {
        uint32_t u = (uint32_t)p[2 * i] | (uint32_t)p[2 * i + 1] << 8;
        if (u < 0x80) {
            o[n++] = (unsigned char)u;
        } else if (u < 0x800) {
            o[n++] = (unsigned char)(0xC0 | u >> 6);
            o[n++] = (unsigned char)(0x80 | (u & 0x3F));
        } else if (u < 0xD800 || u > 0xDFFF) {
            o[n++] = (unsigned char)(0xE0 | u >> 12);
            o[n++] = (unsigned char)(0x80 | (u >> 6 & 0x3F));
            o[n++] = (unsigned char)(0x80 | (u & 0x3F));
        } else {
            if (u > 0xDBFF || i + 1 >= units)
                return ROW_STOP;                       /* low surrogate first, or high at the end */
            uint32_t low = (uint32_t)p[2 * i + 2] | (uint32_t)p[2 * i + 3] << 8;
            if (low < 0xDC00 || low > 0xDFFF)
                return ROW_STOP;
            uint32_t c = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00);
            o[n++] = (unsigned char)(0xF0 | c >> 18);
            o[n++] = (unsigned char)(0x80 | (c >> 12 & 0x3F));
            o[n++] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
            o[n++] = (unsigned char)(0x80 | (c & 0x3F));
            i++;
        }
    }
    out->kind = CELL_TEXT_ARENA;
    out->arena_offset = *used;
    out->length = n;
    *used += n;
    return ROW_OK;
}

static row_result
small_text(cell *out, size_t length)
{
    out->kind = CELL_TEXT_SMALL;
    out->length = length;
    return ROW_OK;
}

#define REAL_DIGITS 15    /* sqlite_types.REAL_DIGITS */

/* The double nearest to the decimal text s (digits `first`..`last` of `digits` significant, at most 15),
 * as Python's float(text) gives it. The significand and 10**k (k <= 22) are exact doubles, so one
 * multiplication or division rounds correctly (Clinger's fast path), whatever the locale; strtod
 * otherwise (exponents beyond 22: decimal(38, 38) and the like). */
static double
exact_real(char *s, size_t length, size_t start, size_t first, size_t last, size_t digits)
{
    static const double POW10[23] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
                                     1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (!first)
        return s[0] == '-' ? -0.0 : 0.0;
    const char *point = memchr(s, '.', length);
    long fraction = point ? (long)(s + length - point - 1) : 0;
    long exponent = (long)(digits - last) - fraction;
    double significand = 0;
    size_t index = 0;
    for (size_t i = start; i < length; i++) {
        if (s[i] == '.')
            continue;
        index++;
        if (index >= first && index <= last)
            significand = significand * 10 + (s[i] - '0');
    }
    double value;
    if (exponent >= -22 && exponent <= 22) {
        value = exponent < 0 ? significand / POW10[-exponent] : significand * POW10[exponent];
    } else {
        s[length] = '\0';
        return strtod(s, NULL);
    }
    return s[0] == '-' ? -value : value;
}

/* Exact decimal text in out->small as sqlite_types.exact_number stores it: an INTEGER when it has no
 * point and fits int64, a REAL when it has at most 15 significant digits, else the text itself. */
static row_result
number_cell(cell *out, size_t length)
{
    char *s = out->small;
    size_t start = s[0] == '-', first = 0, last = 0, digits = 0;
    int point = 0, nonzero = 0;
    for (size_t i = start; i < length; i++) {
        if (s[i] == '.') {
            point = 1;
            continue;
        }
        digits++;
        if (s[i] != '0') {
            if (!nonzero)
                first = digits;
            nonzero = 1;
            last = digits;
        }
    }
    if (!point) {
        uint64_t magnitude = 0;
        int fits = 1;
        for (size_t i = start; i < length && fits; i++) {
            if (magnitude > (UINT64_MAX - 9) / 10)
                fits = 0;
            else
                magnitude = magnitude * 10 + (uint64_t)(s[i] - '0');
        }
        if (fits && magnitude <= (uint64_t)INT64_MAX + (start ? 1 : 0)) {
            out->kind = CELL_INT;
            out->integer = !start ? (int64_t)magnitude
                           : magnitude == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)magnitude;
            return ROW_OK;
        }
    }
    if (!nonzero || last - first + 1 <= REAL_DIGITS) {
        out->kind = CELL_DOUBLE;
        out->real = exact_real(s, length, start, first, last, digits);
        return ROW_OK;
    }
    return small_text(out, length);
}

/* One non-NULL value of `bytes` bytes at p into `out`, as the Python path would store it. */
static row_result
decode_value(Loader *self, const column_op *op, const unsigned char *p, size_t bytes, size_t *used, cell *out)
{
    switch (op->family) {
    case F_UINT8:
        out->kind = CELL_INT;
        out->integer = p[0];
        return ROW_OK;
    case F_INT16:
        out->kind = CELL_INT;
        out->integer = (int16_t)read_le(p, 2);
        return ROW_OK;
    case F_INT32:
        out->kind = CELL_INT;
        out->integer = (int32_t)(uint32_t)read_le(p, 4);
        return ROW_OK;
    case F_INT64: {
        uint64_t u = read_le(p, 8);
        int64_t v;
        memcpy(&v, &u, sizeof v);        /* two's complement reinterpretation, no overflow */
        out->kind = CELL_INT;
        out->integer = v;
        return ROW_OK;
    }
    case F_BIT:
        out->kind = CELL_INT;
        out->integer = p[0] != 0;
        return ROW_OK;
    case F_REAL: {
        uint32_t u = (uint32_t)read_le(p, 4);
        float f;
        memcpy(&f, &u, sizeof f);
        if (!isfinite(f))
            return ROW_STOP;                   /* SQL Server has no NaN or infinity: Python names it */
        out->kind = CELL_DOUBLE;
        out->real = f;
        return ROW_OK;
    }
    case F_FLOAT: {
        uint64_t u = read_le(p, 8);
        double d;
        memcpy(&d, &u, sizeof d);
        if (!isfinite(d))
            return ROW_STOP;
        out->kind = CELL_DOUBLE;
        out->real = d;
        return ROW_OK;
    }
    case F_MONEY: {
        int64_t high = (int32_t)(uint32_t)read_le(p, 4);
        uint64_t low = read_le(p + 4, 4);
        uint64_t units_bits = ((uint64_t)high << 32) | low;
        int64_t units;
        memcpy(&units, &units_bits, sizeof units);
        return number_cell(out, put_money(out->small, units));
    }
    case F_SMALLMONEY:
        return number_cell(out, put_money(out->small, (int32_t)(uint32_t)read_le(p, 4)));
    case F_DECIMAL_INT:
        if (!decimal_fits(p, op) || !decimal_integer(p, &out->integer))
            return ROW_STOP;                   /* Python: OverflowError when binding */
        out->kind = CELL_INT;
        return ROW_OK;
    case F_DECIMAL_TEXT:
        if (!decimal_fits(p, op))
            return ROW_STOP;
        return number_cell(out, put_decimal(out->small, p));
    case F_DATE: {
        int64_t days = (int64_t)read_le(p, 3);
        if (days > MAX_DAYS_SINCE_0001)
            return ROW_STOP;
        return small_text(out, put_date(out->small, days));
    }
    case F_TIME: {
        int64_t hundred_ns = (int64_t)read_le(p, 5);
        if (hundred_ns >= HUNDRED_NS_PER_DAY)
            return ROW_STOP;
        return small_text(out, put_clock(out->small, hundred_ns, op->scale));
    }
    case F_DATETIME2: {
        int64_t hundred_ns = (int64_t)read_le(p, 5);
        int64_t days = (int64_t)read_le(p + 5, 3);
        if (hundred_ns >= HUNDRED_NS_PER_DAY || days > MAX_DAYS_SINCE_0001)
            return ROW_STOP;
        return small_text(out, put_datetime(out->small, days, hundred_ns, op->scale));
    }
    case F_DATETIMEOFFSET: {
        /* UTC time and date, then the offset in minutes; the text shows local time */
        int64_t hundred_ns = (int64_t)read_le(p, 5);
        int64_t days = (int64_t)read_le(p + 5, 3);
        int64_t offset_minutes = (int16_t)read_le(p + 8, 2);
        if (hundred_ns >= HUNDRED_NS_PER_DAY || days > MAX_DAYS_SINCE_0001 ||
            offset_minutes <= -1440 || offset_minutes >= 1440)
            return ROW_STOP;
        int64_t local = days * HUNDRED_NS_PER_DAY + hundred_ns + offset_minutes * 60 * HUNDRED_NS_PER_SECOND;
        if (local < 0 || local >= (MAX_DAYS_SINCE_0001 + 1) * HUNDRED_NS_PER_DAY)
            return ROW_STOP;
        size_t n = put_datetime(out->small, local / HUNDRED_NS_PER_DAY, local % HUNDRED_NS_PER_DAY, op->scale);
        int64_t shown = offset_minutes < 0 ? -offset_minutes : offset_minutes;
        out->small[n++] = ' ';
        out->small[n++] = offset_minutes < 0 ? '-' : '+';
        n += put_digits(out->small + n, (uint64_t)(shown / 60), 2);
        out->small[n++] = ':';
        n += put_digits(out->small + n, (uint64_t)(shown % 60), 2);
        return small_text(out, n);
    }
    case F_DATETIME: {
        /* days since 1900 (signed), then 1/300 s ticks shown to the millisecond */
        int64_t days = (int32_t)(uint32_t)read_le(p, 4);
        int64_t ticks_300 = (int64_t)read_le(p + 4, 4);
        if (ticks_300 >= 300LL * 86400)
            return ROW_STOP;
        int64_t milliseconds = (ticks_300 * 10 + 1) / 3;
        int64_t day = DAYS_0001_TO_1900 + days;
        if (day < 0 || day > MAX_DAYS_SINCE_0001)
            return ROW_STOP;
        return small_text(out, put_datetime(out->small, day, milliseconds * 10000, 3));
    }
    case F_SMALLDATETIME: {
        int64_t days = (int64_t)read_le(p, 2);
        int64_t minutes = (int64_t)read_le(p + 2, 2);
        if (minutes >= 1440)
            return ROW_STOP;
        return small_text(out, put_datetime(out->small, DAYS_0001_TO_1900 + days,
                                            minutes * 60 * HUNDRED_NS_PER_SECOND, 0));
    }
    case F_GUID:
        return small_text(out, put_guid(out->small, p));
    case F_TEXT:
        return utf16_to_arena(self, p, bytes, used, out);
    case F_BLOB:
        out->kind = CELL_BLOB;
        out->bytes = p;
        out->length = bytes;
        return ROW_OK;
    }
    return ROW_STOP;
}

/* Decode the row at *pos (buffer end `end`) into the cells; ROW_STOP leaves *pos unchanged. */
static row_result
decode_row(Loader *self, const unsigned char *buf, size_t *pos, size_t end)
{
    size_t at = *pos, used = 0;
    for (int c = 0; c < self->columns; c++) {
        const column_op *op = &self->ops[c];
        cell *out = &self->cells[c];
        size_t bytes;
        if (op->framing == FRAME_FIXED) {
            bytes = (size_t)op->width;
        } else if (op->framing == FRAME_BYTE_PREFIX) {
            if (at >= end)
                return ROW_STOP;
            unsigned prefix = buf[at++];
            if (prefix == 255 && op->nullable) {
                out->kind = CELL_NULL;
                continue;
            }
            if (prefix != (unsigned)op->width)
                return ROW_STOP;
            bytes = (size_t)op->width;
        } else {
            if ((size_t)op->prefix > end - at)
                return ROW_STOP;
            uint64_t length = read_le(buf + at, op->prefix);
            at += (size_t)op->prefix;
            uint64_t marker = op->prefix == 8 ? UINT64_MAX : (((uint64_t)1 << (8 * op->prefix)) - 1);
            if (length == marker) {
                out->kind = CELL_NULL;
                continue;
            }
            if (length > op->limit)
                return ROW_STOP;
            bytes = (size_t)length;
        }
        if (bytes > end - at)
            return ROW_STOP;
        if (decode_value(self, op, buf + at, bytes, &used, out) != ROW_OK)
            return ROW_STOP;
        at += bytes;
    }
    *pos = at;
    return ROW_OK;
}

static int
bind_row(Loader *self)
{
    static const char empty[1] = "";
    for (int c = 0; c < self->columns; c++) {
        const cell *v = &self->cells[c];
        int rc, index = c + 1;
        switch (v->kind) {
        case CELL_INT:
            rc = sqlite3_bind_int64(self->stmt, index, v->integer);
            break;
        case CELL_DOUBLE:
            rc = sqlite3_bind_double(self->stmt, index, v->real);
            break;
        case CELL_TEXT_SMALL:
            rc = sqlite3_bind_text(self->stmt, index, v->small, (int)v->length, SQLITE_STATIC);
            break;
        case CELL_TEXT_ARENA:
            /* an empty text is '' (a NULL pointer would bind NULL) */
            rc = v->length > INT32_MAX ? SQLITE_TOOBIG :
                sqlite3_bind_text(self->stmt, index, v->length ? (const char *)self->arena + v->arena_offset : empty,
                                  (int)v->length, SQLITE_STATIC);
            break;
        case CELL_BLOB:
            rc = v->length > INT32_MAX ? SQLITE_TOOBIG :
                sqlite3_bind_blob(self->stmt, index, v->length ? (const void *)v->bytes : (const void *)empty,
                                  (int)v->length, SQLITE_STATIC);
            break;
        default:
            rc = sqlite3_bind_null(self->stmt, index);
        }
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

static void
Loader_dealloc(Loader *self)
{
    if (self->stmt)
        sqlite3_finalize(self->stmt);
    Py_XDECREF(self->connection);
    PyMem_Free(self->ops);
    PyMem_Free(self->cells);
    free(self->arena);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
read_op(PyObject *item, column_op *op)
{
    long long limit;
    if (!PyArg_ParseTuple(item, "iiiiinL;a column op is (family, framing, prefix, nullable, scale, width, limit)",
                          &op->family, &op->framing, &op->prefix, &op->nullable, &op->scale, &op->width, &limit))
        return -1;
    int decimal = op->family == F_DECIMAL_INT || op->family == F_DECIMAL_TEXT;
    int ok = op->family >= 0 && op->family < F_COUNT && op->scale >= 0 && op->scale <= (decimal ? 38 : 7) &&
             limit >= 0 && (!decimal || (limit >= 1 && limit <= 38 && op->scale <= limit));
    if (ok && op->framing == FRAME_LENGTH) {
        ok = (op->family == F_TEXT || op->family == F_BLOB) &&
             (op->prefix == 2 || op->prefix == 4 || op->prefix == 8);
        op->limit = (uint64_t)limit;
    } else if (ok && (op->framing == FRAME_FIXED || op->framing == FRAME_BYTE_PREFIX)) {
        op->limit = (uint64_t)limit;
        Py_ssize_t expected = family_width[op->family];
        ok = op->width > 0 && op->width < 255 && (expected ? op->width == expected : op->family == F_TEXT);
    } else {
        ok = 0;
    }
    if (!ok) {
        PyErr_SetString(PyExc_ValueError, "impossible column op");
        return -1;
    }
    return 0;
}

static PyObject *
Loader_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"connection", "sql", "ops", NULL};
    PyObject *connection, *ops;
    const char *sql;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OsO", keywords, &connection, &sql, &ops))
        return NULL;
    sqlite3 *db = bacpac_handle(connection);
    if (db == NULL)
        return NULL;
    PyObject *sequence = PySequence_Fast(ops, "ops must be a sequence");
    if (sequence == NULL)
        return NULL;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(sequence);
    Loader *self = (Loader *)type->tp_alloc(type, 0);
    if (self == NULL) {
        Py_DECREF(sequence);
        return NULL;
    }
    Py_INCREF(connection);
    self->connection = connection;
    self->db = db;
    if (count < 1 || count > 32767) {
        PyErr_SetString(PyExc_ValueError, "a table has 1 to 32767 columns");
        goto fail;
    }
    self->columns = (int)count;
    self->ops = PyMem_Calloc((size_t)count, sizeof(column_op));
    self->cells = PyMem_Calloc((size_t)count, sizeof(cell));
    if (self->ops == NULL || self->cells == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t i = 0; i < count; i++)
        if (read_op(PySequence_Fast_GET_ITEM(sequence, i), &self->ops[i]) < 0)
            goto fail;
    if (sqlite3_prepare_v2(db, sql, -1, &self->stmt, NULL) != SQLITE_OK || self->stmt == NULL) {
        PyErr_Format(PyExc_ValueError, "cannot prepare the insert: %s", sqlite3_errmsg(db));
        goto fail;
    }
    if (sqlite3_bind_parameter_count(self->stmt) != self->columns) {
        PyErr_SetString(PyExc_ValueError, "the insert does not take one value per column op");
        goto fail;
    }
    Py_DECREF(sequence);
    return (PyObject *)self;
fail:
    Py_DECREF(sequence);
    Py_DECREF(self);
    return NULL;
}

static PyObject *
Loader_load(Loader *self, PyObject *args)
{
    Py_buffer view;
    Py_ssize_t start = 0;
    if (!PyArg_ParseTuple(args, "y*|n", &view, &start))
        return NULL;
    if (self->stmt == NULL || bacpac_handle(self->connection) != self->db) {
        PyBuffer_Release(&view);
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "the loader is closed or its connection changed");
        return NULL;
    }
    if (start < 0 || start > view.len) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "position outside the buffer");
        return NULL;
    }
    const unsigned char *buf = view.buf;
    size_t pos = (size_t)start, end = (size_t)view.len;
    long long rows = 0;
    int failed = 0;
    char message[512] = "";
    Py_BEGIN_ALLOW_THREADS
    while (pos < end) {
        size_t next = pos;
        if (decode_row(self, buf, &next, end) != ROW_OK)
            break;
        if (bind_row(self) != SQLITE_OK) {
            sqlite3_reset(self->stmt);
            break;
        }
        int rc = sqlite3_step(self->stmt);
        sqlite3_reset(self->stmt);
        if (rc != SQLITE_DONE) {
            /* The Python path inserts this row again and reports SQLite's error itself, unless the
             * transaction is gone (a full disk may roll it back): then the import must stop here. */
            if (sqlite3_get_autocommit(self->db)) {
                failed = 1;
                snprintf(message, sizeof message, "%s", sqlite3_errmsg(self->db));
            }
            break;
        }
        pos = next;
        rows++;
    }
    sqlite3_clear_bindings(self->stmt);      /* no pointer into the buffer outlives this call */
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    self->rows_loaded += rows;
    if (failed)
        return Py_BuildValue("nLs", (Py_ssize_t)pos, rows, message);
    return Py_BuildValue("nLO", (Py_ssize_t)pos, rows, Py_None);
}

static PyObject *
Loader_close(Loader *self, PyObject *unused)
{
    if (self->stmt) {
        sqlite3_finalize(self->stmt);
        self->stmt = NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
Loader_rows_loaded(Loader *self, void *closure)
{
    return PyLong_FromLongLong(self->rows_loaded);
}

static PyMethodDef Loader_methods[] = {
    {"load", (PyCFunction)Loader_load, METH_VARARGS,
     "load(buffer, pos=0) -> (position, rows inserted, None or the error that ended the transaction)."},
    {"close", (PyCFunction)Loader_close, METH_NOARGS, "Finalize the statement."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Loader_getset[] = {
    {"rows_loaded", (getter)Loader_rows_loaded, NULL, "Rows this loader inserted.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject LoaderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "azext_bacpac.native._load.Loader",
    .tp_basicsize = sizeof(Loader),
    .tp_dealloc = (destructor)Loader_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Loader(connection, insert_sql, ops): BCP rows of one table into SQLite.",
    .tp_methods = Loader_methods,
    .tp_getset = Loader_getset,
    .tp_new = Loader_new,
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_load", NULL, -1, NULL};

PyMODINIT_FUNC
PyInit__load(void)
{
    if (bacpac_handle_init() < 0)
        return NULL;
    if (PyType_Ready(&LoaderType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&LoaderType);
    if (PyModule_AddObject(m, "Loader", (PyObject *)&LoaderType) < 0) {
        Py_DECREF(&LoaderType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
