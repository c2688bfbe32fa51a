/*
 * enrich._scan: small exact text scans that run on every post, in place of regular expressions.
 *
 * Each function here has a Python reference it must equal on every input (the tests compare them
 * on generated texts); the Python code runs when this extension is not built, is stale, or
 * EARSHOT_PURE_PYTHON=1 is set (enrich/_compiled.py, NATIVE_SOURCES):
 *
 * - strip_markup(text): enrich.language.strip_social_markup (URLs, @handles, #hashtags and
 *   redaction tokens removed, whitespace squeezed) for language detection;
 * - script_counts(ranges, text): enrich.language.script_counts, what script routing decides on;
 * - has_decimals(text, n): whether text holds at least n decimal digits (str.isdecimal per
 *   character, as re's \d), the precondition of enrich.privacy's number rules;
 * - has_letters(n, text): whether text holds at least n letters ([^\W\d_]), language detection's
 *   "enough to go on" test;
 * - fold_narrow(table, ranges, text): enrich.matching.normalize's fold of text made only of ASCII
 *   and characters that fold to themselves (None for any other text);
 * - word_spans(hangul, unspaced, text): the word tokens of enrich.matching.normalize.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* ---- strip_markup: enrich.language.strip_social_markup, exactly ------------------------------
 *
 * The Python version: when "http", "www.", "@", "#" or "[" occurs in the text (case-sensitive),
 * every match of
 *     (?=[hw@#\[])(?:(?:https?://|www\.)\S+|@(?<![\w@]@)\w+|#(?<![\w#]#)\w+|\[(?:email|phone|card|rrn)\])
 * (re.IGNORECASE) is replaced by a space, left to right without overlaps as re.sub does; then
 * " ".join(text.split()). Python's re on str: \w is Py_UNICODE_ISALNUM or "_", \s (and str.split)
 * Py_UNICODE_ISSPACE; an IGNORECASE literal matches a character whose simple lower case is the
 * literal, plus sre's extra equivalences for these letters: "s" ~ U+017F (long s), "i" ~ U+0130
 * and U+0131 (dotted capital I, dotless i). tests/unit/test_enrich_fast_paths.py compares the two
 * on generated texts.
 */

static inline int
mk_word(Py_UCS4 c)
{
    return c == '_' || Py_UNICODE_ISALNUM(c);
}

/* Does c match the lower-case ASCII letter (or other character) lit under re.IGNORECASE? */
static inline int
mk_ci(Py_UCS4 c, Py_UCS4 lit)
{
    if (c == lit)
        return 1;
    if (c < 128)
        return c >= 'A' && c <= 'Z' && c + 32 == lit;
    if (lit == 's' && c == 0x17F)
        return 1;
    if (lit == 'i' && (c == 0x130 || c == 0x131))
        return 1;
    return Py_UNICODE_TOLOWER(c) == lit;
}

/* Length of the ASCII literal lit matched case-insensitively at text[i], or 0. */
static Py_ssize_t
mk_lit(int kind, const void *data, Py_ssize_t n, Py_ssize_t i, const char *lit)
{
    Py_ssize_t k = 0;
    for (; lit[k]; k++) {
        if (i + k >= n)
            return 0;
        Py_UCS4 c = PyUnicode_READ(kind, data, i + k);
        Py_UCS4 l = (Py_UCS4)(unsigned char)lit[k];
        if (l >= 'a' && l <= 'z' ? !mk_ci(c, l) : c != l)
            return 0;
    }
    return k;
}

