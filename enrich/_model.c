/*
 * enrich._model: build a pydantic model instance from a dict of already-valid field values.
 *
 * What enrich._trusted.trusted() does in Python for models that qualify (no aliases, private
 * attributes, extra fields or model_post_init; checked there once per class, along with the
 * field order of the dict): a new instance whose __dict__ is ``values`` (not copied), whose
 * ``__pydantic_fields_set__`` is ``set(values)`` and whose ``__pydantic_extra__`` and
 * ``__pydantic_private__`` are None. That is the state ``cls.model_construct(**values)`` leaves
 * when it is given every field. In Python the same steps cost about a microsecond a model (five
 * calls through object.__setattr__ and __new__); here they are a few stores. Every enriched
 * mention builds about five models, so this is a measurable share of the enrich step.
 *
 * bind(BaseModel) must be called once: it takes pydantic's three slot descriptors from the class
 * (and checks that they are what this module assumes). make(cls, values, names[, fields]) then
 * requires ``cls`` to be a subclass of that BaseModel, ``values`` a dict, ``names`` a tuple and
 * ``fields``, if given, a set (anything else raises TypeError); it returns None, building nothing,
 * unless the keys of ``values`` are ``names`` in that order (the model's fields, as model_construct
 * would store them). ``fields`` must hold exactly ``names``: the fields-set is then a copy of it,
 * which costs less than building it from the dict's keys (its table is copied, nothing rehashed).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

static PyTypeObject *base_model = NULL;
static PyObject *fields_set_slot = NULL; /* member descriptors of BaseModel.__slots__ */
static PyObject *extra_slot = NULL;
static PyObject *private_slot = NULL;

static PyObject *
slot_of(PyTypeObject *cls, const char *name)
{
    PyObject *descr = PyDict_GetItemString(cls->tp_dict, name); /* borrowed */
    if (descr == NULL || !PyObject_TypeCheck(descr, &PyMemberDescr_Type)) {
        PyErr_Format(PyExc_TypeError, "%s.%s is not a __slots__ member; this pydantic is not supported",
                     cls->tp_name, name);
        return NULL;
    }
    Py_INCREF(descr);
    return descr;
}

static PyObject *
model_bind(PyObject *module, PyObject *arg)
{
    if (!PyType_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "bind() takes pydantic's BaseModel class");
        return NULL;
    }
    PyTypeObject *cls = (PyTypeObject *)arg;
    PyObject *fs = slot_of(cls, "__pydantic_fields_set__");
    PyObject *ex = fs ? slot_of(cls, "__pydantic_extra__") : NULL;
    PyObject *pr = ex ? slot_of(cls, "__pydantic_private__") : NULL;
    if (pr == NULL) {
        Py_XDECREF(fs);
        Py_XDECREF(ex);
        return NULL;
    }
    if (cls->tp_dictoffset == 0) {
        Py_DECREF(fs);
        Py_DECREF(ex);
        Py_DECREF(pr);
        PyErr_Format(PyExc_TypeError, "%s instances have no __dict__", cls->tp_name);
        return NULL;
    }
    Py_INCREF(cls);
    Py_XSETREF(base_model, cls);
    Py_XSETREF(fields_set_slot, fs);
    Py_XSETREF(extra_slot, ex);
    Py_XSETREF(private_slot, pr);
    Py_RETURN_NONE;
}

static int
set_slot(PyObject *descr, PyObject *obj, PyObject *value)
{
    return Py_TYPE(descr)->tp_descr_set(descr, obj, value);
}

static PyObject *
model_make(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 && nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "make(cls, values, names[, fields]) takes three or four arguments");
        return NULL;
    }
    if (base_model == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "enrich._model.bind(BaseModel) was not called");
        return NULL;
    }
    PyObject *cls_obj = args[0], *values = args[1], *names = args[2];
    if (!PyType_Check(cls_obj) || !PyType_IsSubtype((PyTypeObject *)cls_obj, base_model)) {
        PyErr_SetString(PyExc_TypeError, "make(): cls must be a pydantic model class");
        return NULL;
    }
    if (!PyDict_CheckExact(values) || !PyTuple_CheckExact(names)) {
        PyErr_SetString(PyExc_TypeError, "make(): values must be a dict and names a tuple");
        return NULL;
    }
    PyObject *fields = nargs == 4 ? args[3] : NULL;
    if (fields != NULL && !PySet_CheckExact(fields)) {
        PyErr_SetString(PyExc_TypeError, "make(): fields must be a set");
        return NULL;
    }
    /* The keys of values must be names, in that order; otherwise None (the caller reorders). */
    Py_ssize_t n = PyTuple_GET_SIZE(names);
    if (PyDict_GET_SIZE(values) != n)
        Py_RETURN_NONE;
    Py_ssize_t pos = 0, i = 0;
    PyObject *key, *value;
    while (PyDict_Next(values, &pos, &key, &value)) {
        PyObject *name = PyTuple_GET_ITEM(names, i++);
        if (key != name) {
            int same = PyObject_RichCompareBool(key, name, Py_EQ);
            if (same < 0)
                return NULL;
            if (!same)
                Py_RETURN_NONE;
        }
    }
    PyTypeObject *cls = (PyTypeObject *)cls_obj;
    /* cls.__new__(cls): pydantic defines no __new__, so this is object.__new__'s allocation. */
    PyObject *obj = cls->tp_alloc(cls, 0);
    if (obj == NULL)
        return NULL;
    PyObject *fields_set = PySet_New(fields != NULL ? fields : values); /* the keys */
    if (fields_set == NULL || PyObject_GenericSetDict(obj, values, NULL) < 0
        || set_slot(fields_set_slot, obj, fields_set) < 0 || set_slot(extra_slot, obj, Py_None) < 0
        || set_slot(private_slot, obj, Py_None) < 0) {
        Py_XDECREF(fields_set);
        Py_DECREF(obj);
        return NULL;
    }
    Py_DECREF(fields_set);
    return obj;
}

static PyMethodDef model_methods[] = {
    {"bind", (PyCFunction)model_bind, METH_O, "bind(BaseModel): take pydantic's slot descriptors."},
    {"make", (PyCFunction)(void (*)(void))model_make, METH_FASTCALL,
     "make(cls, values, names[, fields]): a cls instance whose __dict__ is values (trusted, not "
     "validated) and fields-set a copy of fields (the set of names) or the keys of values, or None "
     "unless values has exactly the keys names, in order."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef model_module = {
    PyModuleDef_HEAD_INIT,
    "enrich._model",
    "Build pydantic models from already-valid values (see enrich/_trusted.py).",
    -1,
    model_methods,
};

PyMODINIT_FUNC
PyInit__model(void)
{
    return PyModule_Create(&model_module);
}
