#include "inline_runner.h"

#include <atomic>

#include "async_loop.h"
#include "handler_step.h"
#include "host_bridge.h"
#include "host_log.h"
#include "py_request.h"
#include "python_runtime.h"
#include "script_generation.h"
#include "worker_pool.h"

namespace siphon {
namespace {

std::atomic<bool> g_enabled{true};
bool g_running_loop_set = false;  // JS thread only

// The JS thread's running loop is loop 0 for good: a first step that creates
// a future, a timer or an http.Client call creates it on the loop that will
// finish the handler if it suspends. GIL held.
bool AdoptRunningLoop(PyObject* loop) {
  if (g_running_loop_set) return true;
  PyRef events = PyRef::Steal(PyImport_ImportModule("asyncio.events"));
  PyRef set = events ? PyRef::Steal(PyObject_CallMethod(events.get(), "_set_running_loop", "O", loop)) : PyRef();
  if (!set) {
    LogToHost(LogLevel::kError, "siphon.workers",
              "cannot run handlers on the JS thread (they take the worker path): " + TakeExceptionText());
    g_enabled.store(false);
    return false;
  }
  g_running_loop_set = true;
  return true;
}

}  // namespace

void SetInlineEnabled(bool enabled) { g_enabled.store(enabled); }

napi_value TryRunInline(Napi::Env env, std::unique_ptr<RequestRecord>& record) {
  if (!g_enabled.load(std::memory_order_relaxed)) return nullptr;
  if (!record->script->routes[record->route].is_async) return nullptr;
  WorkerPool& pool = Workers();
  AsyncLoop* loop = pool.InlineLoop();
  PyObject* loop_object = loop ? loop->loop_object() : nullptr;
  // Busy workers may hold the GIL for as long as a handler runs: the JS
  // thread must not wait for it, so it takes the worker path like they do.
  if (!loop_object || !pool.Idle()) return nullptr;

  std::vector<HostMessage> answered;
  PyEval_RestoreThread(JsThreadState());
  if (!AdoptRunningLoop(loop_object)) {
    PyEval_SaveThread();
    return nullptr;
  }
  DrainDeferredDecrefs();
  {
    HostBridge::BatchScope collect;
    const Py_ssize_t timers = loop->ScheduledTimers();
    pool.OnStartedInline();
    SuspendedHandler suspended;
    PyRef finished;
    const bool suspends = StepAsyncHandler(std::move(record), &suspended, &finished);
    // The peer was left to be read on first use while the socket is surely
    // open. A request that lives on (suspended, or kept by the script) has
    // it read now, before the socket may close.
    PyObject* request = suspends ? suspended.request.get() : finished.get();
    if (request && (suspends || Py_REFCNT(request) > 1)) {
      if (RequestRecord* kept = RecordOf(request)) kept->peer.Resolve();
    }
    finished = PyRef();
    if (suspends) {
      loop->PushSuspended(std::move(suspended));
    } else {
      pool.OnFinished();
    }
    loop->WakeIfScheduled(timers);
    answered = collect.Take();
  }
  PyEval_SaveThread();
  return Bridge().AnswerInline(env, answered);
}

}  // namespace siphon
