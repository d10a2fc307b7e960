#include "py_request.h"

#include <cstring>

#include "percent_decode.h"
#include "request_record_pool.h"
#include "script_generation.h"

namespace siphon {
namespace {

struct RequestObject {
  PyObject_HEAD
  RequestRecord* record;        // owned; null for requests built from Python
  const RouteHandler* route;    // param names; alive while record->script is
  // Lazily built fields. Never reset once set.
  PyObject* method;
  PyObject* path;
  PyObject* path_params;
  PyObject* query_params;
  PyObject* headers;
  PyObject* client;
  PyObject* body;
  PyObject* query_string;
};

PyTypeObject* g_request_type = nullptr;


PyObject* StrFromUtf8(const std::string& s) {
  return PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
}

PyObject* BuildHeaders(const RequestRecord& record) {
  PyRef dict = PyRef::Steal(PyDict_New());
  if (!dict) return nullptr;
  for (size_t i = 0; i + 1 < record.headers.size(); i += 2) {
    PyRef name = PyRef::Steal(StrFromUtf8(record.headers[i]));
    PyRef value = PyRef::Steal(StrFromUtf8(record.headers[i + 1]));
    if (!name || !value) return nullptr;
    PyObject* existing = PyDict_GetItemWithError(dict.get(), name.get());  // borrowed
    if (existing) {
      // Repeated headers are joined the way RFC 9110 §5.3 allows.
      value = PyRef::Steal(PyUnicode_FromFormat("%U, %U", existing, value.get()));
      if (!value) return nullptr;
    } else if (PyErr_Occurred()) {
      return nullptr;
    }
    if (PyDict_SetItem(dict.get(), name.get(), value.get()) < 0) return nullptr;
  }
  return dict.release();
}

PyObject* BuildPathParams(const RequestRecord& record, const RouteHandler* route) {
  PyRef dict = PyRef::Steal(PyDict_New());
  if (!dict) return nullptr;
  if (!route) return dict.release();
  size_t count = std::min(route->param_names.size(), record.params.size());
  for (size_t i = 0; i < count; i++) {
    PyRef value = PyRef::Steal(PercentDecodeToStr(record.params[i], false));
    if (!value || PyDict_SetItem(dict.get(), route->param_names[i], value.get()) < 0) return nullptr;
  }
  return dict.release();
}

PyObject* BuildClient(const RequestRecord& record) {
  if (!record.client_override.empty()) return StrFromUtf8(record.client_override);
  return StrFromUtf8(record.peer.Format());
}

// Returns a new reference to the cached field, building it on first use.
using Builder = PyObject* (*)(RequestObject*);
PyObject* Lazy(RequestObject* self, PyObject* RequestObject::*field, Builder build) {
  // Two threads may read one Request at once on a free-threaded build: the
  // critical section makes "build once" hold there.
  PyObject* result = nullptr;
  SIPHON_BEGIN_CRITICAL_SECTION(self)
  if (!(self->*field)) self->*field = build(self);
  result = self->*field;
  Py_XINCREF(result);
  SIPHON_END_CRITICAL_SECTION()
  return result;
}

PyObject* EmptyStr(RequestObject*) { return PyUnicode_FromStringAndSize("", 0); }

PyObject* GetMethod(RequestObject* self, void*) {
  return Lazy(self, &RequestObject::method, [](RequestObject* s) -> PyObject* {
    return s->record ? StrFromUtf8(s->record->method) : EmptyStr(s);
  });
}
PyObject* GetPath(RequestObject* self, void*) {
  return Lazy(self, &RequestObject::path, [](RequestObject* s) -> PyObject* {
    return s->record ? StrFromUtf8(s->record->path) : EmptyStr(s);
  });
}
PyObject* GetPathParams(RequestObject* self, void*) {
  return Lazy(self, &RequestObject::path_params, [](RequestObject* s) -> PyObject* {
    return s->record ? BuildPathParams(*s->record, s->route) : PyDict_New();
  });
}
PyObject* GetQueryParams(RequestObject* self, void*) {
  return Lazy(self, &RequestObject::query_params, [](RequestObject* s) -> PyObject* {
    return s->record ? ParseQueryToDict(s->record->query) : PyDict_New();
  });
}
PyObject* GetHeaders(RequestObject* self, void*) {
  return Lazy(self, &RequestObject::headers, [](RequestObject* s) -> PyObject* {
    return s->record ? BuildHeaders(*s->record) : PyDict_New();
  });
}
PyObject* GetQueryString(RequestObject* self, void*) {
  return Lazy(self, &RequestObject::query_string, [](RequestObject* s) -> PyObject* {
    return s->record ? StrFromUtf8(s->record->query) : EmptyStr(s);
  });
}
PyObject* GetClient(RequestObject* self, void*) {
  return Lazy(self, &RequestObject::client, [](RequestObject* s) -> PyObject* {
    return s->record ? BuildClient(*s->record) : EmptyStr(s);
  });
}

PyObject* Body(RequestObject* self, PyObject*) {
  return Lazy(self, &RequestObject::body, [](RequestObject* s) -> PyObject* {
    if (!s->record) return PyBytes_FromStringAndSize("", 0);
    PyObject* bytes = PyBytes_FromStringAndSize(s->record->body.data(),
                                                static_cast<Py_ssize_t>(s->record->body.size()));
    if (bytes) std::string().swap(s->record->body);  // the bytes object now holds the only copy
    return bytes;
  });
}

PyObject* Header(RequestObject* self, PyObject* name) {
  if (!PyUnicode_Check(name)) {
    PyErr_Format(PyExc_TypeError, "header name must be str, not %.100s", Py_TYPE(name)->tp_name);
    return nullptr;
  }
  PyRef headers = PyRef::Steal(GetHeaders(self, nullptr));
  if (!headers) return nullptr;
  PyRef lower = PyRef::Steal(PyObject_CallMethod(name, "lower", nullptr));
  if (!lower) return nullptr;
  PyObject* value = PyDict_GetItemWithError(headers.get(), lower.get());
  if (!value) {
    if (PyErr_Occurred()) return nullptr;
    Py_RETURN_NONE;
  }
  return Py_NewRef(value);
}

// Request(method="GET", path="/", headers=None, body=b"", *, path_params=None,
//         query_params=None, client="127.0.0.1:0") -- the same constructor the
// pure-Python siphon.http offers, so scripts can build requests in tests.
PyObject* RequestNew(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
  static const char* keywords[] = {"method", "path", "headers", "body", "path_params",
                                   "query_params", "client", nullptr};
  PyObject* method = nullptr;
  PyObject* path = nullptr;
  PyObject* headers = Py_None;
  PyObject* body = Py_None;
  PyObject* path_params = Py_None;
  PyObject* query_params = Py_None;
  PyObject* client = nullptr;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|UUOO$OOU:Request", const_cast<char**>(keywords),
                                   &method, &path, &headers, &body, &path_params, &query_params,
                                   &client)) {
    return nullptr;
  }
  PyRef helper = PyRef::Steal(PyImport_ImportModule("siphon._request_fields"));
  if (!helper) return nullptr;
  PyRef fields = PyRef::Steal(PyObject_CallMethod(
      helper.get(), "normalise", "OOOOOOO", method ? method : Py_None, path ? path : Py_None, headers,
      body, path_params, query_params, client ? client : Py_None));
  if (!fields) return nullptr;
  PyObject* self_obj = type->tp_alloc(type, 0);
  if (!self_obj) return nullptr;
  auto* self = reinterpret_cast<RequestObject*>(self_obj);
  PyObject** slots[] = {&self->method,  &self->path,   &self->path_params, &self->query_params,
                        &self->headers, &self->client, &self->body,        &self->query_string};
  constexpr Py_ssize_t kFields = sizeof(slots) / sizeof(slots[0]);
  if (!PyTuple_Check(fields.get()) || PyTuple_GET_SIZE(fields.get()) != kFields) {
    Py_DECREF(self_obj);
    PyErr_SetString(PyExc_SystemError, "siphon._request_fields.normalise returned the wrong number of fields");
    return nullptr;
  }
  for (Py_ssize_t i = 0; i < kFields; i++) *slots[i] = Py_NewRef(PyTuple_GET_ITEM(fields.get(), i));
  return self_obj;
}

