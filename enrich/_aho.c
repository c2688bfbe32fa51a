/*
 * enrich._aho: an Aho-Corasick automaton over Unicode code points, for the watchlist prefilter
 * (enrich/matching/engine.py) and the intent phrase rules (enrich/intent/tagger.py).
 *
 * It reports what pyahocorasick 2.3's Automaton.iter(text) reports for the same words and values:
 * every occurrence of every word, overlapping ones included, as (index of the word's last
 * character, value), in order of that index; at one index the longest word comes first, then the
 * shorter ones that end there (the output chain of the failure links). tests/unit/test_aho_native.py
 * compares the two on generated words and texts; pyahocorasick stays the fallback.
 *
 * Why not pyahocorasick: its trie nodes keep their children in arrays searched one by one, and a
 * post's characters mostly fail at the root, which has a child for every first letter of ~3,000
 * watchlist keys: ~30 ns a character. Here the root's transitions for Latin-1 characters are a
 * direct table, other states' children are sorted arrays (binary search when long), and all
 * matches of a text are returned as one list (no iterator object and call per match): a few ns a
 * character.
 *
 * Automaton(items) takes an iterable of (word, value) pairs (words: non-empty str; a word given
 * twice keeps its last value) and is immutable afterwards. find(text) -> list[tuple[int, value]].
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define AHO_ROOT_DIRECT 256 /* root transitions for code points below this: a direct table */
#define AHO_NONE UINT32_MAX

typedef struct {
    uint32_t cp;
    uint32_t next;
} AhoEdge;

typedef struct {
    uint32_t edges;  /* first edge in AhoAutomaton.edges (sorted by cp) */
    uint32_t nedges;
    uint32_t fail;   /* failure link (state 0 is the root) */
    uint32_t out;    /* nearest terminal state on the failure chain, AHO_NONE if none */
    int32_t value;   /* index in values, -1 if no word ends here */
} AhoState;

typedef struct {
    PyObject_HEAD
    AhoState *states;
    uint32_t nstates;
    AhoEdge *edges;
    uint32_t root_direct[AHO_ROOT_DIRECT];
    PyObject *values; /* list */
    Py_ssize_t nwords;
} AhoAutomaton;

/* -- building (a trie with linked children first, then compacted) ------------------------------ */

typedef struct {
    uint32_t first_child, next_sibling, cp;
    int32_t value;
} BuildNode;

typedef struct {
    BuildNode *nodes;
    uint32_t n, cap;
} Builder;

