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
 *   character, as re's \d), the precondition of enrich.privacy's number rules.
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

static PyObject *
scan_script_counts(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyTuple_Check(args[0]) || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "script_counts(ranges: tuple, text: str) takes two arguments");
        return NULL;
    }
    PyObject *scripts = args[0], *text = args[1];
    Py_UCS4 lo[SC_MAX_RANGES], hi[SC_MAX_RANGES];
    int owner[SC_MAX_RANGES];
    int nranges = 0;
    Py_UCS4 lowest = 0x110000;
    for (Py_ssize_t s = 0; s < PyTuple_GET_SIZE(scripts); s++) {
        PyObject *ranges = PyTuple_GET_ITEM(scripts, s);
        if (!PyTuple_Check(ranges)) {
            PyErr_SetString(PyExc_TypeError, "script_counts(): each script is a tuple of (first, last) pairs");
            return NULL;
        }
        for (Py_ssize_t r = 0; r < PyTuple_GET_SIZE(ranges); r++) {
            PyObject *pair = PyTuple_GET_ITEM(ranges, r);
            if (nranges == SC_MAX_RANGES) {
                PyErr_SetString(PyExc_ValueError, "script_counts(): too many ranges");
                return NULL;
            }
            unsigned int first, last;
            if (!PyTuple_Check(pair) || !PyArg_ParseTuple(pair, "II", &first, &last))
                return PyErr_Occurred() ? NULL : (PyErr_SetString(PyExc_TypeError, "bad range"), NULL);
            lo[nranges] = first;
            hi[nranges] = last;
            owner[nranges] = (int)s;
            nranges++;
            if (first < lowest)
                lowest = first;
        }
    }
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
