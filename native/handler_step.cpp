#include "handler_step.h"

#include "handler_result.h"
#include "py_request.h"
#include "script_generation.h"

namespace siphon {

bool StepAsyncHandler(std::unique_ptr<RequestRecord> record, SuspendedHandler* suspended, PyRef* finished) {
  const uint32_t id = record->id;
  const RouteHandler& route = record->script->routes[record->route];
  PyRef request = PyRef::Steal(NewRequest(std::move(record), &route));
  if (!request) {
    FinishRequest(id, route, Py_None, nullptr);
    return false;
  }
  // A fresh context per request, entered for the first step and handed to
  // the Task if the coroutine suspends, so contextvars never leak between
  // requests sharing a thread.
  PyRef context = PyRef::Steal(PyContext_CopyCurrent());
  if (!context || PyContext_Enter(context.get()) < 0) {
    FinishRequest(id, route, request.get(), nullptr);
    if (finished) *finished = std::move(request);
    return false;
  }
  PyRef returned = PyRef::Steal(PyObject_CallOneArg(route.callable, request.get()));
  PyRef coro = returned;
  if (returned && !PyCoro_CheckExact(returned.get())) {
    // Any other awaitable is driven through its __await__ iterator.
    PyAsyncMethods* async = Py_TYPE(returned.get())->tp_as_async;
    coro = async && async->am_await ? PyRef::Steal(async->am_await(returned.get())) : PyRef();
    if (!coro && PyErr_Occurred()) returned = PyRef();
  }
  if (!coro) {
    // An exception, or a plain value from a handler that had nothing to await.
    FinishRequest(id, route, request.get(), returned.get());
    PyContext_Exit(context.get());
    if (finished) *finished = std::move(request);
    return false;
  }
  // The no-await fast path: most handlers finish in their first step, and
  // then there is no Task, no call_soon and no extra loop iteration.
  PyObject* yielded = nullptr;
  PySendResult step = PyIter_Send(coro.get(), Py_None, &yielded);
  PyRef first = PyRef::Steal(yielded);
  PyContext_Exit(context.get());
  if (step != PYGEN_NEXT) {
    FinishRequest(id, route, request.get(), step == PYGEN_RETURN ? first.get() : nullptr);
    if (finished) *finished = std::move(request);
    return false;
  }
  suspended->id = id;
  suspended->route = &route;
  suspended->request = std::move(request);
  suspended->context = std::move(context);
  suspended->coro = std::move(coro);
  suspended->yielded = std::move(first);
  return true;
}

}  // namespace siphon
