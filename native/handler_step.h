// The first step of an `async def` handler, wherever it is taken: on an
// asyncio loop thread (async_loop.cpp) or inline on the JS thread
// (inline_runner.cpp). Most handlers finish in that step; one that suspends
// is handed to its loop, which wraps it in a Task.
#pragma once
#include <cstdint>
#include <memory>

#include "py_ref.h"
#include "request_record.h"

namespace siphon {

struct RouteHandler;

// A handler that suspended in its first step, with what its Task needs.
struct SuspendedHandler {
  uint32_t id = 0;
  const RouteHandler* route = nullptr;  // alive while `request` (its record) is
  PyRef request;
  PyRef context;  // the request's own contextvars context, for the Task
  PyRef coro;
  PyRef yielded;  // what the first step yielded
};

// Runs the handler up to its first suspension. Returns false when it is
// done: finished or failed, its answer already pushed (FinishRequest); the
// Request object then goes to `finished` if given (else it is dropped).
// Returns true and fills `suspended` when it suspended. GIL held.
bool StepAsyncHandler(std::unique_ptr<RequestRecord> record, SuspendedHandler* suspended, PyRef* finished = nullptr);

}  // namespace siphon
