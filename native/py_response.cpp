#include "py_response.h"

#include <structmember.h>

#include "header_rules.h"

namespace siphon {
namespace {

struct ResponseObject {
  PyObject_HEAD
  PyObject* status;
  PyObject* headers;
  PyObject* body;
};

PyObject* g_status_error = nullptr;  // siphon._response.HTTPStatusError
PyTypeObject* g_response_type = nullptr;

const char* TypeName(PyObject* object) { return Py_TYPE(object)->tp_name; }

// Mirrors _response._check_headers: a copied dict[str, str] with token names
// and no CR, LF or NUL in values; the same exceptions and messages.
PyObject* CheckHeaderItems(PyObject* headers);

PyObject* CheckedHeaders(PyObject* headers) {
  if (!PyDict_Check(headers)) {
    PyErr_Format(PyExc_TypeError, "headers must be a dict[str, str], not %s", TypeName(headers));
    return nullptr;
  }
  PyObject* copy = nullptr;
  SIPHON_BEGIN_CRITICAL_SECTION(headers)
  copy = CheckHeaderItems(headers);
  SIPHON_END_CRITICAL_SECTION()
  return copy;
}

PyObject* CheckHeaderItems(PyObject* headers) {
  PyObject *name, *value;
  Py_ssize_t pos = 0;
  while (PyDict_Next(headers, &pos, &name, &value)) {
    if (!PyUnicode_Check(name) || !PyUnicode_Check(value)) {
      PyErr_Format(PyExc_TypeError, "headers keys and values must be str, got %s: %s", TypeName(name),
                   TypeName(value));
      return nullptr;
    }
  }
  pos = 0;
  while (PyDict_Next(headers, &pos, &name, &value)) {
    Py_ssize_t size = 0;
    const char* text = PyUnicode_AsUTF8AndSize(name, &size);
    if (!text) return nullptr;
    if (!IsHeaderName(text, static_cast<size_t>(size))) {
      PyErr_Format(PyExc_ValueError, "invalid header name %R", name);
      return nullptr;
    }
    text = PyUnicode_AsUTF8AndSize(value, &size);
    if (!text) return nullptr;
    if (!IsHeaderValue(text, static_cast<size_t>(size))) {
      PyErr_Format(PyExc_ValueError, "header %R has CR, LF or NUL in its value", name);
      return nullptr;
    }
  }
  return PyDict_Copy(headers);
}

// The constructor's checks, shared by tp_init and the vectorcall fast path.
int Fill(ResponseObject* self, PyObject* status, PyObject* headers, PyObject* body) {
  PyRef code;
  if (!status) {
    code = PyRef::Steal(PyLong_FromLong(200));
  } else if (PyLong_CheckExact(status)) {
    code = PyRef::Borrow(status);
  } else if (PyLong_Check(status) && !PyBool_Check(status)) {
    code = PyRef::Steal(PyNumber_Long(status));
  } else {
    PyErr_Format(PyExc_TypeError, "status must be int, not %s", TypeName(status));
    return -1;
  }
  if (!code) return -1;
  int overflow = 0;
  long value = PyLong_AsLongAndOverflow(code.get(), &overflow);
  if (overflow || value < 100 || value > 599) {
    if (PyErr_Occurred()) return -1;
    PyErr_Format(PyExc_ValueError, "status %S is outside 100-599", code.get());
    return -1;
  }
  PyRef bytes;
  if (body == Py_None) {
    bytes = PyRef::Steal(PyBytes_FromStringAndSize("", 0));
  } else if (PyUnicode_Check(body)) {
    bytes = PyRef::Steal(PyUnicode_AsUTF8String(body));
  } else if (PyBytes_CheckExact(body)) {
    bytes = PyRef::Borrow(body);
  } else if (PyBytes_Check(body)) {
    bytes = PyRef::Steal(PyBytes_FromObject(body));
  } else {
    PyErr_Format(PyExc_TypeError, "body must be bytes, str or None, not %s", TypeName(body));
    return -1;
  }
  if (!bytes) return -1;
  PyRef checked = headers == Py_None ? PyRef::Steal(PyDict_New()) : PyRef::Steal(CheckedHeaders(headers));
  if (!checked) return -1;
  Py_XSETREF(self->status, code.release());
  Py_XSETREF(self->headers, checked.release());
  Py_XSETREF(self->body, bytes.release());
  return 0;
}

int ResponseInit(ResponseObject* self, PyObject* args, PyObject* kwargs) {
  static const char* keywords[] = {"status", "headers", "body", nullptr};
  PyObject* status = nullptr;
  PyObject* headers = Py_None;
  PyObject* body = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|OOO:Response", const_cast<char**>(keywords), &status, &headers,
                                   &body)) {
    return -1;
  }
  return Fill(self, status, headers, body);
}