int RequestTraverse(RequestObject* self, visitproc visit, void* arg) {
  Py_VISIT(self->path_params);
  Py_VISIT(self->query_params);
  Py_VISIT(self->headers);
  return 0;
}

int RequestClear(RequestObject* self) {
  Py_CLEAR(self->method);
  Py_CLEAR(self->path);
  Py_CLEAR(self->path_params);
  Py_CLEAR(self->query_params);
  Py_CLEAR(self->headers);
  Py_CLEAR(self->client);
  Py_CLEAR(self->body);
  Py_CLEAR(self->query_string);
  return 0;
}

void RequestDealloc(RequestObject* self) {
  PyObject_GC_UnTrack(self);
  RequestClear(self);
  RecycleRecord(self->record);
  self->record = nullptr;
  PyTypeObject* type = Py_TYPE(self);
  type->tp_free(reinterpret_cast<PyObject*>(self));
  Py_DECREF(type);  // heap-type instances own a reference to their type
}

PyObject* RequestRepr(RequestObject* self) {
  PyRef method = PyRef::Steal(GetMethod(self, nullptr));
  PyRef path = PyRef::Steal(GetPath(self, nullptr));
  if (!method || !path) return nullptr;
  return PyUnicode_FromFormat("<Request %U %R>", method.get(), path.get());
}