static int
builder_new_node(Builder *b, uint32_t cp)
{
    if (b->n == b->cap) {
        uint32_t cap = b->cap ? b->cap * 2 : 1024;
        BuildNode *nodes = PyMem_Realloc(b->nodes, (size_t)cap * sizeof(BuildNode));
        if (nodes == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        b->nodes = nodes;
        b->cap = cap;
    }
    BuildNode *node = &b->nodes[b->n];
    node->first_child = AHO_NONE;
    node->next_sibling = AHO_NONE;
    node->cp = cp;
    node->value = -1;
    return (int)b->n++;
}

static int
cmp_edge(const void *a, const void *b)
{
    uint32_t x = ((const AhoEdge *)a)->cp, y = ((const AhoEdge *)b)->cp;
    return x < y ? -1 : x > y;
}

static inline uint32_t
aho_goto(const AhoAutomaton *a, uint32_t state, uint32_t cp)
{
    if (state == 0 && cp < AHO_ROOT_DIRECT)
        return a->root_direct[cp];
    const AhoState *s = &a->states[state];
    const AhoEdge *e = a->edges + s->edges;
    uint32_t n = s->nedges;
    if (n <= 8) {
        for (uint32_t i = 0; i < n; i++) {
            if (e[i].cp == cp)
                return e[i].next;
            if (e[i].cp > cp)
                break;
        }
        return AHO_NONE;
    }
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (e[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && e[lo].cp == cp ? e[lo].next : AHO_NONE;
}

static int
aho_add(Builder *b, PyObject *values, PyObject *word, PyObject *value)
{
    if (!PyUnicode_Check(word) || PyUnicode_READY(word) < 0 || PyUnicode_GET_LENGTH(word) == 0) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "Automaton: words must be non-empty str");
        return -1;
    }
    int kind = PyUnicode_KIND(word);
    const void *data = PyUnicode_DATA(word);
    uint32_t node = 0;
    for (Py_ssize_t i = 0; i < PyUnicode_GET_LENGTH(word); i++) {
        uint32_t cp = PyUnicode_READ(kind, data, i);
        uint32_t child = b->nodes[node].first_child;
        while (child != AHO_NONE && b->nodes[child].cp != cp)
            child = b->nodes[child].next_sibling;
        if (child == AHO_NONE) {
            int made = builder_new_node(b, cp);
            if (made < 0)
                return -1;
            child = (uint32_t)made;
            b->nodes[child].next_sibling = b->nodes[node].first_child;
            b->nodes[node].first_child = child;
        }
        node = child;
    }
    if (b->nodes[node].value >= 0) /* a repeated word: its last value wins */
        return PyList_SetItem(values, b->nodes[node].value, Py_NewRef(value));
    b->nodes[node].value = (int32_t)PyList_GET_SIZE(values);
    return PyList_Append(values, value);
}

static int
aho_compile(AhoAutomaton *a, Builder *b)
{
    a->nstates = b->n;
    a->states = PyMem_Calloc(b->n, sizeof(AhoState));
    a->edges = PyMem_Calloc(b->n ? b->n : 1, sizeof(AhoEdge)); /* one edge per non-root node */
    uint32_t *queue = PyMem_Malloc((size_t)b->n * sizeof(uint32_t));
    if (a->states == NULL || a->edges == NULL || queue == NULL) {
        PyMem_Free(queue);
        PyErr_NoMemory();
        return -1;
    }
    /* Edges, sorted per state. */
    uint32_t nedges = 0;
    for (uint32_t s = 0; s < b->n; s++) {
        AhoState *st = &a->states[s];
        st->edges = nedges;
        st->value = b->nodes[s].value;
        st->out = AHO_NONE;
        for (uint32_t c = b->nodes[s].first_child; c != AHO_NONE; c = b->nodes[c].next_sibling) {
            a->edges[nedges].cp = b->nodes[c].cp;
            a->edges[nedges].next = c;
            nedges++;
        }
        st->nedges = nedges - st->edges;
        qsort(a->edges + st->edges, st->nedges, sizeof(AhoEdge), cmp_edge);
    }
    for (uint32_t cp = 0; cp < AHO_ROOT_DIRECT; cp++)
        a->root_direct[cp] = AHO_NONE;
    for (uint32_t i = 0; i < a->states[0].nedges; i++) {
        AhoEdge e = a->edges[a->states[0].edges + i];
        if (e.cp < AHO_ROOT_DIRECT)
            a->root_direct[e.cp] = e.next;
    }
    /* Failure links and output links, breadth first. */
    uint32_t head = 0, tail = 0;
    for (uint32_t i = 0; i < a->states[0].nedges; i++) {
        uint32_t child = a->edges[a->states[0].edges + i].next;
        a->states[child].fail = 0;
        queue[tail++] = child;
    }
    while (head < tail) {
        uint32_t s = queue[head++];
        AhoState *st = &a->states[s];
        for (uint32_t i = 0; i < st->nedges; i++) {
            AhoEdge e = a->edges[st->edges + i];
            uint32_t f = st->fail, next;
            for (;;) {
                next = aho_goto(a, f, e.cp);
                if (next != AHO_NONE || f == 0)
                    break;
                f = a->states[f].fail;
            }
            AhoState *child = &a->states[e.next];
            child->fail = next != AHO_NONE ? next : 0;
            AhoState *fail = &a->states[child->fail];
            child->out = fail->value >= 0 ? child->fail : fail->out;
            queue[tail++] = e.next;
        }
    }
    PyMem_Free(queue);
    return 0;
}

static PyObject *
Aho_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *items;
    static char *kwlist[] = {"items", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:Automaton", kwlist, &items))
        return NULL;
    AhoAutomaton *a = (AhoAutomaton *)type->tp_alloc(type, 0);
    if (a == NULL)
        return NULL;
    a->values = PyList_New(0);
    Builder b = {NULL, 0, 0};
    PyObject *iter = a->values ? PyObject_GetIter(items) : NULL;
    if (iter == NULL || builder_new_node(&b, 0) < 0)
        goto fail;
    PyObject *item;
    while ((item = PyIter_Next(iter)) != NULL) {
        PyObject *word, *value;
        int ok = PyTuple_Check(item) && PyTuple_GET_SIZE(item) == 2;
        if (!ok) {
            PyErr_SetString(PyExc_TypeError, "Automaton: items must be (word, value) pairs");
            Py_DECREF(item);
            goto fail;
        }
        word = PyTuple_GET_ITEM(item, 0);
        value = PyTuple_GET_ITEM(item, 1);
        if (aho_add(&b, a->values, word, value) < 0) {
            Py_DECREF(item);
            goto fail;
        }
        Py_DECREF(item);
        if (b.n >= (uint32_t)INT32_MAX) {
            PyErr_SetString(PyExc_ValueError, "Automaton: too many characters");
            goto fail;
        }
    }
    if (PyErr_Occurred() || aho_compile(a, &b) < 0)
        goto fail;
    a->nwords = PyList_GET_SIZE(a->values);
    Py_DECREF(iter);
    PyMem_Free(b.nodes);
    return (PyObject *)a;
fail:
    Py_XDECREF(iter);
    PyMem_Free(b.nodes);
    Py_DECREF(a);
    return NULL;
}

static void
Aho_dealloc(AhoAutomaton *a)
{
    PyObject_GC_UnTrack(a);
    Py_CLEAR(a->values);
    PyMem_Free(a->states);
    PyMem_Free(a->edges);
    Py_TYPE(a)->tp_free((PyObject *)a);
}

static int
Aho_traverse(AhoAutomaton *a, visitproc visit, void *arg)
{
    Py_VISIT(a->values);
    return 0;
}

static int
Aho_clear(AhoAutomaton *a)
{
    Py_CLEAR(a->values);
    return 0;
}

static int
aho_emit(PyObject *out, Py_ssize_t end, PyObject *value)
{
    PyObject *index = PyLong_FromSsize_t(end);
    if (index == NULL)
        return -1;
    PyObject *pair = PyTuple_New(2);
    if (pair == NULL) {
        Py_DECREF(index);
        return -1;
    }
    PyTuple_SET_ITEM(pair, 0, index);
    PyTuple_SET_ITEM(pair, 1, Py_NewRef(value));
    int rc = PyList_Append(out, pair);
    Py_DECREF(pair);
    return rc;
}

static PyObject *
Aho_find(AhoAutomaton *a, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "find() takes a str");
        return NULL;
    }
    if (PyUnicode_READY(text) < 0 || a->values == NULL)
        return NULL;
    PyObject *out = PyList_New(0);
    if (out == NULL || a->nstates <= 1)
        return out;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const AhoState *states = a->states;
    uint32_t state = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        uint32_t cp = PyUnicode_READ(kind, data, i);
        for (;;) {
            uint32_t next = aho_goto(a, state, cp);
            if (next != AHO_NONE) {
                state = next;
                break;
            }
            if (state == 0)
                break;
            state = states[state].fail;
        }
        uint32_t t = states[state].value >= 0 ? state : states[state].out;
        while (t != AHO_NONE) {
            if (aho_emit(out, i, PyList_GET_ITEM(a->values, states[t].value)) < 0) {
                Py_DECREF(out);
                return NULL;
            }
            t = states[t].out;
        }
    }
    return out;
}

