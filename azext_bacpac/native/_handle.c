/* azext_bacpac.native._handle: the check that the native modules may use a connection's handle. */
#include "sqlite_handle.h"

static PyObject *
db_filename(PyObject *self, PyObject *connection)
{
    sqlite3 *db = bacpac_handle(connection);
    if (db == NULL)
        return NULL;
    const char *name = sqlite3_db_filename(db, "main");
    return PyUnicode_FromString(name ? name : "");
}

static PyObject *
in_transaction(PyObject *self, PyObject *connection)
{
    sqlite3 *db = bacpac_handle(connection);
    if (db == NULL)
        return NULL;
    return PyBool_FromLong(!sqlite3_get_autocommit(db));
}

static PyMethodDef methods[] = {
    {"db_filename", db_filename, METH_O, "sqlite3_db_filename(handle, 'main') of a sqlite3.Connection."},
    {"in_transaction", in_transaction, METH_O, "Whether the connection's handle is inside a transaction."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_handle", NULL, -1, methods};

PyMODINIT_FUNC
PyInit__handle(void)
{
    if (bacpac_handle_init() < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m && PyModule_AddStringConstant(m, "sqlite_version", sqlite3_libversion()) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
