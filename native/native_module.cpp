#include "native_module.h"

#include <string>

#include "client_calls.h"
#include "host_log.h"
#include "py_request.h"
#include "py_response.h"
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

// (status, [name, value, ...], body) on success; (0, kind, message) on failure.
PyObject* OutcomeTuple(const ClientOutcome& outcome) {
  if (outcome.status == 0) {
    return Py_BuildValue("(iss)", 0, outcome.error_kind.c_str(), outcome.message.c_str());
  }
  PyRef headers = PyRef::Steal(StrList(outcome.headers));
  if (!headers) return nullptr;
  return Py_BuildValue("(iOy#)", outcome.status, headers.get(), outcome.body.data(),
                       static_cast<Py_ssize_t>(outcome.body.size()));
}

bool ReadCallSpec(PyObject* const* args, ClientCallSpec* spec) {
  // (client, method, url, headers: list[str], body: bytes, timeout_ms: int)
  Py_ssize_t size = 0;
  const char* text;
  for (int i = 0; i < 3; i++) {
    if (!PyUnicode_Check(args[i])) {
      PyErr_SetString(PyExc_TypeError, "client, method and url must be str");
      return false;
    }
  }
  if (!(text = PyUnicode_AsUTF8AndSize(args[0], &size))) return false;
  spec->client.assign(text, size);
  if (!(text = PyUnicode_AsUTF8AndSize(args[1], &size))) return false;
  spec->method.assign(text, size);
  if (!(text = PyUnicode_AsUTF8AndSize(args[2], &size))) return false;
  spec->url.assign(text, size);
  if (!PyList_Check(args[3]) || !PyBytes_Check(args[4]) || !PyLong_Check(args[5])) {
    PyErr_SetString(PyExc_TypeError, "headers must be a list, body bytes, timeout_ms int");
    return false;
  }
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(args[3]); i++) {
    PyObject* item = PyList_GET_ITEM(args[3], i);
    if (!PyUnicode_Check(item) || !(text = PyUnicode_AsUTF8AndSize(item, &size))) {
      if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "header names and values must be str");
      return false;
    }
    spec->headers.emplace_back(text, size);
  }
  spec->body.assign(PyBytes_AS_STRING(args[4]), static_cast<size_t>(PyBytes_GET_SIZE(args[4])));
  spec->timeout_ms = static_cast<int>(PyLong_AsLong(args[5]));
  return !PyErr_Occurred();
}

PyObject* ClientSend(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 7 || !PyLong_Check(args[6])) {
    PyErr_SetString(PyExc_TypeError, "client_send(client, method, url, headers, body, timeout_ms, inbox)");
    return nullptr;
  }
  ClientCallSpec spec;
  if (!ReadCallSpec(args, &spec)) return nullptr;
  uint32_t inbox = static_cast<uint32_t>(PyLong_AsUnsignedLong(args[6]));
  return PyLong_FromUnsignedLong(SendClientCall(std::move(spec), inbox));
}

PyObject* ClientCall(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 6) {
    PyErr_SetString(PyExc_TypeError, "client_call(client, method, url, headers, body, timeout_ms)");
    return nullptr;
  }
  ClientCallSpec spec;
  if (!ReadCallSpec(args, &spec)) return nullptr;
  ClientOutcome outcome;
  Py_BEGIN_ALLOW_THREADS
  outcome = CallClientBlocking(std::move(spec));
  Py_END_ALLOW_THREADS
  return OutcomeTuple(outcome);
}

PyObject* InboxOpen(PyObject*, PyObject*) {
  int fd = -1;
  uint32_t id = OpenInbox(&fd);
  return Py_BuildValue("(Ii)", id, fd);
}

PyObject* InboxTake(PyObject*, PyObject* arg) {
  uint32_t id = static_cast<uint32_t>(PyLong_AsUnsignedLong(arg));
  if (PyErr_Occurred()) return nullptr;
  std::vector<ClientOutcome> outcomes = TakeInbox(id);
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
    {"client_send", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(ClientSend)), METH_FASTCALL,
     "queue an outbound request; its outcome lands in an inbox"},
    {"client_call", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(ClientCall)), METH_FASTCALL,
     "run an outbound request and wait for it with the GIL released"},
    {"inbox_open", InboxOpen, METH_NOARGS, "a new inbox: (id, eventfd)"},
    {"inbox_take", InboxTake, METH_O, "the outcomes waiting in an inbox"},
    {"client_define", ClientDefine, METH_O, "register an inline client's settings; returns its key"},
    {"client_close", ClientClose, METH_O, "release an inline client's pool"},
    {"client_config", ClientConfig, METH_NOARGS, "what Python reads of the config (clients, listen_addrs, include_paths), as JSON"},
    {"free_threaded", FreeThreaded, METH_NOARGS, "whether this build runs without a GIL"},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef kModule = {
    PyModuleDef_HEAD_INIT, "_siphon_native", "siphon's native runtime (only inside the siphon process)",
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
