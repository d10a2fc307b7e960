#include "handler_result.h"

#include <string>

#include "header_rules.h"
#include "host_bridge.h"
#include "host_log.h"
#include "py_response.h"
#include "script_generation.h"

namespace siphon {
namespace {

PyObject* g_response_type = nullptr;
PyObject* g_str_status = nullptr;
PyObject* g_str_headers = nullptr;
PyObject* g_str_body = nullptr;
PyObject* g_str_method = nullptr;
PyObject* g_str_path = nullptr;

const char kHandlerTarget[] = "siphon.handler";

bool EqualsIgnoreCase(const std::string& a, const char* b) {
  size_t n = std::char_traits<char>::length(b);
  if (a.size() != n) return false;
  for (size_t i = 0; i < n; i++) {
    if ((a[i] | 0x20) != b[i]) return false;
  }
  return true;
}

std::string Utf8(PyObject* str) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(str, &size);
  if (!data) {
    PyErr_Clear();
    return std::string();
  }
  return std::string(data, static_cast<size_t>(size));
}

std::string Repr(PyObject* object) {
  PyRef repr = PyRef::Steal(PyObject_Repr(object));
  if (!repr) {
    PyErr_Clear();
    return "<unprintable>";
  }
  return Utf8(repr.get());
}

std::string Describe(PyObject* request) {
  PyRef method = PyRef::Steal(PyObject_GetAttr(request, g_str_method));
  PyRef path = PyRef::Steal(PyObject_GetAttr(request, g_str_path));
  if (!method || !path || !PyUnicode_Check(method.get()) || !PyUnicode_Check(path.get())) {
    PyErr_Clear();
    return "request";
  }
  return Utf8(method.get()) + " " + Utf8(path.get());
}

void FailRequest(uint32_t id, const RouteHandler& route, PyObject* request, const std::string& why) {
  LogToHost(LogLevel::kError, kHandlerTarget,
            "handler " + route.name + " (" + Describe(request) + ") " + why);
  Bridge().Push(HandlerFailedMessage{id});
}

// Appends the handler's headers (name, value, ...) or describes what is wrong.
std::string ConvertHeaders(PyObject* headers, std::vector<std::string>* out) {
  PyObject *key, *value;
  Py_ssize_t pos = 0;
  out->reserve(static_cast<size_t>(PyDict_GET_SIZE(headers)) * 2);
  while (PyDict_Next(headers, &pos, &key, &value)) {
    if (!PyUnicode_Check(key) || !PyUnicode_Check(value)) return "returned a header name or value that is not str";
    std::string name = Utf8(key);
    std::string text = Utf8(value);
    if (name.empty()) return "returned an empty header name";
    if (!IsHeaderName(name.data(), name.size())) return "returned an invalid header name " + Repr(key);
    if (!IsHeaderValue(text.data(), text.size())) return "returned header " + name + " with CR, LF or NUL in its value";
    // Framing belongs to the server: uWS writes Content-Length itself and a
    // second one (or a Transfer-Encoding) would make the response ambiguous.
    if (EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "transfer-encoding")) continue;
    out->push_back(std::move(name));
    out->push_back(std::move(text));
  }
  return std::string();
}

// Fills `out` from a Response; returns an error description instead when the
// object breaks the rules (it may have been mutated after construction).
std::string ConvertResponse(PyObject* response, ResponseMessage* out) {
  PyRef status, headers, body;
  const bool native = NativeResponseFields(response, &status, &headers, &body);
  if (!native) status = PyRef::Steal(PyObject_GetAttr(response, g_str_status));
  if (!status) return "returned a Response whose status could not be read: " + TakeExceptionText();
  int overflow = 0;
  long code = PyLong_Check(status.get()) && !PyBool_Check(status.get())
                  ? PyLong_AsLongAndOverflow(status.get(), &overflow)
                  : -1;
  if (code == -1) PyErr_Clear();
  if (overflow || code < 100 || code > 599) return "returned a Response with invalid status " + Repr(status.get());
  if (code < 200) return "returned an informational status " + std::to_string(code) + " as its final response";
  out->status = static_cast<int>(code);

  if (!native) headers = PyRef::Steal(PyObject_GetAttr(response, g_str_headers));
  if (!headers) return "returned a Response whose headers could not be read: " + TakeExceptionText();
  if (headers.get() != Py_None) {
    if (!PyDict_Check(headers.get())) return "returned a Response whose headers are not a dict";
    std::string error;
    // The dict may be shared with other threads on a free-threaded build.
    SIPHON_BEGIN_CRITICAL_SECTION(headers.get())
    error = ConvertHeaders(headers.get(), &out->headers);
    SIPHON_END_CRITICAL_SECTION()
    if (!error.empty()) return error;
  }

  if (!native) body = PyRef::Steal(PyObject_GetAttr(response, g_str_body));
  if (!body) return "returned a Response whose body could not be read: " + TakeExceptionText();
  if (PyBytes_Check(body.get())) {
    out->body.assign(PyBytes_AS_STRING(body.get()), static_cast<size_t>(PyBytes_GET_SIZE(body.get())));
  } else if (PyUnicode_Check(body.get())) {
    out->body = Utf8(body.get());
  } else if (body.get() != Py_None) {
    return std::string("returned a Response whose body is ") + Py_TYPE(body.get())->tp_name + ", not bytes";
  }
  return std::string();
}

}  // namespace

bool InitHandlerResults() {
  PyRef module = PyRef::Steal(PyImport_ImportModule("siphon._response"));
  if (!module) return false;
  g_response_type = PyObject_GetAttrString(module.get(), "Response");
  g_str_status = PyUnicode_InternFromString("status");
  g_str_headers = PyUnicode_InternFromString("headers");
  g_str_body = PyUnicode_InternFromString("body");
  g_str_method = PyUnicode_InternFromString("method");
  g_str_path = PyUnicode_InternFromString("path");
  return g_response_type && g_str_status && g_str_headers && g_str_body && g_str_method && g_str_path;
}

void FinishRequest(uint32_t id, const RouteHandler& route, PyObject* request, PyObject* result) {
  if (!result) {
    FailRequest(id, route, request, "raised:\n" + TakeExceptionText());
    return;
  }
  int is_response = Py_TYPE(result) == reinterpret_cast<PyTypeObject*>(g_response_type)
                        ? 1
                        : PyObject_IsInstance(result, g_response_type);
  if (is_response != 1) {
    if (is_response < 0) PyErr_Clear();
    std::string advice;
    if (PyCoro_CheckExact(result)) {
      // Close it so Python does not also warn "coroutine was never awaited".
      PyRef closed = PyRef::Steal(PyObject_CallMethod(result, "close", nullptr));
      if (!closed) PyErr_Clear();
      advice = " (a coroutine: declare the handler `async def`)";
    }
    FailRequest(id, route, request,
                std::string("returned ") + Py_TYPE(result)->tp_name + ", expected http.Response" + advice);
    return;
  }
  ResponseMessage response;
  response.request_id = id;
  std::string error = ConvertResponse(result, &response);
  if (!error.empty()) {
    FailRequest(id, route, request, error);
    return;
  }
  Bridge().Push(std::move(response));
}

}  // namespace siphon
