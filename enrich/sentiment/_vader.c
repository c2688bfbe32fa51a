/*
 * enrich.sentiment._vader: a native engine for VADER sentiment, output-identical to
 * vaderSentiment 3.3.2's SentimentIntensityAnalyzer.polarity_scores.
 *
 * This file ports the scoring of vaderSentiment 3.3.2 (https://github.com/cjhutto/vaderSentiment,
 * MIT License, Copyright (c) 2016 C.J. Hutto): emoji replacement, SentiText's tokenisation
 * (str.split, then string.punctuation stripped unless that leaves <= 2 characters),
 * sentiment_valence with its negation / booster / ALL-CAPS / "no" / "least" / "kind of" rules,
 * _special_idioms_check, _but_check (including its first-equal-score quirk) and score_valence with
 * Python's round(). It follows enrich/sentiment/analyzer.py, the project's pure-Python version of
 * the same algorithm (whose docstrings explain why each shortcut is exact), and is tested against
 * both, four numbers bit for bit (tests/unit/test_sentiment_native.py).
 *
 * It holds no copy of VADER's data: the lexicon, emoji descriptions, booster and special-case
 * tables, negation words, punctuation set and constants are passed in by the Python side from
 * the installed vaderSentiment package (enrich/sentiment/lexicons.py, rules.py). Only the rule
 * words the reference names in its code ("but", "no", "least", ...) and its literal factors (0.95,
 * 0.9, 1.25, 0.292, 0.18, 0.96, 15) are written here, as they are in analyzer.py.
 *
 * Exactness:
 * - Every floating-point operation reaching an output is the reference's, in its order, on IEEE
 *   doubles (Python floats); ints from the tables (SPECIAL_CASES "the shit": 3) are small and
 *   exact as doubles. Build with -ffp-contract=off (setup.py): fused multiply-adds would change
 *   the rounding.
 * - Python's sum() of floats is plain left-to-right addition up to 3.11; from 3.12 it compensates,
 *   so there the sum is delegated to builtins.sum on the same values (ints kept as ints).
 * - Lower-casing: ASCII words are lower-cased here (str.lower on ASCII is exactly A-Z -> a-z);
 *   any word with a non-ASCII character is lower-cased (and ALL-CAPS tested) by str.lower /
 *   str.isupper themselves. Splitting uses Py_UNICODE_ISSPACE, str.split()'s own test.
 * - round(x, 3) / round(x, 4): the exact float shortcut of analyzer.round_half_even; values within
 *   1e-9 of a tie (or out of range) call float.__round__ itself.
 *
 * Tokens are looked up in one open-addressing table of UTF-8 keys (lexicon words, boosters,
 * negations, the rule words, every word of a multi-word idiom, and the multi-word keys). Nothing
 * is allocated per call for texts up to STACK_CHARS characters (and STACK_TOKENS tokens).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* gcc: -ffp-contract=off (setup.py) */
#endif

#define STACK_TOKENS 256
#define STACK_CHARS 1024 /* UCS4 characters of a non-ASCII text copied without malloc */
#define MAX_INT_VALUE 9007199254740992.0 /* 2**53: ints up to this are exact as doubles */

/* Entry flags */
#define F_LEX 0x01       /* a lexicon word: has a valence */
#define F_BOOST 0x02     /* a BOOSTER_DICT key */
#define F_SPECIAL 0x04   /* a SPECIAL_CASES key */
#define F_NEGATE 0x08    /* a NEGATE word */
#define F_IDIOM 0x10     /* a word of some multi-word SPECIAL_CASES / BOOSTER_DICT key */
#define F_BOOST_INT 0x20 /* the booster value is a Python int */
#define F_SPECIAL_INT 0x40

/* Rule words (the words the reference's rules compare with) */
enum {
    R_BUT = 1 << 0, R_NO = 1 << 1, R_OR = 1 << 2, R_NOR = 1 << 3, R_LEAST = 1 << 4, R_AT = 1 << 5,
    R_VERY = 1 << 6, R_NEVER = 1 << 7, R_SO = 1 << 8, R_THIS = 1 << 9, R_WITHOUT = 1 << 10,
    R_DOUBT = 1 << 11, R_KIND = 1 << 12, R_OF = 1 << 13,
};
static const struct {
    const char *word;
    unsigned bit;
} RULE_WORDS[] = {
    {"but", R_BUT}, {"no", R_NO}, {"or", R_OR}, {"nor", R_NOR}, {"least", R_LEAST}, {"at", R_AT},
    {"very", R_VERY}, {"never", R_NEVER}, {"so", R_SO}, {"this", R_THIS}, {"without", R_WITHOUT},
    {"doubt", R_DOUBT}, {"kind", R_KIND}, {"of", R_OF},
};

typedef struct {
    uint64_t hash;
    uint32_t key_off, key_len; /* UTF-8 bytes in Analyzer.keys */
    double lex, boost, special;
    uint16_t flags, rule;
} Entry;

typedef struct {
    Py_UCS4 ch;
    uint32_t off, len; /* replacement (" " + description) in Analyzer.emoji_text */
} Emoji;

typedef struct {
    PyObject_HEAD
    Entry *entries;
    Py_ssize_t n_entries, cap_entries;
    uint32_t *slots; /* entry index + 1; 0 = empty */
    uint64_t mask;
    char *keys;
    size_t keys_len, keys_cap;
    size_t max_key; /* longest key in bytes: longer words cannot match */
    Emoji *emoji;   /* open addressing on the code point; ch == 0 = empty */
    uint64_t emoji_mask;
    Py_UCS4 emoji_min;
    Py_UCS4 *emoji_text;
    size_t emoji_text_len;
    int non_ascii_keys; /* some key is not ASCII: non-ASCII words need a UTF-8 lookup */
    int ready;          /* __init__ completed */
    unsigned char punct[128];
    double c_incr, n_scalar;
} Analyzer;