/* End of the markup match starting at i, or -1 when none starts there. */
static Py_ssize_t
mk_match(int kind, const void *data, Py_ssize_t n, Py_ssize_t i)
{
    Py_UCS4 c = PyUnicode_READ(kind, data, i);
    if (c == '@' || c == '#') {
        if (i > 0) {
            Py_UCS4 b = PyUnicode_READ(kind, data, i - 1);
            if (b == c || mk_word(b))
                return -1;
        }
        Py_ssize_t j = i + 1;
        while (j < n && mk_word(PyUnicode_READ(kind, data, j)))
            j++;
        return j > i + 1 ? j : -1;
    }
    if (c == '[') {
        static const char *tokens[] = {"[email]", "[phone]", "[card]", "[rrn]"};
        for (int t = 0; t < 4; t++) {
            Py_ssize_t k = mk_lit(kind, data, n, i, tokens[t]);
            if (k)
                return i + k;
        }
        return -1;
    }
    Py_ssize_t k = 0;
    if (c == 'h' || c == 'H') {
        if (mk_lit(kind, data, n, i, "http")) {
            k = mk_lit(kind, data, n, i + 4, "://") ? 7 : 0;
            if (!k && mk_lit(kind, data, n, i + 4, "s://"))
                k = 8;
        }
    }
    else if (c == 'w' || c == 'W') {
        k = mk_lit(kind, data, n, i, "www.");
    }
    if (!k)
        return -1;
    Py_ssize_t j = i + k;
    while (j < n && !Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, j)))
        j++;
    return j > i + k ? j : -1;
}

/* Does the exact (case-sensitive) ASCII needle occur at text[i]? */
static inline int
mk_at(int kind, const void *data, Py_ssize_t n, Py_ssize_t i, const char *needle)
{
    for (Py_ssize_t k = 0; needle[k]; k++) {
        if (i + k >= n || PyUnicode_READ(kind, data, i + k) != (Py_UCS4)(unsigned char)needle[k])
            return 0;
    }
    return 1;
}

static PyObject *
scan_strip_markup(PyObject *module, PyObject *arg)
{
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "strip_markup() takes a str");
        return NULL;
    }
    if (PyUnicode_READY(arg) < 0)
        return NULL;
    int kind = PyUnicode_KIND(arg);
    const void *data = PyUnicode_DATA(arg);
    Py_ssize_t n = PyUnicode_GET_LENGTH(arg);
    /* The Python version's precheck, as written: "http" in text or "www." in text or ... */
    int markup = 0;
    for (Py_ssize_t i = 0; i < n && !markup; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        markup = c == '@' || c == '#' || c == '[' || (c == 'h' && mk_at(kind, data, n, i, "http"))
                 || (c == 'w' && mk_at(kind, data, n, i, "www."));
    }
    Py_UCS4 *out = PyMem_Malloc((size_t)(n + 1) * sizeof(Py_UCS4));
    if (out == NULL)
        return PyErr_NoMemory();
    Py_ssize_t len = 0;
    int pending_space = 0; /* a whitespace run (or a removed match) since the last kept character */
    for (Py_ssize_t i = 0; i < n;) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (markup && (c == 'h' || c == 'H' || c == 'w' || c == 'W' || c == '@' || c == '#' || c == '[')) {
            Py_ssize_t end = mk_match(kind, data, n, i);
            if (end >= 0) {
                pending_space = 1;
                i = end;
                continue;
            }
        }
        if (Py_UNICODE_ISSPACE(c)) {
            pending_space = 1;
        }
        else {
            if (pending_space && len > 0)
                out[len++] = ' ';
            pending_space = 0;
            out[len++] = c;
        }
        i++;
    }
    PyObject *result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, len);
    PyMem_Free(out);
    return result;
}

/* ---- script_counts: the counts behind LanguageDetector._by_script ----------------------------
 *
 * script_counts(ranges, text) with ranges a tuple of tuples of (first, last) code points, one
 * tuple per routed script (enrich.language._SCRIPT_CHARS, in order). Returns None when no
 * character of any script occurs, else (index of the script of the first such character, how many
 * characters of that script the text has, how many letters it has). "Letters" are what the regex
 * [^\W\d_] matches in Python: Py_UNICODE_ISALNUM, not Py_UNICODE_ISDECIMAL, not "_".
 */

#define SC_MAX_RANGES 64

/* The last ranges argument, parsed. Callers pass the same tuple every time (a module constant bound
 * with functools.partial), so parsing it for every post (a PyArg_ParseTuple per range, most of the
 * call's cost) is skipped while the same object comes back; the reference kept makes the identity
 * test safe. */
typedef struct {
    PyObject *key;
    int n;
    Py_UCS4 lowest;
    Py_UCS4 lo[SC_MAX_RANGES], hi[SC_MAX_RANGES];
    int owner[SC_MAX_RANGES];
} Ranges;

