// Turns what a handler produced (a Response, anything else, or an exception)
// into the host message the JS thread writes: a ResponseMessage, or a logged
// HandlerFailedMessage. Shared by the sync pool and the asyncio loops so the
// return rules (docs/script-api.md "Return rules and errors") live in one place.
#pragma once
#include <cstdint>

#include "py_ref.h"

namespace siphon {

struct RouteHandler;

// Caches siphon.http.Response and attribute names. GIL held, after sys.path is set.
bool InitHandlerResults();

// `result` null means a Python exception is pending. Clears it. GIL held.
void FinishRequest(uint32_t id, const RouteHandler& route, PyObject* request, PyObject* result);

}  // namespace siphon
