#include "async_loop.h"

#include <string>

#include "eventfd.h"
#include "host_bridge.h"
#include "worker_pool.h"
#include "handler_result.h"
#include "handler_step.h"
#include "host_log.h"
#include "py_request.h"
#include "script_generation.h"
#include "thread_setup.h"

namespace siphon {
namespace {

PyObject* g_run_loop = nullptr;  // siphon._worker.run_loop(wake_fd, drain, started)
PyObject* g_str_ready = nullptr;     // loop._ready: callbacks due now
PyObject* g_str_scheduled = nullptr;  // loop._scheduled: timers
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

PyObject* StartedEntry(PyObject* capsule, PyObject* loop_object) {
  auto* loop = static_cast<AsyncLoop*>(PyCapsule_GetPointer(capsule, "siphon.AsyncLoop"));
  if (!loop) return nullptr;
  loop->Started(loop_object);
  Py_RETURN_NONE;
}

PyMethodDef kStartedDef = {"started", StartedEntry, METH_O, "the loop exists"};

// len(getattr(loop, name)), or -1.
Py_ssize_t LengthOf(PyObject* loop, PyObject* name) {
  PyRef attribute = PyRef::Steal(PyObject_GetAttr(loop, name));
  Py_ssize_t length = attribute ? PyObject_Length(attribute.get()) : -1;
  if (length < 0) PyErr_Clear();
  return length;
}

}  // namespace

bool InitAsyncLoops(PyObject* native_module) {
  PyRef worker = PyRef::Steal(PyImport_ImportModule("siphon._worker"));
  PyRef asyncio = PyRef::Steal(PyImport_ImportModule("asyncio"));
  if (!worker || !asyncio) return false;
  g_run_loop = PyObject_GetAttrString(worker.get(), "run_loop");
  g_str_ready = PyUnicode_InternFromString("_ready");
  g_str_scheduled = PyUnicode_InternFromString("_scheduled");
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
    waiting_.store(true, std::memory_order_relaxed);
  }
  if (wake) Wake();
}

void AsyncLoop::Wake() { WakeEventFd(wake_fd_); }

void AsyncLoop::Started(PyObject* loop) {
  loop_object_ = Py_NewRef(loop);
  ready_.store(true, std::memory_order_release);
}

void AsyncLoop::PushSuspended(SuspendedHandler&& handler) {
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    suspended_queue_.push_back(std::move(handler));
    wake = !wake_pending_;
    wake_pending_ = true;
    waiting_.store(true, std::memory_order_relaxed);
  }
  if (wake) Wake();
}

Py_ssize_t AsyncLoop::ScheduledTimers() { return LengthOf(loop_object_, g_str_scheduled); }

void AsyncLoop::WakeIfScheduled(Py_ssize_t timers_before) {
  // The loop may be asleep in its poll with a timeout computed before the
  // step ran: a callback made ready (call_soon, create_task) or a new timer
  // would wait for the next unrelated wake-up.
  if (LengthOf(loop_object_, g_str_ready) > 0 || ScheduledTimers() != timers_before) Wake();
}

void AsyncLoop::Cancel(uint32_t id) {
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancel_requests_.push_back(id);
    wake = !wake_pending_;
    wake_pending_ = true;
    waiting_.store(true, std::memory_order_relaxed);
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
  PyRef started = capsule ? PyRef::Steal(PyCFunction_New(&kStartedDef, capsule.get())) : PyRef();
  PyRef fd = PyRef::Steal(PyLong_FromLong(wake_fd_));
  PyRef ended = drain && started && fd ? PyRef::Steal(PyObject_CallFunctionObjArgs(g_run_loop, fd.get(), drain.get(),
                                                                                   started.get(), nullptr))
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
  std::deque<SuspendedHandler> suspended;
  std::vector<uint32_t> cancels;
  bool stopping;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    batch.swap(queue_);
    suspended.swap(suspended_queue_);
    cancels.swap(cancel_requests_);
    wake_pending_ = false;
    waiting_.store(false, std::memory_order_relaxed);
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
  for (auto& handler : suspended) Suspend(std::move(handler));
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
  SuspendedHandler suspended;
  if (StepAsyncHandler(std::move(record), &suspended)) {
    Suspend(std::move(suspended));
  } else {
    Finished();
  }
}

// A handler that suspended (here or inline on the JS thread) becomes a Task
// on this loop; PendingResponse finishes the request when the Task is done.
void AsyncLoop::Suspend(SuspendedHandler&& handler) {
  const uint32_t id = handler.id;
  const RouteHandler& route = *handler.route;
  PyRef request = std::move(handler.request);
  PyRef context = std::move(handler.context);
  PyRef coro = std::move(handler.coro);
  PyRef first = std::move(handler.yielded);
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
