/* The sqlite3 * behind a Python sqlite3.Connection, for the native fast paths.
 *
 * CPython keeps it as the first field after PyObject_HEAD (Modules/_sqlite/connection.h, 3.8 to
 * 3.13). That is not a public API, so three checks guard its use:
 *   - at import, _sqlite3 must resolve sqlite3_libversion to the very function this module links
 *     (one library in the process: a statically linked _sqlite3 fails the check);
 *   - the object must be a sqlite3.Connection (or a subclass);
 *   - for each connection, native.connection_ok() compares sqlite3_db_filename() of the handle with
 *     what PRAGMA database_list says on the Python side.
 * Any check failing means the pure-Python path runs instead.
 */
#ifndef BACPAC_SQLITE_HANDLE_H
#define BACPAC_SQLITE_HANDLE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <sqlite3.h>
#include <dlfcn.h>
#include <string.h>

typedef struct {
    PyObject_HEAD
    sqlite3 *db;
} bacpac_connection_head;

static PyObject *bacpac_connection_type = NULL;

/* 0 on success, -1 with an ImportError set when the handle cannot be shared safely. */
static int
bacpac_handle_init(void)
{
    PyObject *module = PyImport_ImportModule("_sqlite3");
    if (module == NULL)
        return -1;
    PyObject *file = PyObject_GetAttrString(module, "__file__");
    bacpac_connection_type = PyObject_GetAttrString(module, "Connection");
    Py_DECREF(module);
    if (file == NULL || bacpac_connection_type == NULL) {
        Py_XDECREF(file);
        return -1;
    }
    const char *path = PyUnicode_AsUTF8(file);
    void *lib = path ? dlopen(path, RTLD_LAZY | RTLD_NOLOAD) : NULL;
    void *theirs = lib ? dlsym(lib, "sqlite3_libversion") : NULL;
    Py_DECREF(file);
    if (lib)
        dlclose(lib);
    if (theirs != (void *)&sqlite3_libversion) {
        PyErr_SetString(PyExc_ImportError, "_sqlite3 does not share this module's SQLite library");
        return -1;
    }
    return 0;
}

/* The handle of a sqlite3.Connection, or NULL with a TypeError / ProgrammingError-like error set. */
static sqlite3 *
bacpac_handle(PyObject *connection)
{
    int is_connection = PyObject_IsInstance(connection, bacpac_connection_type);
    if (is_connection < 0)
        return NULL;
    if (!is_connection) {
        PyErr_SetString(PyExc_TypeError, "a sqlite3.Connection is required");
        return NULL;
    }
    sqlite3 *db = ((bacpac_connection_head *)connection)->db;
    if (db == NULL)
        PyErr_SetString(PyExc_ValueError, "the sqlite3 connection is closed");
    return db;
}

#endif