static Py_ssize_t
Aho_len(AhoAutomaton *a)
{
    return a->nwords;
}

static PySequenceMethods Aho_as_sequence = {
    .sq_length = (lenfunc)Aho_len,
};

static PyMethodDef Aho_methods[] = {
    {"find", (PyCFunction)Aho_find, METH_O,
     "find(text: str) -> list[tuple[int, value]]\n\n"
     "Every occurrence of every word: (index of its last character, value), as pyahocorasick's\n"
     "Automaton.iter(text) yields them."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject AhoType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "enrich._aho.Automaton",
    .tp_basicsize = sizeof(AhoAutomaton),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Automaton(items): Aho-Corasick over (word, value) pairs; find(text) lists the matches.",
    .tp_new = Aho_new,
    .tp_dealloc = (destructor)Aho_dealloc,
    .tp_traverse = (traverseproc)Aho_traverse,
    .tp_clear = (inquiry)Aho_clear,
    .tp_methods = Aho_methods,
    .tp_as_sequence = &Aho_as_sequence,
};

static struct PyModuleDef aho_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "enrich._aho",
    .m_doc = "Aho-Corasick over Unicode code points (see enrich/_aho.c).",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__aho(void)
{
    if (PyType_Ready(&AhoType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&aho_module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "Automaton", (PyObject *)&AhoType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
