#include "async_loop.h"

#include <string>

#include "eventfd.h"
#include "host_bridge.h"
#include "worker_pool.h"
#include "handler_result.h"
#include "host_log.h"
#include "py_request.h"
#include "script_generation.h"
#include "thread_setup.h"

namespace siphon {
namespace {

PyObject* g_run_loop = nullptr;  // siphon._worker.run_loop(wake_fd, drain)
PyObject* g_resumed = nullptr;   // siphon._worker.Resumed(coro, first_yield)
PyObject* g_get_running_loop = nullptr;
PyObject* g_str_result = nullptr;
PyObject* g_str_cancel = nullptr;
PyObject* g_str_add_done_callback = nullptr;
PyObject* g_kw_context = nullptr;  // ("context",) for vectorcall
PyTypeObject* g_pending_type = nullptr;

// The Task done-callback that finishes a request whose handler suspended.
struct PendingResponse {
  PyObject_HEAD
  uint32_t id;
  const RouteHandler* route;  // alive while `request` (its record) is
  AsyncLoop* loop;
  PyObject* request;          // owned; cleared once finished
};

PyObject* PendingCall(PyObject* self_obj, PyObject* args, PyObject*) {
  auto* self = reinterpret_cast<PendingResponse*>(self_obj);
  PyObject* task = nullptr;
  if (!PyArg_UnpackTuple(args, "PendingResponse", 1, 1, &task)) return nullptr;
  if (!self->request) Py_RETURN_NONE;
  PyRef request = PyRef::Steal(self->request);
  self->request = nullptr;
  const bool timed_out = self->loop->WasCancelled(self->id);
  self->loop->TaskDone(self->id);
  if (timed_out) {
    // Cancelled after its 504 went out: nobody is waiting, nothing to log twice.
    request = PyRef();
    self->loop->Finished();
    Py_RETURN_NONE;
  }
  PyRef result = PyRef::Steal(PyObject_CallMethodNoArgs(task, g_str_result));
  FinishRequest(self->id, *self->route, request.get(), result.get());
  request = PyRef();  // drop the record before accounting, like the sync path
  self->loop->Finished();
  Py_RETURN_NONE;
}

void PendingDealloc(PyObject* self_obj) {
  auto* self = reinterpret_cast<PendingResponse*>(self_obj);
  Py_CLEAR(self->request);
  PyTypeObject* type = Py_TYPE(self_obj);
  type->tp_free(self_obj);
  Py_DECREF(type);
}

PyType_Slot kPendingSlots[] = {
    {Py_tp_call, reinterpret_cast<void*>(PendingCall)},
    {Py_tp_dealloc, reinterpret_cast<void*>(PendingDealloc)},
    {0, nullptr},
};

PyType_Spec kPendingSpec = {
    "siphon._native.PendingResponse", sizeof(PendingResponse), 0, Py_TPFLAGS_DEFAULT, kPendingSlots,
};

PyObject* DrainEntry(PyObject* capsule, PyObject*) {
  auto* loop = static_cast<AsyncLoop*>(PyCapsule_GetPointer(capsule, "siphon.AsyncLoop"));
  if (!loop) return nullptr;
  loop->Drain();
  Py_RETURN_NONE;
}

PyMethodDef kDrainDef = {"drain", DrainEntry, METH_NOARGS, "run queued requests"};

}  // namespace

bool InitAsyncLoops(PyObject* native_module) {
  PyRef worker = PyRef::Steal(PyImport_ImportModule("siphon._worker"));
  PyRef asyncio = PyRef::Steal(PyImport_ImportModule("asyncio"));
  if (!worker || !asyncio) return false;
  g_run_loop = PyObject_GetAttrString(worker.get(), "run_loop");
  g_resumed = PyObject_GetAttrString(worker.get(), "Resumed");
  g_get_running_loop = PyObject_GetAttrString(asyncio.get(), "get_running_loop");
  g_str_result = PyUnicode_InternFromString("result");
  g_str_cancel = PyUnicode_InternFromString("cancel");
  g_str_add_done_callback = PyUnicode_InternFromString("add_done_callback");
  g_kw_context = Py_BuildValue("(s)", "context");
  g_pending_type = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&kPendingSpec));
  return g_run_loop && g_resumed && g_get_running_loop && g_str_result && g_str_add_done_callback &&
         g_kw_context && g_pending_type;
}

AsyncLoop::AsyncLoop(WorkerPool& pool, int index) : pool_(pool), index_(index) {
  wake_fd_ = NewEventFd();
  thread_ = std::thread([this] { ThreadMain(); });
}

AsyncLoop::~AsyncLoop() { Stop(); }

void AsyncLoop::PushBatch(std::vector<std::unique_ptr<RequestRecord>>& records) {
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& record : records) queue_.push_back(std::move(record));
    wake = !wake_pending_;
    wake_pending_ = true;
  }
  if (wake) Wake();
}

void AsyncLoop::Wake() { WakeEventFd(wake_fd_); }

void AsyncLoop::Cancel(uint32_t id) {
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancel_requests_.push_back(id);
    wake = !wake_pending_;
    wake_pending_ = true;
  }
  if (wake) Wake();
}

void AsyncLoop::TaskDone(uint32_t id) {
  auto it = suspended_.find(id);
  if (it != suspended_.end()) {
    Py_DECREF(it->second);
    suspended_.erase(it);
  }
  cancelled_.erase(id);
}

bool AsyncLoop::WasCancelled(uint32_t id) const { return cancelled_.count(id) > 0; }

void AsyncLoop::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    wake_pending_ = true;
  }
  Wake();
  // Handlers may still be awaiting; the loop thread ends with the process.
  if (thread_.joinable()) thread_.detach();
}