static int
range_pair(PyObject *pair, Py_UCS4 *first, Py_UCS4 *last)
{
    unsigned int a, b;
    if (!PyTuple_Check(pair) || !PyArg_ParseTuple(pair, "II", &a, &b)) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "a range is a (first, last) tuple of code points");
        return -1;
    }
    *first = a;
    *last = b;
    return 0;
}

/* Parse ``groups``: a tuple of tuples of (first, last) pairs (grouped = 1; owner = group index) or a
 * tuple of pairs (grouped = 0), into cache, unless cache already holds that object. */
static int
ranges_parse(Ranges *cache, PyObject *groups, int grouped)
{
    if (cache->key == groups)
        return 0;
    if (!PyTuple_Check(groups)) {
        PyErr_SetString(PyExc_TypeError, "ranges must be a tuple");
        return -1;
    }
    Ranges parsed;
    parsed.n = 0;
    parsed.lowest = 0x110000;
    Py_ssize_t ngroups = grouped ? PyTuple_GET_SIZE(groups) : 1;
    for (Py_ssize_t g = 0; g < ngroups; g++) {
        PyObject *pairs = grouped ? PyTuple_GET_ITEM(groups, g) : groups;
        if (!PyTuple_Check(pairs)) {
            PyErr_SetString(PyExc_TypeError, "each script is a tuple of (first, last) pairs");
            return -1;
        }
        for (Py_ssize_t r = 0; r < PyTuple_GET_SIZE(pairs); r++) {
            if (parsed.n == SC_MAX_RANGES) {
                PyErr_SetString(PyExc_ValueError, "too many ranges");
                return -1;
            }
            if (range_pair(PyTuple_GET_ITEM(pairs, r), &parsed.lo[parsed.n], &parsed.hi[parsed.n]) < 0)
                return -1;
            parsed.owner[parsed.n] = (int)g;
            if (parsed.lo[parsed.n] < parsed.lowest)
                parsed.lowest = parsed.lo[parsed.n];
            parsed.n++;
        }
    }
    PyObject *old = cache->key;
    *cache = parsed;
    Py_INCREF(groups);
    cache->key = groups;
    Py_XDECREF(old);
    return 0;
}

/* Index of the range holding c, or -1. */
static inline int
ranges_find(const Ranges *r, Py_UCS4 c)
{
    if (c < r->lowest)
        return -1;
    for (int i = 0; i < r->n; i++) {
        if (c >= r->lo[i] && c <= r->hi[i])
            return i;
    }
    return -1;
}

static Ranges script_ranges;

static PyObject *
scan_script_counts(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyTuple_Check(args[0]) || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "script_counts(ranges: tuple, text: str) takes two arguments");
        return NULL;
    }
    PyObject *text = args[1];
    if (ranges_parse(&script_ranges, args[0], 1) < 0)
        return NULL;
    const Ranges *rs = &script_ranges;
    const int nranges = rs->n;
    const Py_UCS4 lowest = rs->lowest;
    const Py_UCS4 *lo = rs->lo, *hi = rs->hi;
    const int *owner = rs->owner;
    if (PyUnicode_READY(text) < 0)
        return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int script = -1;
    Py_ssize_t in_script = 0, letters = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c != '_' && Py_UNICODE_ISALNUM(c) && !Py_UNICODE_ISDECIMAL(c))
            letters++;
        if (c < lowest)
            continue; /* below every routed script */
        for (int r = 0; r < nranges; r++) {
            if (c >= lo[r] && c <= hi[r] && (script < 0 || owner[r] == script)) {
                if (script < 0)
                    script = owner[r];
                in_script++;
                break;
            }
        }
    }
    if (script < 0)
        Py_RETURN_NONE;
    return Py_BuildValue("(inn)", script, in_script, letters);
}

/* ---- has_decimals: at least n characters that re's \d matches -------------------------------- */

