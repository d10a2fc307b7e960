/* The CPython 3.13t (free-threaded) API siphon's native code uses, declared
 * as CPython 3.13 declares it, so test/13.free-threaded.test.mjs can compile
 * the Py_GIL_DISABLED paths against the 3.11 headers this machine has. This
 * checks that those paths compile; it cannot run them. */
#ifndef SIPHON_PY313T_SHIM_H
#define SIPHON_PY313T_SHIM_H
#include <Python.h>
#ifdef __cplusplus
extern "C" {
#endif
typedef struct PyCriticalSection { uintptr_t _cs_prev; void* _cs_mutex; } PyCriticalSection;
PyAPI_FUNC(void) PyCriticalSection_Begin(PyCriticalSection* c, PyObject* op);
PyAPI_FUNC(void) PyCriticalSection_End(PyCriticalSection* c);
#define Py_BEGIN_CRITICAL_SECTION(op) { PyCriticalSection _py_cs; PyCriticalSection_Begin(&_py_cs, _PyObject_CAST(op))
#define Py_END_CRITICAL_SECTION() PyCriticalSection_End(&_py_cs); }
#define Py_MOD_GIL_NOT_USED ((void*)1)
PyAPI_FUNC(int) PyUnstable_Module_SetGIL(PyObject* module, void* gil);
#ifdef __cplusplus
}
#endif
#endif