void AsyncLoop::Finished() { pool_.OnFinished(); }

void AsyncLoop::ThreadMain() {
  BlockAsyncSignalsInThisThread();
  GilScope gil;
  PyRef capsule = PyRef::Steal(PyCapsule_New(this, "siphon.AsyncLoop", nullptr));
  PyRef drain = capsule ? PyRef::Steal(PyCFunction_New(&kDrainDef, capsule.get())) : PyRef();
  PyRef fd = PyRef::Steal(PyLong_FromLong(wake_fd_));
  PyRef ended = drain && fd ? PyRef::Steal(PyObject_CallFunctionObjArgs(g_run_loop, fd.get(), drain.get(), nullptr))
                            : PyRef();
  if (!ended) {
    LogToHost(LogLevel::kError, "siphon.workers",
              "asyncio loop " + std::to_string(index_) + " stopped: " + TakeExceptionText());
  }
  Py_CLEAR(create_task_);
  Py_CLEAR(call_soon_);
}

void AsyncLoop::Drain() {
  ResetEventFd(wake_fd_);
  std::deque<std::unique_ptr<RequestRecord>> batch;
  std::vector<uint32_t> cancels;
  bool stopping;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    batch.swap(queue_);
    cancels.swap(cancel_requests_);
    wake_pending_ = false;
    stopping = stopping_;
  }
  DrainDeferredDecrefs();
  // Everything this drain answers (and logs) reaches JS in one hand-over.
  HostBridge::BatchScope one_handover;
  if (!create_task_) {
    PyRef loop = PyRef::Steal(PyObject_CallNoArgs(g_get_running_loop));
    create_task_ = loop ? PyObject_GetAttrString(loop.get(), "create_task") : nullptr;
    call_soon_ = loop ? PyObject_GetAttrString(loop.get(), "call_soon") : nullptr;
    if (!create_task_ || !call_soon_) {
      LogToHost(LogLevel::kError, "siphon.workers", "asyncio loop unusable: " + TakeExceptionText());
      return;
    }
  }
  for (auto& record : batch) {
    pool_.OnStarted();
    Run(std::move(record));
  }
  // Cancels go after the batch: a request whose client left while it was
  // still queued arrives in the same drain as its cancel, and only once it
  // has run is its Task known. The cancel is scheduled, not called: a Task
  // cancelled before its first step would throw into the Resumed wrapper
  // before it starts, and the handler would never see CancelledError.
  for (uint32_t id : cancels) {
    auto it = suspended_.find(id);
    if (it == suspended_.end()) continue;  // finished, or never suspended on this loop
    cancelled_.insert(id);
    PyRef cancel = PyRef::Steal(PyObject_GetAttr(it->second, g_str_cancel));
    PyRef scheduled = cancel ? PyRef::Steal(PyObject_CallOneArg(call_soon_, cancel.get())) : PyRef();
    if (!scheduled) PyErr_Clear();
  }
  if (stopping) {
    PyRef loop = PyRef::Steal(PyObject_CallNoArgs(g_get_running_loop));
    PyRef stopped = loop ? PyRef::Steal(PyObject_CallMethod(loop.get(), "stop", nullptr)) : PyRef();
    if (!stopped) PyErr_Clear();
  }
}

void AsyncLoop::Run(std::unique_ptr<RequestRecord> record) {
  const uint32_t id = record->id;
  const RouteHandler& route = record->script->routes[record->route];
  PyRef request = PyRef::Steal(NewRequest(std::move(record), &route));
  if (!request) {
    FinishRequest(id, route, Py_None, nullptr);
    Finished();
    return;
  }
  // A fresh context per request, entered for the first step and handed to
  // the Task if the coroutine suspends, so contextvars never leak between
  // requests sharing this loop.
  PyRef context = PyRef::Steal(PyContext_CopyCurrent());
  if (!context || PyContext_Enter(context.get()) < 0) {
    FinishRequest(id, route, request.get(), nullptr);
    Finished();
    return;
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
    Finished();
    return;
  }
  // The no-await fast path: most handlers finish in their first step, and
  // then there is no Task, no call_soon and no extra loop iteration.
  PyObject* yielded = nullptr;
  PySendResult step = PyIter_Send(coro.get(), Py_None, &yielded);
  PyRef first = PyRef::Steal(yielded);
  PyContext_Exit(context.get());
  if (step != PYGEN_NEXT) {
    FinishRequest(id, route, request.get(), step == PYGEN_RETURN ? first.get() : nullptr);
    Finished();
    return;
  }
  PyRef resumed = PyRef::Steal(PyObject_CallFunctionObjArgs(g_resumed, coro.get(), first.get(), nullptr));
  PyObject* task_args[] = {resumed.get(), context.get()};
  PyRef task = resumed ? PyRef::Steal(PyObject_Vectorcall(create_task_, task_args, 1, g_kw_context)) : PyRef();
  auto* pending = task ? PyObject_New(PendingResponse, g_pending_type) : nullptr;
  if (!pending) {
    FinishRequest(id, route, request.get(), nullptr);
    Finished();
    return;
  }
  pending->id = id;
  pending->route = &route;
  pending->loop = this;
  pending->request = request.release();
  suspended_[id] = Py_NewRef(task.get());
  PyRef callback = PyRef::Steal(reinterpret_cast<PyObject*>(pending));
  PyRef added = PyRef::Steal(PyObject_CallMethodOneArg(task.get(), g_str_add_done_callback, callback.get()));
  if (!added) {
    LogToHost(LogLevel::kError, "siphon.workers", "cannot watch a handler task: " + TakeExceptionText());
  }
}

}  // namespace siphon