PyGetSetDef kGetSet[] = {
    {"method", reinterpret_cast<getter>(GetMethod), nullptr, "HTTP method, upper-case", nullptr},
    {"path", reinterpret_cast<getter>(GetPath), nullptr, "request path, percent-encoding kept", nullptr},
    {"path_params", reinterpret_cast<getter>(GetPathParams), nullptr, "decoded {param} values", nullptr},
    {"query_params", reinterpret_cast<getter>(GetQueryParams), nullptr, "decoded query, last value per key", nullptr},
    {"headers", reinterpret_cast<getter>(GetHeaders), nullptr, "lower-case names, repeats joined with ', '", nullptr},
    {"client", reinterpret_cast<getter>(GetClient), nullptr, "\"ip:port\" of the client", nullptr},
    {"query_string", reinterpret_cast<getter>(GetQueryString), nullptr, "the raw query, without '?'", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyMethodDef kMethods[] = {
    {"body", reinterpret_cast<PyCFunction>(Body), METH_NOARGS, "the whole request body as bytes"},
    {"header", reinterpret_cast<PyCFunction>(Header), METH_O, "one header, case-insensitive, or None"},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot kSlots[] = {
    {Py_tp_new, reinterpret_cast<void*>(RequestNew)},
    {Py_tp_dealloc, reinterpret_cast<void*>(RequestDealloc)},
    {Py_tp_traverse, reinterpret_cast<void*>(RequestTraverse)},
    {Py_tp_clear, reinterpret_cast<void*>(RequestClear)},
    {Py_tp_repr, reinterpret_cast<void*>(RequestRepr)},
    {Py_tp_getset, kGetSet},
    {Py_tp_methods, kMethods},
    {Py_tp_doc, const_cast<char*>("An HTTP request as a handler receives it.")},
    {0, nullptr},
};

PyType_Spec kSpec = {
    "siphon.http.Request",
    sizeof(RequestObject),
    0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    kSlots,
};

}  // namespace

bool RegisterRequestType(PyObject* module) {
  PyObject* type = PyType_FromSpec(&kSpec);
  if (!type) return false;
  g_request_type = reinterpret_cast<PyTypeObject*>(type);
  Py_INCREF(type);  // module reference below steals one; g_request_type keeps the other
  return PyModule_AddObject(module, "Request", type) == 0;
}

RequestRecord* RecordOf(PyObject* request) {
  if (!g_request_type || Py_TYPE(request) != g_request_type) return nullptr;
  return reinterpret_cast<RequestObject*>(request)->record;
}

PyObject* NewRequest(std::unique_ptr<RequestRecord> record, const RouteHandler* route) {
  auto* self = PyObject_GC_New(RequestObject, g_request_type);
  if (!self) return nullptr;
  self->record = record.release();
  self->route = route;
  self->method = self->path = self->path_params = self->query_params = nullptr;
  self->headers = self->client = self->body = self->query_string = nullptr;
  PyObject_GC_Track(self);
  return reinterpret_cast<PyObject*>(self);
}

}  // namespace siphon