// Response(...) without building an args tuple and kwargs dict: handlers
// create one per request. Subclasses take the ordinary path, so their own
// __init__ runs.
PyObject* ResponseVectorcall(PyObject* type, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
  if (type != reinterpret_cast<PyObject*>(g_response_type)) {
    // A subclass that inherited this slot: construct it the ordinary way
    // (type.__call__ runs __new__ and the subclass's __init__).
    PyRef tuple = PyRef::Steal(PyTuple_New(nargs));
    if (!tuple) return nullptr;
    for (Py_ssize_t i = 0; i < nargs; i++) PyTuple_SET_ITEM(tuple.get(), i, Py_NewRef(args[i]));
    PyRef kwargs;
    if (kwnames && PyTuple_GET_SIZE(kwnames) > 0) {
      kwargs = PyRef::Steal(PyDict_New());
      if (!kwargs) return nullptr;
      for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(kwnames); k++) {
        if (PyDict_SetItem(kwargs.get(), PyTuple_GET_ITEM(kwnames, k), args[nargs + k]) < 0) return nullptr;
      }
    }
    return PyType_Type.tp_call(type, tuple.get(), kwargs.get());
  }
  PyObject* slots[3] = {nullptr, Py_None, Py_None};  // status, headers, body
  static const char* names[3] = {"status", "headers", "body"};
  if (nargs > 3) {
    PyErr_Format(PyExc_TypeError, "Response() takes at most 3 arguments (%zd given)", nargs);
    return nullptr;
  }
  for (Py_ssize_t i = 0; i < nargs; i++) slots[i] = args[i];
  Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t k = 0; k < nkw; k++) {
    PyObject* key = PyTuple_GET_ITEM(kwnames, k);
    int index = -1;
    for (int n = 0; n < 3 && index < 0; n++) {
      if (PyUnicode_CompareWithASCIIString(key, names[n]) == 0) index = n;
    }
    if (index < 0) {
      PyErr_Format(PyExc_TypeError, "'%U' is an invalid keyword argument for Response()", key);
      return nullptr;
    }
    if (index < nargs) {
      PyErr_Format(PyExc_TypeError, "argument for Response() given by name ('%s') and position (%d)", names[index],
                   index + 1);
      return nullptr;
    }
    slots[index] = args[nargs + k];
  }
  PyObject* self = g_response_type->tp_alloc(g_response_type, 0);
  if (!self) return nullptr;
  if (Fill(reinterpret_cast<ResponseObject*>(self), slots[0], slots[1], slots[2]) < 0) {
    Py_DECREF(self);
    return nullptr;
  }
  return self;
}

PyObject* RaiseForStatus(ResponseObject* self, PyObject*) {
  if (!self->status) {
    PyErr_SetString(PyExc_AttributeError, "status");
    return nullptr;
  }
  PyRef limit = PyRef::Steal(PyLong_FromLong(400));
  int failed = limit ? PyObject_RichCompareBool(self->status, limit.get(), Py_GE) : -1;
  if (failed < 0) return nullptr;
  if (failed) {
    if (!g_status_error) {
      PyRef module = PyRef::Steal(PyImport_ImportModule("siphon._response"));
      g_status_error = module ? PyObject_GetAttrString(module.get(), "HTTPStatusError") : nullptr;
      if (!g_status_error) return nullptr;
    }
    PyRef error = PyRef::Steal(PyObject_CallOneArg(g_status_error, reinterpret_cast<PyObject*>(self)));
    if (error) PyErr_SetObject(g_status_error, error.get());
    return nullptr;
  }
  return Py_NewRef(reinterpret_cast<PyObject*>(self));
}