static PyObject *
scan_has_decimals(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyUnicode_Check(args[0]) || !PyLong_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "has_decimals(text: str, n: int) takes two arguments");
        return NULL;
    }
    Py_ssize_t want = PyLong_AsSsize_t(args[1]);
    if (want == -1 && PyErr_Occurred())
        return NULL;
    if (PyUnicode_READY(args[0]) < 0)
        return NULL;
    int kind = PyUnicode_KIND(args[0]);
    const void *data = PyUnicode_DATA(args[0]);
    Py_ssize_t n = PyUnicode_GET_LENGTH(args[0]), seen = 0;
    if (want <= 0)
        Py_RETURN_TRUE;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c < 128 ? (c >= '0' && c <= '9') : Py_UNICODE_ISDECIMAL(c)) {
            if (++seen >= want)
                Py_RETURN_TRUE;
        }
    }
    Py_RETURN_FALSE;
}

/* ---- has_letters: at least n letters (re's [^\W\d_]) -------------------------------------------- */

static PyObject *
scan_has_letters(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyLong_Check(args[0]) || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "has_letters(n: int, text: str) takes two arguments");
        return NULL;
    }
    Py_ssize_t want = PyLong_AsSsize_t(args[0]);
    if (want == -1 && PyErr_Occurred())
        return NULL;
    if (PyUnicode_READY(args[1]) < 0)
        return NULL;
    if (want <= 0)
        Py_RETURN_TRUE;
    int kind = PyUnicode_KIND(args[1]);
    const void *data = PyUnicode_DATA(args[1]);
    Py_ssize_t n = PyUnicode_GET_LENGTH(args[1]), seen = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        /* \w minus \d minus "_": Py_UNICODE_ISALNUM and not Py_UNICODE_ISDECIMAL, as re on str */
        int letter = c < 128 ? ((c | 32) >= 'a' && (c | 32) <= 'z') : (Py_UNICODE_ISALNUM(c) && !Py_UNICODE_ISDECIMAL(c));
        if (letter && ++seen >= want)
            Py_RETURN_TRUE;
    }
    Py_RETURN_FALSE;
}

/* ---- fold_narrow: enrich.matching.normalize's fold of text without per-character table work ---
 *
 * fold_narrow(table, ranges, text): None if text holds a character that is neither ASCII nor in
 * ranges (the characters that fold to themselves); otherwise text with every ASCII character c
 * replaced by table[c] (a str of 128 single characters: the fold of each ASCII character).
 */

static Ranges identity_ranges;

static PyObject *
scan_fold_narrow(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyUnicode_Check(args[0]) || !PyUnicode_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "fold_narrow(table: str, ranges: tuple, text: str) takes three arguments");
        return NULL;
    }
    PyObject *table = args[0], *text = args[2];
    if (PyUnicode_READY(table) < 0 || PyUnicode_READY(text) < 0)
        return NULL;
    if (PyUnicode_GET_LENGTH(table) != 128 || PyUnicode_KIND(table) != PyUnicode_1BYTE_KIND
        || PyUnicode_MAX_CHAR_VALUE(table) > 127) {
        PyErr_SetString(PyExc_ValueError, "fold_narrow(): table must be 128 ASCII characters");
        return NULL;
    }
    if (ranges_parse(&identity_ranges, args[1], 0) < 0)
        return NULL;
    const Py_UCS1 *map = PyUnicode_1BYTE_DATA(table);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (kind != PyUnicode_1BYTE_KIND || PyUnicode_MAX_CHAR_VALUE(text) > 127) {
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (c >= 128 && ranges_find(&identity_ranges, c) < 0)
                Py_RETURN_NONE;
        }
    }
    /* ASCII characters map to ASCII, the others stay: the result needs the same kind as text. */
    PyObject *out = PyUnicode_New(n, PyUnicode_MAX_CHAR_VALUE(text));
    if (out == NULL)
        return NULL;
    int okind = PyUnicode_KIND(out);
    void *odata = PyUnicode_DATA(out);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        PyUnicode_WRITE(okind, odata, i, c < 128 ? (Py_UCS4)map[c] : c);
    }
    return out;
}

/* ---- word_spans: the tokens of enrich.matching.normalize._FAST_TOKEN_RE ------------------------
 *
 * word_spans(hangul, unspaced, text) -> (starts, ends): the spans of
 *     [HANGUL]+ | [UNSPACED] | [^\W UNSPACED HANGUL]+
 * found left to right as re.finditer does (\w: Py_UNICODE_ISALNUM or "_", as re on str).
 */

static Ranges hangul_ranges, unspaced_ranges;

