#include "py_module.h"

#include <string>

#include "host_calls.h"
#include "host_log.h"
#include "py_request.h"
#include "py_response.h"
#include "python_runtime.h"
#include "sync_pool.h"
#include "worker_pool.h"

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

std::string g_client_config = "{}";  // what Python reads of the config, JSON (src/runtime.ts pythonSettings)

PyObject* StrList(const std::vector<std::string>& items) {
  PyRef list = PyRef::Steal(PyList_New(static_cast<Py_ssize_t>(items.size())));
  if (!list) return nullptr;
  for (size_t i = 0; i < items.size(); i++) {
    PyObject* item = PyUnicode_DecodeUTF8(items[i].data(), static_cast<Py_ssize_t>(items[i].size()), "replace");
    if (!item) return nullptr;
    PyList_SET_ITEM(list.get(), static_cast<Py_ssize_t>(i), item);
  }
  return list.release();
}

// (status, [value, ...], body) on success; (0, kind, message) on failure.
PyObject* OutcomeTuple(const HostCallOutcome& outcome) {
  if (outcome.status == 0) {
    return Py_BuildValue("(iss)", 0, outcome.error_kind.c_str(), outcome.message.c_str());
  }
  PyRef values = PyRef::Steal(StrList(outcome.values));
  if (!values) return nullptr;
  return Py_BuildValue("(iOy#)", outcome.status, values.get(), outcome.body.data(),
                       static_cast<Py_ssize_t>(outcome.body.size()));
}

bool ReadUtf8(PyObject* text, std::string* out) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_Check(text) ? PyUnicode_AsUTF8AndSize(text, &size) : nullptr;
  if (!data) {
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "expected str");
    return false;
  }
  out->assign(data, static_cast<size_t>(size));
  return true;
}

// (service: str, args: list[str], body: bytes, timeout_ms: int)
bool ReadCallSpec(PyObject* const* args, HostCallSpec* spec) {
  if (!ReadUtf8(args[0], &spec->service)) return false;
  if (!PyList_Check(args[1]) || !PyBytes_Check(args[2]) || !PyLong_Check(args[3])) {
    PyErr_SetString(PyExc_TypeError, "args must be a list of str, body bytes, timeout_ms int");
    return false;
  }
  const Py_ssize_t count = PyList_GET_SIZE(args[1]);
  spec->args.resize(static_cast<size_t>(count));
  for (Py_ssize_t i = 0; i < count; i++) {
    if (!ReadUtf8(PyList_GET_ITEM(args[1], i), &spec->args[static_cast<size_t>(i)])) return false;
  }
  spec->body.assign(PyBytes_AS_STRING(args[2]), static_cast<size_t>(PyBytes_GET_SIZE(args[2])));
  spec->timeout_ms = static_cast<int>(PyLong_AsLong(args[3]));
  return !PyErr_Occurred();
}

PyObject* HostSend(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 5 || !PyLong_Check(args[4])) {
    PyErr_SetString(PyExc_TypeError, "host_send(service, args, body, timeout_ms, inbox)");
    return nullptr;
  }
  HostCallSpec spec;
  if (!ReadCallSpec(args, &spec)) return nullptr;
  uint32_t inbox = static_cast<uint32_t>(PyLong_AsUnsignedLong(args[4]));
  return PyLong_FromUnsignedLong(SendHostCall(std::move(spec), inbox));
}

PyObject* HostCall(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 4) {
    PyErr_SetString(PyExc_TypeError, "host_call(service, args, body, timeout_ms)");
    return nullptr;
  }
  HostCallSpec spec;
  if (!ReadCallSpec(args, &spec)) return nullptr;
  HostCallOutcome outcome;
  Py_BEGIN_ALLOW_THREADS
  outcome = CallHostBlocking(std::move(spec));
  Py_END_ALLOW_THREADS
  return OutcomeTuple(outcome);
}

// sync_call(call, args, settle): runs call(*args) on the sync pool, then
// settle(result, exception) there (python/siphon/_chain.py).
PyObject* SyncCall(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 3 || !PyCallable_Check(args[0]) || !PyTuple_Check(args[1]) || !PyCallable_Check(args[2])) {
    PyErr_SetString(PyExc_TypeError, "sync_call(call, args: tuple, settle)");
    return nullptr;
  }
  Workers().PushSyncCall(SyncJob{nullptr, PyRef::Borrow(args[0]), PyRef::Borrow(args[1]), PyRef::Borrow(args[2])});
  Py_RETURN_NONE;
}

