// http.Request as scripts see it in the runtime: a native type that owns the
// RequestRecord and builds each field (str, dict) only when first read, so a
// handler that never looks at headers never pays for a headers dict.
#pragma once
#include "py_ref.h"
#include "request_record.h"

#include <memory>

namespace siphon {

struct RouteHandler;

// Adds the type to `module` as "Request". GIL held.
bool RegisterRequestType(PyObject* module);

// New Request owning `record`. GIL held. Null with a Python error set.
PyObject* NewRequest(std::unique_ptr<RequestRecord> record, const RouteHandler* route);

// The record a native Request owns, or null (another object). GIL held.
RequestRecord* RecordOf(PyObject* request);

}  // namespace siphon