static int
append_index(PyObject *list, Py_ssize_t value)
{
    PyObject *item = PyLong_FromSsize_t(value);
    if (item == NULL)
        return -1;
    int rc = PyList_Append(list, item);
    Py_DECREF(item);
    return rc;
}

static PyObject *
scan_word_spans(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyUnicode_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "word_spans(hangul: tuple, unspaced: tuple, text: str) takes three arguments");
        return NULL;
    }
    if (ranges_parse(&hangul_ranges, args[0], 0) < 0 || ranges_parse(&unspaced_ranges, args[1], 0) < 0)
        return NULL;
    PyObject *text = args[2];
    if (PyUnicode_READY(text) < 0)
        return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    PyObject *starts = PyList_New(0), *ends = PyList_New(0);
    if (starts == NULL || ends == NULL)
        goto fail;
    Py_ssize_t i = 0;
    while (i < n) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        Py_ssize_t j;
        if (ranges_find(&hangul_ranges, c) >= 0) {
            j = i + 1;
            while (j < n && ranges_find(&hangul_ranges, PyUnicode_READ(kind, data, j)) >= 0)
                j++;
        }
        else if (ranges_find(&unspaced_ranges, c) >= 0) {
            j = i + 1;
        }
        else if (mk_word(c)) {
            j = i + 1;
            while (j < n) {
                Py_UCS4 d = PyUnicode_READ(kind, data, j);
                if (!mk_word(d) || ranges_find(&unspaced_ranges, d) >= 0 || ranges_find(&hangul_ranges, d) >= 0)
                    break;
                j++;
            }
        }
        else {
            i++;
            continue;
        }
        if (append_index(starts, i) < 0 || append_index(ends, j) < 0)
            goto fail;
        i = j;
    }
    PyObject *result = PyTuple_Pack(2, starts, ends);
    Py_DECREF(starts);
    Py_DECREF(ends);
    return result;
fail:
    Py_XDECREF(starts);
    Py_XDECREF(ends);
    return NULL;
}

static PyMethodDef scan_functions[] = {
    {"strip_markup", (PyCFunction)scan_strip_markup, METH_O,
     "strip_markup(text: str) -> str\n\n"
     "enrich.language.strip_social_markup in C: URLs, @handles, #hashtags and redaction tokens\n"
     "removed, whitespace squeezed; the same string."},
    {"script_counts", (PyCFunction)(void (*)(void))scan_script_counts, METH_FASTCALL,
     "script_counts(ranges: tuple, text: str) -> tuple[int, int, int] | None\n\n"
     "(script index of the first routed-script character, characters of that script, letters)."},
    {"has_decimals", (PyCFunction)(void (*)(void))scan_has_decimals, METH_FASTCALL,
     "has_decimals(text: str, n: int) -> bool\n\n"
     "Whether text holds at least n decimal digits (what re's \\d matches)."},
    {"has_letters", (PyCFunction)(void (*)(void))scan_has_letters, METH_FASTCALL,
     "has_letters(n: int, text: str) -> bool\n\n"
     "Whether text holds at least n letters (what re's [^\\W\\d_] matches)."},
    {"fold_narrow", (PyCFunction)(void (*)(void))scan_fold_narrow, METH_FASTCALL,
     "fold_narrow(table: str, ranges: tuple, text: str) -> str | None\n\n"
     "text with each ASCII character c replaced by table[c], or None if a character is neither\n"
     "ASCII nor within ranges."},
    {"word_spans", (PyCFunction)(void (*)(void))scan_word_spans, METH_FASTCALL,
     "word_spans(hangul: tuple, unspaced: tuple, text: str) -> tuple[list[int], list[int]]\n\n"
     "Starts and ends of the word tokens of enrich.matching.normalize (Hangul runs, single\n"
     "unspaced-script characters, runs of other word characters)."},
    {NULL, NULL, 0, NULL},
};


static struct PyModuleDef scan_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "enrich._scan",
    .m_doc = "Exact text scans run on every post (see enrich/_scan.c).",
    .m_size = -1,
    .m_methods = scan_functions,
};

PyMODINIT_FUNC
PyInit__scan(void)
{
    return PyModule_Create(&scan_module);
}