PyObject* InboxOpen(PyObject*, PyObject*) {
  int fd = -1;
  uint32_t id = OpenInbox(&fd);
  return Py_BuildValue("(Ii)", id, fd);
}

PyObject* InboxTake(PyObject*, PyObject* arg) {
  uint32_t id = static_cast<uint32_t>(PyLong_AsUnsignedLong(arg));
  if (PyErr_Occurred()) return nullptr;
  std::vector<HostCallOutcome> outcomes = TakeInbox(id);
  PyRef list = PyRef::Steal(PyList_New(static_cast<Py_ssize_t>(outcomes.size())));
  if (!list) return nullptr;
  for (size_t i = 0; i < outcomes.size(); i++) {
    PyRef tuple = PyRef::Steal(OutcomeTuple(outcomes[i]));
    if (!tuple) return nullptr;
    PyObject* pair = Py_BuildValue("(IO)", outcomes[i].call_id, tuple.get());
    if (!pair) return nullptr;
    PyList_SET_ITEM(list.get(), static_cast<Py_ssize_t>(i), pair);
  }
  return list.release();
}

PyObject* ClientDefine(PyObject*, PyObject* arg) {
  Py_ssize_t size = 0;
  const char* json = PyUnicode_Check(arg) ? PyUnicode_AsUTF8AndSize(arg, &size) : nullptr;
  if (!json) {
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "client_define(settings_json: str)");
    return nullptr;
  }
  return PyUnicode_FromFormat("#%u", DefineInlineClient(std::string(json, size)));
}

PyObject* ClientClose(PyObject*, PyObject* arg) {
  uint32_t id = static_cast<uint32_t>(PyLong_AsUnsignedLong(arg));
  if (PyErr_Occurred()) return nullptr;
  CloseInlineClient(id);
  Py_RETURN_NONE;
}

PyObject* ClientConfig(PyObject*, PyObject*) {
  return PyUnicode_DecodeUTF8(g_client_config.data(), static_cast<Py_ssize_t>(g_client_config.size()), "strict");
}

PyObject* FreeThreaded(PyObject*, PyObject*) { return PyBool_FromLong(PythonIsFreeThreaded()); }

PyMethodDef kMethods[] = {
    {"log", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(Log)), METH_FASTCALL,
     "log(level, target, message): write a line through the host logger"},
    {"log_level", GetLogLevel, METH_NOARGS, "the host's minimum log level"},
    {"host_send", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(HostSend)), METH_FASTCALL,
     "queue a call to a host service (client, cache); its outcome lands in an inbox"},
    {"host_call", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(HostCall)), METH_FASTCALL,
     "call a host service and wait for the outcome with the GIL released"},
    {"sync_call", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(SyncCall)), METH_FASTCALL,
     "run call(*args) on the sync pool, then settle(result, exception) there"},
    {"inbox_open", InboxOpen, METH_NOARGS, "a new inbox: (id, eventfd)"},
    {"inbox_take", InboxTake, METH_O, "the outcomes waiting in an inbox"},
    {"client_define", ClientDefine, METH_O, "register an inline client's settings; returns its key"},
    {"client_close", ClientClose, METH_O, "release an inline client's pool"},
    {"client_config", ClientConfig, METH_NOARGS, "what Python reads of the config (clients, listen_addrs, include_paths), as JSON"},
    {"free_threaded", FreeThreaded, METH_NOARGS, "whether this build runs without a GIL"},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef kModule = {
    PyModuleDef_HEAD_INIT, "siphon._native", "siphon's native runtime (only inside the siphon process)",
    -1, kMethods, nullptr, nullptr, nullptr, nullptr,
};

}  // namespace

void SetClientConfig(std::string json) { g_client_config = std::move(json); }

PyObject* PyInitNativeModule() {
  PyObject* module = PyModule_Create(&kModule);
  if (!module) return nullptr;
#ifdef Py_GIL_DISABLED
  PyUnstable_Module_SetGIL(module, Py_MOD_GIL_NOT_USED);
#endif
  if (!RegisterRequestType(module) || !RegisterResponseType(module)) {
    Py_DECREF(module);
    return nullptr;
  }
  return module;
}

}  // namespace siphon