/* Interned names and builtins, set at module init. */
static PyObject *STR_LOWER, *STR_ISUPPER, *STR_ROUND, *STR_NT;
#if PY_VERSION_HEX >= 0x030C0000
static PyObject *BUILTIN_SUM;
#endif

/* ------------------------------------------------------------------------------------------ */
/* Hash table                                                                                   */

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

static inline uint64_t fnv_step(uint64_t h, unsigned char c) { return (h ^ c) * FNV_PRIME; }

static uint64_t fnv_bytes(const char *s, size_t n) {
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < n; i++) h = fnv_step(h, (unsigned char)s[i]);
    return h;
}

static inline uint64_t slot_of(uint64_t hash) { return hash ^ (hash >> 29); }

static const Entry *lookup(const Analyzer *a, const char *key, size_t len, uint64_t hash) {
    if (len > a->max_key) return NULL;
    uint64_t i = slot_of(hash) & a->mask;
    for (;;) {
        uint32_t s = a->slots[i];
        if (s == 0) return NULL;
        const Entry *e = &a->entries[s - 1];
        if (e->hash == hash && e->key_len == len && memcmp(a->keys + e->key_off, key, len) == 0) return e;
        i = (i + 1) & a->mask;
    }
}

/* Finds or adds the entry for `key` (during construction; the table is sized beforehand). */
static Entry *intern_key(Analyzer *a, const char *key, size_t len) {
    uint64_t hash = fnv_bytes(key, len);
    uint64_t i = slot_of(hash) & a->mask;
    for (;;) {
        uint32_t s = a->slots[i];
        if (s == 0) break;
        Entry *e = &a->entries[s - 1];
        if (e->hash == hash && e->key_len == len && memcmp(a->keys + e->key_off, key, len) == 0) return e;
        i = (i + 1) & a->mask;
    }
    if (a->n_entries >= a->cap_entries) {
        PyErr_SetString(PyExc_RuntimeError, "vader table overflow");
        return NULL;
    }
    if (a->keys_len + len > a->keys_cap) {
        size_t cap = (a->keys_cap + len) * 2;
        char *keys = PyMem_Realloc(a->keys, cap);
        if (keys == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        a->keys = keys;
        a->keys_cap = cap;
    }
    memcpy(a->keys + a->keys_len, key, len);
    Entry *e = &a->entries[a->n_entries];
    memset(e, 0, sizeof *e);
    e->hash = hash;
    e->key_off = (uint32_t)a->keys_len;
    e->key_len = (uint32_t)len;
    a->keys_len += len;
    a->slots[i] = (uint32_t)(++a->n_entries);
    if (len > a->max_key) a->max_key = len;
    for (size_t k = 0; k < len; k++)
        if ((unsigned char)key[k] >= 128) a->non_ascii_keys = 1;
    return e;
}

static Entry *intern_str(Analyzer *a, PyObject *key, const char *table) {
    if (!PyUnicode_Check(key)) {
        PyErr_Format(PyExc_TypeError, "%s keys must be str, not %.100s", table, Py_TYPE(key)->tp_name);
        return NULL;
    }
    Py_ssize_t len;
    const char *utf8 = PyUnicode_AsUTF8AndSize(key, &len);
    if (utf8 == NULL) return NULL;
    return intern_key(a, utf8, (size_t)len);
}

/* A table value as a double, and whether it is a Python int (an exact one). */
static int number_value(PyObject *value, const char *table, double *out, int *is_int) {
    if (PyFloat_CheckExact(value)) {
        *out = PyFloat_AS_DOUBLE(value);
        *is_int = 0;
        return 0;
    }
    if (PyLong_CheckExact(value)) {
        double d = PyLong_AsDouble(value);
        if (d == -1.0 && PyErr_Occurred()) return -1;
        if (!(fabs(d) <= MAX_INT_VALUE)) {
            PyErr_Format(PyExc_ValueError, "%s value %R is too large to be exact", table, value);
            return -1;
        }
        *out = d;
        *is_int = 1;
        return 0;
    }
    PyErr_Format(PyExc_TypeError, "%s values must be float or int, not %.100s", table, Py_TYPE(value)->tp_name);
    return -1;
}

/* Marks every word of a multi-word key as an idiom word. */
static int mark_idiom_words(Analyzer *a, PyObject *key) {
    Py_ssize_t len;
    const char *utf8 = PyUnicode_AsUTF8AndSize(key, &len);
    if (utf8 == NULL) return -1;
    if (memchr(utf8, ' ', (size_t)len) == NULL) return 0;
    Py_ssize_t start = 0;
    for (Py_ssize_t k = 0; k <= len; k++) {
        if (k == len || utf8[k] == ' ') {
            Entry *e = intern_key(a, utf8 + start, (size_t)(k - start));
            if (e == NULL) return -1;
            e->flags |= F_IDIOM;
            start = k + 1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Construction                                                                                 */

static void Analyzer_dealloc(Analyzer *self) {
    PyMem_Free(self->entries);
    PyMem_Free(self->slots);
    PyMem_Free(self->keys);
    PyMem_Free(self->emoji);
    PyMem_Free(self->emoji_text);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int count_words(PyObject *dict) {
    /* Upper bound of the entries a multi-word key can add: its words. */
    Py_ssize_t pos = 0, n = 0;
    PyObject *key, *value;
    while (PyDict_Next(dict, &pos, &key, &value)) {
        n++;
        if (PyUnicode_Check(key)) {
            Py_ssize_t len = PyUnicode_GET_LENGTH(key);
            for (Py_ssize_t k = 0; k < len; k++)
                if (PyUnicode_READ_CHAR(key, k) == ' ') n++;
        }
    }
    return (int)n;
}

static int build_emoji(Analyzer *a, PyObject *emoji) {
    Py_ssize_t n = PyDict_GET_SIZE(emoji), pos = 0, total = 0;
    PyObject *key, *value;
    while (PyDict_Next(emoji, &pos, &key, &value)) {
        if (!PyUnicode_Check(key) || PyUnicode_GET_LENGTH(key) != 1) {
            PyErr_SetString(PyExc_ValueError, "emoji keys must be single characters");
            return -1;
        }
        if (PyUnicode_READ_CHAR(key, 0) < 128) {
            PyErr_SetString(PyExc_ValueError, "an emoji key is ASCII; ASCII texts would need emoji replacement");
            return -1;
        }
        if (!PyUnicode_Check(value)) {
            PyErr_SetString(PyExc_TypeError, "emoji replacements must be str");
            return -1;
        }
        total += PyUnicode_GET_LENGTH(value);
    }
    uint64_t size = 16;
    while (size < (uint64_t)n * 2 + 2) size <<= 1;
    a->emoji = PyMem_Calloc(size, sizeof(Emoji));
    a->emoji_text = PyMem_Malloc(((size_t)total + 1) * sizeof(Py_UCS4));
    if (a->emoji == NULL || a->emoji_text == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    a->emoji_mask = size - 1;
    a->emoji_min = 0x10FFFF;
    pos = 0;
    while (PyDict_Next(emoji, &pos, &key, &value)) {
        Py_UCS4 ch = PyUnicode_READ_CHAR(key, 0);
        Py_ssize_t len = PyUnicode_GET_LENGTH(value);
        uint64_t i = ((uint64_t)ch * 0x9E3779B97F4A7C15ULL >> 32) & a->emoji_mask;
        while (a->emoji[i].ch != 0) i = (i + 1) & a->emoji_mask;
        a->emoji[i].ch = ch;
        a->emoji[i].off = (uint32_t)a->emoji_text_len;
        a->emoji[i].len = (uint32_t)len;
        if (PyUnicode_AsUCS4(value, a->emoji_text + a->emoji_text_len, len + 1, 0) == NULL) return -1;
        a->emoji_text_len += (size_t)len;
        if (ch < a->emoji_min) a->emoji_min = ch;
    }
    return 0;
}

static inline const Emoji *emoji_of(const Analyzer *a, Py_UCS4 ch) {
    if (ch < a->emoji_min) return NULL;
    uint64_t i = ((uint64_t)ch * 0x9E3779B97F4A7C15ULL >> 32) & a->emoji_mask;
    for (;;) {
        const Emoji *e = &a->emoji[i];
        if (e->ch == ch) return e;
        if (e->ch == 0) return NULL;
        i = (i + 1) & a->emoji_mask;
    }
}

static int Analyzer_init(Analyzer *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"lexicon", "emoji", "boosters", "special_cases", "negate_words", "punctuation",
                             "c_incr", "n_scalar", NULL};
    PyObject *lexicon, *emoji, *boosters, *special, *negate, *punctuation;
    double c_incr, n_scalar;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!O!O!OUdd:Analyzer", kwlist, &PyDict_Type, &lexicon,
                                     &PyDict_Type, &emoji, &PyDict_Type, &boosters, &PyDict_Type, &special,
                                     &negate, &punctuation, &c_incr, &n_scalar))
        return -1;
    if (self->entries != NULL) { /* a second __init__ (or one after a failed first) */
        PyErr_SetString(PyExc_RuntimeError, "Analyzer is already initialised");
        return -1;
    }
    self->c_incr = c_incr;
    self->n_scalar = n_scalar;

    memset(self->punct, 0, sizeof self->punct);
    for (Py_ssize_t k = 0; k < PyUnicode_GET_LENGTH(punctuation); k++) {
        Py_UCS4 ch = PyUnicode_READ_CHAR(punctuation, k);
        if (ch >= 128) {
            PyErr_SetString(PyExc_ValueError, "punctuation must be ASCII");
            return -1;
        }
        self->punct[ch] = 1;
    }

    PyObject *negate_list = PySequence_List(negate);
    if (negate_list == NULL) return -1;
    Py_ssize_t cap = (Py_ssize_t)count_words(lexicon) + count_words(boosters) + count_words(special) +
                     PyList_GET_SIZE(negate_list) + (Py_ssize_t)(sizeof RULE_WORDS / sizeof RULE_WORDS[0]);
    uint64_t size = 16;
    while (size < (uint64_t)cap * 2) size <<= 1;
    self->entries = PyMem_Calloc((size_t)cap, sizeof(Entry));
    self->slots = PyMem_Calloc(size, sizeof(uint32_t));
    if (self->entries == NULL || self->slots == NULL) {
        Py_DECREF(negate_list);
        PyErr_NoMemory();
        return -1;
    }
    self->cap_entries = cap;
    self->mask = size - 1;

    Py_ssize_t pos = 0;
    PyObject *key, *value;
    int is_int;
    while (PyDict_Next(lexicon, &pos, &key, &value)) {
        if (!PyFloat_CheckExact(value)) {
            PyErr_SetString(PyExc_TypeError, "lexicon values must be float");
            goto fail;
        }
        Entry *e = intern_str(self, key, "lexicon");
        if (e == NULL) goto fail;
        e->flags |= F_LEX;
        e->lex = PyFloat_AS_DOUBLE(value);
    }
    pos = 0;
    while (PyDict_Next(boosters, &pos, &key, &value)) {
        Entry *e = intern_str(self, key, "boosters");
        if (e == NULL || number_value(value, "boosters", &e->boost, &is_int) < 0) goto fail;
        e->flags |= F_BOOST | (is_int ? F_BOOST_INT : 0);
        if (mark_idiom_words(self, key) < 0) goto fail;
    }
    pos = 0;
    while (PyDict_Next(special, &pos, &key, &value)) {
        Entry *e = intern_str(self, key, "special_cases");
        if (e == NULL || number_value(value, "special_cases", &e->special, &is_int) < 0) goto fail;
        e->flags |= F_SPECIAL | (is_int ? F_SPECIAL_INT : 0);
        if (mark_idiom_words(self, key) < 0) goto fail;
    }
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(negate_list); k++) {
        Entry *e = intern_str(self, PyList_GET_ITEM(negate_list, k), "negate_words");
        if (e == NULL) goto fail;
        e->flags |= F_NEGATE;
    }
    for (size_t k = 0; k < sizeof RULE_WORDS / sizeof RULE_WORDS[0]; k++) {
        Entry *e = intern_key(self, RULE_WORDS[k].word, strlen(RULE_WORDS[k].word));
        if (e == NULL) goto fail;
        e->rule |= (uint16_t)RULE_WORDS[k].bit;
    }
    Py_DECREF(negate_list);
    if (build_emoji(self, emoji) < 0) return -1;
    self->ready = 1;
    return 0;
fail:
    Py_DECREF(negate_list);
    return -1;
}

/* ------------------------------------------------------------------------------------------ */
/* Scoring                                                                                      */

typedef struct {
    const Entry *e; /* NULL: the lower-cased word is no key of any table */
    uint16_t flags, rule;
    uint8_t upper, negates;
} Tok;

typedef struct {
    double v;
    int32_t at;     /* token index */
    int32_t is_int; /* a Python int in the reference (only its sum on 3.12+ can tell) */
} Val;

typedef struct {
    Tok *toks;
    Py_ssize_t n, cap;
    Py_ssize_t caps; /* ALL-CAPS tokens */
    Py_ssize_t but;  /* first "but", or -1 */
    Py_ssize_t excl, quest;
    Tok stack[STACK_TOKENS];
} Tokens;

static int tokens_push(Tokens *t, Tok tok) {
    if (t->n == t->cap) {
        Py_ssize_t cap = t->cap * 2;
        Tok *toks;
        if (t->toks == t->stack) {
            toks = PyMem_Malloc((size_t)cap * sizeof(Tok));
            if (toks != NULL) memcpy(toks, t->stack, sizeof t->stack);
        } else {
            toks = PyMem_Realloc(t->toks, (size_t)cap * sizeof(Tok));
        }
        if (toks == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        t->toks = toks;
        t->cap = cap;
    }
    if (tok.upper) t->caps++;
    if ((tok.rule & R_BUT) && t->but < 0) t->but = t->n;
    t->toks[t->n++] = tok;
    return 0;
}

static inline void tok_set_entry(Tok *tok, const Entry *e) {
    tok->e = e;
    tok->flags = e ? e->flags : 0;
    tok->rule = e ? e->rule : 0;
    if (tok->flags & F_NEGATE) tok->negates = 1;
}

/* A word with a non-ASCII character: str.lower() and str.isupper() decide. */
static int analyse_unicode_word(const Analyzer *a, int kind, const void *data, Py_ssize_t ws, Py_ssize_t we,
                                Tok *tok) {
    PyObject *word = PyUnicode_FromKindAndData(kind, (const char *)data + ws * kind, we - ws);
    if (word == NULL) return -1;
    PyObject *upper = PyObject_CallMethodNoArgs(word, STR_ISUPPER);
    PyObject *lower = upper ? PyObject_CallMethodNoArgs(word, STR_LOWER) : NULL;
    Py_DECREF(word);
    if (lower == NULL) {
        Py_XDECREF(upper);
        return -1;
    }
    tok->upper = (upper == Py_True);
    Py_DECREF(upper);
    int nt = PyUnicode_Contains(lower, STR_NT);
    if (nt < 0) {
        Py_DECREF(lower);
        return -1;
    }
    tok->negates = (uint8_t)nt;
    const Entry *e = NULL;
    if (PyUnicode_IS_ASCII(lower)) {
        size_t len = (size_t)PyUnicode_GET_LENGTH(lower);
        const char *s = (const char *)PyUnicode_DATA(lower);
        e = lookup(a, s, len, fnv_bytes(s, len));
    } else if (a->non_ascii_keys) {
        Py_ssize_t len;
        const char *s = PyUnicode_AsUTF8AndSize(lower, &len);
        if (s == NULL) { /* lone surrogates: equal to no key */
            PyErr_Clear();
        } else {
            e = lookup(a, s, (size_t)len, fnv_bytes(s, (size_t)len));
        }
    }
    Py_DECREF(lower);
    tok_set_entry(tok, e);
    return 0;
}

/* SentiText: str.split(), then each token's string.punctuation stripped unless <= 2 characters
 * remain; '!' and '?' counted over the whole text. `kind` is a constant at each call site. */
static inline __attribute__((always_inline)) int tokenize(const Analyzer *a, int kind, const void *data,
                                                          Py_ssize_t len, Tokens *t) {
    Py_ssize_t i = 0;
    for (;;) {
        Py_UCS4 ch = 0;
        while (i < len) {
            ch = PyUnicode_READ(kind, data, i);
            if (!Py_UNICODE_ISSPACE(ch)) break;
            i++;
        }
        if (i >= len) break;
        Py_ssize_t s = i;
        while (i < len) {
            ch = PyUnicode_READ(kind, data, i);
            if (ch == '!') t->excl++;
            else if (ch == '?') t->quest++;
            else if (Py_UNICODE_ISSPACE(ch)) break;
            i++;
        }
        Py_ssize_t e = i;
        Py_ssize_t ss = s, se = e;
        while (ss < se && (ch = PyUnicode_READ(kind, data, ss)) < 128 && a->punct[ch]) ss++;
        while (se > ss && (ch = PyUnicode_READ(kind, data, se - 1)) < 128 && a->punct[ch]) se--;
        if (se - ss <= 2) {
            ss = s;
            se = e;
        }
        Tok tok = {NULL, 0, 0, 0, 0};
        uint64_t h = FNV_OFFSET;
        int has_upper = 0, has_lower = 0, ascii = 1;
        unsigned char p1 = 0, p2 = 0;
        for (Py_ssize_t k = ss; k < se; k++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, k);
            if (c >= 128) {
                ascii = 0;
                break;
            }
            if (c >= 'A' && c <= 'Z') {
                has_upper = 1;
                c += 32;
            } else if (c >= 'a' && c <= 'z') {
                has_lower = 1;
            }
            h = fnv_step(h, (unsigned char)c);
            if (c == 't' && p1 == '\'' && p2 == 'n') tok.negates = 1;
            p2 = p1;
            p1 = (unsigned char)c;
        }
        if (ascii) {
            tok.upper = (uint8_t)(has_upper && !has_lower);
            const Entry *found = NULL;
            if ((size_t)(se - ss) <= a->max_key) {
                /* Re-lower into a small buffer to compare with the candidate key. */
                uint64_t slot = slot_of(h) & a->mask;
                size_t wl = (size_t)(se - ss);
                for (;;) {
                    uint32_t sl = a->slots[slot];
                    if (sl == 0) break;
                    const Entry *en = &a->entries[sl - 1];
                    if (en->hash == h && en->key_len == wl) {
                        const char *key = a->keys + en->key_off;
                        size_t k = 0;
                        for (; k < wl; k++) {
                            Py_UCS4 c = PyUnicode_READ(kind, data, ss + (Py_ssize_t)k);
                            if (c >= 'A' && c <= 'Z') c += 32;
                            if ((unsigned char)key[k] != c) break;
                        }
                        if (k == wl) {
                            found = en;
                            break;
                        }
                    }
                    slot = (slot + 1) & a->mask;
                }
            }
            tok_set_entry(&tok, found);
        } else if (analyse_unicode_word(a, kind, data, ss, se, &tok) < 0) {
            return -1;
        }
        if (tokens_push(t, tok) < 0) return -1;
    }
    return 0;
}

/* An n-gram of 2 or 3 tokens ("w1 w2 [w3]") in the table, or NULL. Tokens that are no key of
 * any table cannot be part of a multi-word key. */
static const Entry *ngram(const Analyzer *a, const Tok *x, const Tok *y, const Tok *z) {
    if (x->e == NULL || y->e == NULL || (z != NULL && z->e == NULL)) return NULL;
    char buf[512];
    size_t need = x->e->key_len + 1 + y->e->key_len + (z ? 1 + z->e->key_len : 0);
    if (need > a->max_key || need > sizeof buf) return NULL;
    size_t n = 0;
    memcpy(buf, a->keys + x->e->key_off, x->e->key_len);
    n += x->e->key_len;
    buf[n++] = ' ';
    memcpy(buf + n, a->keys + y->e->key_off, y->e->key_len);
    n += y->e->key_len;
    if (z) {
        buf[n++] = ' ';
        memcpy(buf + n, a->keys + z->e->key_off, z->e->key_len);
        n += z->e->key_len;
    }
    return lookup(a, buf, n, fnv_bytes(buf, n));
}

/* The reference's _special_idioms_check (i > 2). `is_int` tracks a Python int valence. */
static double special_idioms(const Analyzer *a, double valence, int *is_int, const Tok *t, Py_ssize_t n,
                             Py_ssize_t i) {
    const Tok *t0 = &t[i], *t1 = &t[i - 1], *t2 = &t[i - 2], *t3 = &t[i - 3];
    const Entry *seqs[5] = {ngram(a, t1, t0, NULL), ngram(a, t2, t1, t0), ngram(a, t2, t1, NULL),
                            ngram(a, t3, t2, t1), ngram(a, t3, t2, NULL)};
    for (int k = 0; k < 5; k++) {
        if (seqs[k] != NULL && (seqs[k]->flags & F_SPECIAL)) {
            valence = seqs[k]->special;
            *is_int = (seqs[k]->flags & F_SPECIAL_INT) != 0;
            break;
        }
    }
    if (n - 1 > i) {
        const Entry *e = ngram(a, t0, &t[i + 1], NULL);
        if (e != NULL && (e->flags & F_SPECIAL)) {
            valence = e->special;
            *is_int = (e->flags & F_SPECIAL_INT) != 0;
        }
    }
    if (n - 1 > i + 1) {
        const Entry *e = ngram(a, t0, &t[i + 1], &t[i + 2]);
        if (e != NULL && (e->flags & F_SPECIAL)) {
            valence = e->special;
            *is_int = (e->flags & F_SPECIAL_INT) != 0;
        }
    }
    const Entry *grams[3] = {seqs[3], seqs[4], seqs[2]}; /* threetwoone, threetwo, twoone */
    for (int k = 0; k < 3; k++) {
        if (grams[k] != NULL && (grams[k]->flags & F_BOOST)) {
            valence = valence + grams[k]->boost;
            *is_int = *is_int && (grams[k]->flags & F_BOOST_INT);
        }
    }
    return valence;
}

/* No n-gram _special_idioms_check builds around i (> 2) can be a key unless two adjacent words
 * of it are words of multi-word keys (analyzer._idiom_possible, coarser and still exact). */
static inline int idiom_possible(const Tok *t, Py_ssize_t n, Py_ssize_t i) {
    int f0 = t[i].flags & F_IDIOM, f1 = t[i - 1].flags & F_IDIOM, f2 = t[i - 2].flags & F_IDIOM,
        f3 = t[i - 3].flags & F_IDIOM;
    return (f1 && f0) || (f2 && f1) || (f3 && f2) || (f0 && i + 1 < n && (t[i + 1].flags & F_IDIOM));
}

#define HAS(tok, bit) (((tok).rule & (bit)) != 0)
#define IS_LEX(tok) (((tok).flags & F_LEX) != 0)

/* The reference's sentiment_valence (plus its "kind of" skip) for the lexicon word at i. */
static double valence_at(const Analyzer *a, const Tok *t, Py_ssize_t n, Py_ssize_t i, int cap_diff, int *is_int) {
    const Tok *tok = &t[i];
    *is_int = 0;
    if (HAS(*tok, R_KIND) && i < n - 1 && HAS(t[i + 1], R_OF)) {
        *is_int = 1;
        return 0.0;
    }
    const double n_scalar = a->n_scalar, c_incr = a->c_incr;
    double base = tok->e->lex, valence = base;
    /* "" for missing neighbours: no rule word */
    unsigned r1 = i > 0 ? t[i - 1].rule : 0, r2 = i > 1 ? t[i - 2].rule : 0, r3 = i > 2 ? t[i - 3].rule : 0;

    if (HAS(*tok, R_NO) && i != n - 1 && IS_LEX(t[i + 1])) valence = 0.0;
    if ((r1 & R_NO) || (r2 & R_NO) || ((r3 & R_NO) && (r1 & (R_OR | R_NOR)))) valence = base * n_scalar;

    if (tok->upper && cap_diff) {
        if (valence > 0)
            valence += c_incr;
        else
            valence -= c_incr;
    }
    for (int start_i = 0; start_i < 3; start_i++) {
        if (i <= start_i) break;
        const Tok *prev = &t[i - start_i - 1];
        if (IS_LEX(*prev)) continue;
        double scalar = 0.0;
        int scalar_int = 0;
        if (prev->flags & F_BOOST) {
            scalar = prev->e->boost;
            scalar_int = (prev->flags & F_BOOST_INT) != 0;
            if (valence < 0) scalar *= -1; /* an int stays an int */
            if (prev->upper && cap_diff) {
                scalar_int = 0;
                if (valence > 0)
                    scalar += c_incr;
                else
                    scalar -= c_incr;
            }
        }
        if (start_i == 1 && scalar != 0) scalar = scalar * 0.95;
        if (start_i == 2 && scalar != 0) scalar = scalar * 0.9;
        (void)scalar_int; /* valence is a float here, so valence + scalar is a float */
        valence = valence + scalar;

        if (start_i == 0) {
            if (prev->negates) valence = valence * n_scalar;
        } else if (start_i == 1) {
            if ((r2 & R_NEVER) && (r1 & (R_SO | R_THIS)))
                valence = valence * 1.25;
            else if ((r2 & R_WITHOUT) && (r1 & R_DOUBT))
                ;
            else if (prev->negates)
                valence = valence * n_scalar;
        } else {
            /* The reference's precedence: (never and so/this) or (so/this). */
            if (((r3 & R_NEVER) && (r2 & (R_SO | R_THIS))) || (r1 & (R_SO | R_THIS)))
                valence = valence * 1.25;
            else if ((r3 & R_WITHOUT) && ((r2 & R_DOUBT) || (r1 & R_DOUBT)))
                ;
            else if (prev->negates)
                valence = valence * n_scalar;
            if (idiom_possible(t, n, i)) valence = special_idioms(a, valence, is_int, t, n, i);
        }
    }
    if (i > 1 && !IS_LEX(t[i - 1]) && (r1 & R_LEAST)) {
        if (!(r2 & R_AT) && !(r2 & R_VERY)) {
            valence = valence * n_scalar;
            *is_int = 0;
        }
    } else if (i > 0 && !IS_LEX(t[i - 1]) && (r1 & R_LEAST)) {
        valence = valence * n_scalar;
        *is_int = 0;
    }
    return valence;
}

/* analyzer.round_half_even / round_proportion: round(x, ndigits) without the decimal conversion,
 * falling back to float.__round__ near ties and out of range. */
static PyObject *rounded(double x, double scale, int ndigits) {
    double magnitude = x >= 0.0 ? x : -x;
    if (magnitude < 16.0) {
        double scaled = magnitude * scale;
        double whole = floor(scaled);
        double fraction = scaled - whole;
        if (fraction < 0.499999999) return PyFloat_FromDouble(copysign(whole / scale, x));
        if (fraction > 0.500000001) return PyFloat_FromDouble(copysign((whole + 1.0) / scale, x));
    }
    PyObject *f = PyFloat_FromDouble(x);
    if (f == NULL) return NULL;
    PyObject *nd = PyLong_FromLong(ndigits);
    PyObject *r = nd ? PyObject_CallMethodOneArg(f, STR_ROUND, nd) : NULL;
    Py_DECREF(f);
    Py_XDECREF(nd);
    return r;
}

static int sum_values(const Val *vals, Py_ssize_t m, double *out) {
#if PY_VERSION_HEX >= 0x030C0000
    /* 3.12+ sum() compensates rounding errors: let it add the same objects the reference adds. */
    PyObject *list = PyList_New(m);
    if (list == NULL) return -1;
    for (Py_ssize_t k = 0; k < m; k++) {
        PyObject *item = vals[k].is_int ? PyLong_FromDouble(vals[k].v) : PyFloat_FromDouble(vals[k].v);
        if (item == NULL) {
            Py_DECREF(list);
            return -1;
        }
        PyList_SET_ITEM(list, k, item);
    }
    PyObject *total = PyObject_CallOneArg(BUILTIN_SUM, list);
    Py_DECREF(list);
    if (total == NULL) return -1;
    *out = PyFloat_AsDouble(total);
    Py_DECREF(total);
    return (*out == -1.0 && PyErr_Occurred()) ? -1 : 0;
#else
    /* Up to 3.11 sum() adds left to right from int 0 (ints exactly, then floats). */
    double s = 0.0;
    for (Py_ssize_t k = 0; k < m; k++) s += vals[k].v;
    *out = s;
    return 0;
#endif
}

static PyObject *score(const Analyzer *a, Tokens *t, int round_them) {
    Py_ssize_t n = t->n;
    if (n == 0) return Py_BuildValue("(dddd)", 0.0, 0.0, 0.0, 0.0);
    const Tok *toks = t->toks;
    int cap_diff = t->caps > 0 && t->caps < n;

    Val stack_vals[STACK_TOKENS];
    Val *vals = stack_vals;
    if (n > STACK_TOKENS) {
        vals = PyMem_Malloc((size_t)n * sizeof(Val));
        if (vals == NULL) return PyErr_NoMemory();
    }
    Py_ssize_t m = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if ((toks[i].flags & (F_LEX | F_BOOST)) != F_LEX) continue;
        int is_int;
        double v = valence_at(a, toks, n, i, cap_diff, &is_int);
        vals[m].v = v;
        vals[m].at = (int32_t)i;
        vals[m].is_int = is_int;
        m++;
    }
    PyObject *result = NULL;
    if (m == 0) {
        result = Py_BuildValue("(dddd)", 0.0, 1.0, 0.0, 0.0);
        goto done;
    }
    if (t->but >= 0) {
        /* _but_check: rescales the *first* score equal to the one visited. */
        Py_ssize_t bi = t->but;
        for (Py_ssize_t pos = 0; pos < m; pos++) {
            double value = vals[pos].v;
            Py_ssize_t j = 0; /* list.index: the first equal one (itself at the latest) */
            while (j < pos && !(vals[j].v == value)) j++;
            if (vals[j].at < bi) {
                vals[j].v = value * 0.5;
                vals[j].is_int = 0;
            } else if (vals[j].at > bi) {
                vals[j].v = value * 1.5;
                vals[j].is_int = 0;
            }
        }
    }
    /* score_valence */
    double sum_s;
    if (sum_values(vals, m, &sum_s) < 0) goto done;
    Py_ssize_t ep_count = t->excl > 4 ? 4 : t->excl;
    Py_ssize_t qm_count = t->quest;
    double qm_amplifier = 0.0;
    if (qm_count > 1) qm_amplifier = qm_count <= 3 ? (double)qm_count * 0.18 : 0.96;
    double punct_emph_amplifier = (double)ep_count * 0.292 + qm_amplifier;
    if (sum_s > 0)
        sum_s += punct_emph_amplifier;
    else if (sum_s < 0)
        sum_s -= punct_emph_amplifier;
    double compound = sum_s / sqrt((sum_s * sum_s) + 15.0);
    if (compound < -1.0)
        compound = -1.0;
    else if (compound > 1.0)
        compound = 1.0;

    double pos_sum = 0.0, neg_sum = 0.0;
    Py_ssize_t neu_count = n;
    for (Py_ssize_t k = 0; k < m; k++) {
        double s = vals[k].v;
        if (s > 0) {
            pos_sum += s + 1.0;
            neu_count--;
        } else if (s < 0) {
            neg_sum += s - 1.0;
            neu_count--;
        }
    }
    if (pos_sum > fabs(neg_sum))
        pos_sum += punct_emph_amplifier;
    else if (pos_sum < fabs(neg_sum))
        neg_sum -= punct_emph_amplifier;
    double total = pos_sum + fabs(neg_sum) + (double)neu_count;

    if (!round_them) {
        result = Py_BuildValue("(dddd)", fabs(neg_sum / total), fabs((double)neu_count / total),
                               fabs(pos_sum / total), compound);
        goto done;
    }
    PyObject *neg = rounded(fabs(neg_sum / total), 1000.0, 3);
    PyObject *neu = neg ? rounded(fabs((double)neu_count / total), 1000.0, 3) : NULL;
    PyObject *pos = neu ? rounded(fabs(pos_sum / total), 1000.0, 3) : NULL;
    PyObject *cmp = pos ? rounded(compound, 10000.0, 4) : NULL;
    if (cmp != NULL) {
        result = PyTuple_Pack(4, neg, neu, pos, cmp);
    }
    Py_XDECREF(neg);
    Py_XDECREF(neu);
    Py_XDECREF(pos);
    Py_XDECREF(cmp);
done:
    if (vals != stack_vals) PyMem_Free(vals);
    return result;
}

static PyObject *scores(Analyzer *self, PyObject *text, int round_them) {
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "text must be str, not %.100s", Py_TYPE(text)->tp_name);
        return NULL;
    }
    if (!self->ready) {
        PyErr_SetString(PyExc_RuntimeError, "Analyzer is not initialised");
        return NULL;
    }
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);

    Py_UCS4 stack_text[STACK_CHARS];
    Py_UCS4 *wide = NULL; /* the text as UCS4, emoji replaced; NULL: use the str's own data */
    if (!PyUnicode_IS_ASCII(text)) {
        /* Emoji -> " " + description (one pass, as the reference). */
        Py_ssize_t extra = 0;
        int has_emoji = 0;
        for (Py_ssize_t i = 0; i < len; i++) {
            const Emoji *em = emoji_of(self, PyUnicode_READ(kind, data, i));
            if (em != NULL) {
                extra += (Py_ssize_t)em->len - 1;
                has_emoji = 1;
            }
        }
        if (has_emoji || kind != PyUnicode_1BYTE_KIND) {
            Py_ssize_t wlen = len + extra;
            wide = wlen <= STACK_CHARS ? stack_text : PyMem_Malloc((size_t)wlen * sizeof(Py_UCS4));
            if (wide == NULL) return PyErr_NoMemory();
            Py_ssize_t w = 0;
            for (Py_ssize_t i = 0; i < len; i++) {
                Py_UCS4 ch = PyUnicode_READ(kind, data, i);
                const Emoji *em = emoji_of(self, ch);
                if (em == NULL) {
                    wide[w++] = ch;
                } else {
                    memcpy(wide + w, self->emoji_text + em->off, em->len * sizeof(Py_UCS4));
                    w += em->len;
                }
            }
            len = wlen;
        }
    }
    Tokens t;
    t.toks = t.stack;
    t.n = 0;
    t.cap = STACK_TOKENS;
    t.caps = 0;
    t.but = -1;
    t.excl = t.quest = 0;
    int rc = wide != NULL ? tokenize(self, PyUnicode_4BYTE_KIND, wide, len, &t)
                          : tokenize(self, PyUnicode_1BYTE_KIND, data, len, &t);
    PyObject *result = rc < 0 ? NULL : score(self, &t, round_them);
    if (t.toks != t.stack) PyMem_Free(t.toks);
    if (wide != NULL && wide != stack_text) PyMem_Free(wide);
    return result;
}

