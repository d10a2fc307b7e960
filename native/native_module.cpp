#include "native_module.h"

#include <string>

#include "host_log.h"
#include "py_request.h"
#include "python_runtime.h"

namespace siphon {
namespace {

PyObject* Log(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 3 || !PyLong_Check(args[0]) || !PyUnicode_Check(args[1]) || !PyUnicode_Check(args[2])) {
    PyErr_SetString(PyExc_TypeError, "log(level: int, target: str, message: str)");
    return nullptr;
  }
  long level = PyLong_AsLong(args[0]);
  if (level < HostLogLevel()) Py_RETURN_NONE;
  Py_ssize_t target_size = 0, message_size = 0;
  const char* target = PyUnicode_AsUTF8AndSize(args[1], &target_size);
  const char* message = PyUnicode_AsUTF8AndSize(args[2], &message_size);
  if (!target || !message) return nullptr;
  LogToHost(static_cast<LogLevel>(level), std::string(target, target_size), std::string(message, message_size));
  Py_RETURN_NONE;
}

PyObject* GetLogLevel(PyObject*, PyObject*) { return PyLong_FromLong(HostLogLevel()); }

PyObject* FreeThreaded(PyObject*, PyObject*) { return PyBool_FromLong(PythonIsFreeThreaded()); }

PyMethodDef kMethods[] = {
    {"log", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(Log)), METH_FASTCALL,
     "log(level, target, message): write a line through the host logger"},
    {"log_level", GetLogLevel, METH_NOARGS, "the host's minimum log level"},
    {"free_threaded", FreeThreaded, METH_NOARGS, "whether this build runs without a GIL"},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef kModule = {
    PyModuleDef_HEAD_INIT, "_siphon_native", "siphon's native runtime (only inside the siphon process)",
    -1, kMethods, nullptr, nullptr, nullptr, nullptr,
};

}  // namespace

PyObject* PyInitNativeModule() {
  PyObject* module = PyModule_Create(&kModule);
  if (!module) return nullptr;
#ifdef Py_GIL_DISABLED
  PyUnstable_Module_SetGIL(module, Py_MOD_GIL_NOT_USED);
#endif
  if (!RegisterRequestType(module)) {
    Py_DECREF(module);
    return nullptr;
  }
  return module;
}

}  // namespace siphon