PyObject* ResponseRepr(ResponseObject* self) {
  Py_ssize_t length = self->body ? PyObject_Length(self->body) : 0;
  if (length < 0) {
    PyErr_Clear();
    length = 0;
  }
  return PyUnicode_FromFormat("<Response %S %zd bytes>", self->status ? self->status : Py_None, length);
}

int ResponseTraverse(ResponseObject* self, visitproc visit, void* arg) {
  Py_VISIT(self->headers);
  Py_VISIT(Py_TYPE(self));
  return 0;
}

int ResponseClear(ResponseObject* self) {
  Py_CLEAR(self->status);
  Py_CLEAR(self->headers);
  Py_CLEAR(self->body);
  return 0;
}

void ResponseDealloc(ResponseObject* self) {
  PyObject_GC_UnTrack(self);
  ResponseClear(self);
  PyTypeObject* type = Py_TYPE(self);
  type->tp_free(reinterpret_cast<PyObject*>(self));
  Py_DECREF(type);
}

PyMemberDef kMembers[] = {
    {"status", T_OBJECT_EX, offsetof(ResponseObject, status), 0, "HTTP status code"},
    {"headers", T_OBJECT_EX, offsetof(ResponseObject, headers), 0, "response headers, dict[str, str]"},
    {"body", T_OBJECT_EX, offsetof(ResponseObject, body), 0, "response body, bytes"},
    {nullptr, 0, 0, 0, nullptr},
};

PyMethodDef kMethods[] = {
    {"raise_for_status", reinterpret_cast<PyCFunction>(RaiseForStatus), METH_NOARGS,
     "Raise HTTPStatusError if the status is 4xx or 5xx; return self otherwise."},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot kSlots[] = {
    {Py_tp_new, reinterpret_cast<void*>(PyType_GenericNew)},
    {Py_tp_init, reinterpret_cast<void*>(ResponseInit)},
    {Py_tp_dealloc, reinterpret_cast<void*>(ResponseDealloc)},
    {Py_tp_traverse, reinterpret_cast<void*>(ResponseTraverse)},
    {Py_tp_clear, reinterpret_cast<void*>(ResponseClear)},
    {Py_tp_repr, reinterpret_cast<void*>(ResponseRepr)},
    {Py_tp_members, kMembers},
    {Py_tp_methods, kMethods},
    {Py_tp_doc, const_cast<char*>("What a handler returns: Response(status=200, headers=None, body=None).")},
    {0, nullptr},
};

PyType_Spec kSpec = {
    "siphon.http.Response",
    sizeof(ResponseObject),
    0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE,  // scripts may subclass it
    kSlots,
};

}  // namespace

bool RegisterResponseType(PyObject* module) {
  PyObject* type = PyType_FromSpec(&kSpec);
  if (!type) return false;
  g_response_type = reinterpret_cast<PyTypeObject*>(type);
  g_response_type->tp_vectorcall = ResponseVectorcall;
  Py_INCREF(type);  // the module reference below steals one; g_response_type keeps the other
  return PyModule_AddObject(module, "Response", type) == 0;
}

bool NativeResponseFields(PyObject* object, PyRef* status, PyRef* headers, PyRef* body) {
  if (!g_response_type || !PyObject_TypeCheck(object, g_response_type)) return false;
  auto* self = reinterpret_cast<ResponseObject*>(object);
  bool complete = false;
  // Another thread may be assigning a field at the same moment on a
  // free-threaded build; taking the references inside the object's critical
  // section keeps them alive.
  SIPHON_BEGIN_CRITICAL_SECTION(object)
  complete = self->status && self->headers && self->body;
  if (complete) {
    *status = PyRef::Borrow(self->status);
    *headers = PyRef::Borrow(self->headers);
    *body = PyRef::Borrow(self->body);
  }
  SIPHON_END_CRITICAL_SECTION()
  return complete;
}

}  // namespace siphon