static PyObject *Analyzer_scores(Analyzer *self, PyObject *text) { return scores(self, text, 1); }

static PyObject *Analyzer_scores_unrounded(Analyzer *self, PyObject *text) { return scores(self, text, 0); }

static PyObject *Analyzer_sizeof(Analyzer *self, PyObject *Py_UNUSED(ignored)) {
    size_t size = sizeof(Analyzer) + (size_t)self->cap_entries * sizeof(Entry) +
                  (self->slots ? (size_t)(self->mask + 1) * sizeof(uint32_t) : 0) + self->keys_cap +
                  (self->emoji ? (size_t)(self->emoji_mask + 1) * sizeof(Emoji) : 0) +
                  self->emoji_text_len * sizeof(Py_UCS4);
    return PyLong_FromSize_t(size);
}

static PyMethodDef Analyzer_methods[] = {
    {"scores", (PyCFunction)Analyzer_scores, METH_O,
     "scores(text, /) -> (neg, neu, pos, compound), identical to vaderSentiment 3.3.2's polarity_scores."},
    {"scores_unrounded", (PyCFunction)Analyzer_scores_unrounded, METH_O,
     "scores_unrounded(text, /) -> the same four numbers before round() (for tests)."},
    {"__sizeof__", (PyCFunction)Analyzer_sizeof, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject AnalyzerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "enrich.sentiment._vader.Analyzer",
    .tp_basicsize = sizeof(Analyzer),
    .tp_dealloc = (destructor)Analyzer_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Analyzer(lexicon, emoji, boosters, special_cases, negate_words, punctuation, c_incr, n_scalar)\n\n"
              "VADER tables as enrich.sentiment loads them from vaderSentiment; emoji maps single characters "
              "to their replacement (\" \" + description).",
    .tp_methods = Analyzer_methods,
    .tp_init = (initproc)Analyzer_init,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef vader_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_vader",
    .m_doc = "Native VADER sentiment (a C port of vaderSentiment 3.3.2's scoring; see enrich/sentiment/_vader.c).",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__vader(void) {
    if (PyType_Ready(&AnalyzerType) < 0) return NULL;
    STR_LOWER = PyUnicode_InternFromString("lower");
    STR_ISUPPER = PyUnicode_InternFromString("isupper");
    STR_ROUND = PyUnicode_InternFromString("__round__");
    STR_NT = PyUnicode_FromString("n't");
    if (!STR_LOWER || !STR_ISUPPER || !STR_ROUND || !STR_NT) return NULL;
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *builtins = PyImport_ImportModule("builtins");
    if (builtins == NULL) return NULL;
    BUILTIN_SUM = PyObject_GetAttrString(builtins, "sum");
    Py_DECREF(builtins);
    if (BUILTIN_SUM == NULL) return NULL;
#endif
    PyObject *m = PyModule_Create(&vader_module);
    if (m == NULL) return NULL;
    Py_INCREF(&AnalyzerType);
    if (PyModule_AddObject(m, "Analyzer", (PyObject *)&AnalyzerType) < 0) {
        Py_DECREF(&AnalyzerType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
