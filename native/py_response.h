// http.Response inside the runtime: a native type with the same constructor,
// checks, error messages and members as the pure-Python class in
// python/siphon/_response.py (which serves plain interpreters), so building
// one -- once per request -- costs a C call instead of a Python frame.
#pragma once
#include "py_ref.h"

namespace siphon {

// Adds the type to `module` as "Response". GIL held.
bool RegisterResponseType(PyObject* module);

// New references to the fields of a native Response (or subclass); false if
// `object` is not one or a field was deleted. Lets the return path skip three
// attribute lookups.
bool NativeResponseFields(PyObject* object, PyRef* status, PyRef* headers, PyRef* body);

}  // namespace siphon
