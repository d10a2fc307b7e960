#include "control_thread.h"

#include "host_bridge.h"
#include "py_ref.h"
#include "script_generation.h"
#include "thread_setup.h"

namespace siphon {

ControlThread& Control() {
  static ControlThread* control = new ControlThread();  // its thread runs until exit
  return *control;
}

void ControlThread::Start() {
  thread_ = std::thread([this] { Main(); });
  thread_.detach();
}

uint32_t ControlThread::Post(std::function<void(ControlDoneMessage&)> task) {
  std::lock_guard<std::mutex> lock(mutex_);
  uint32_t id = next_id_++;
  tasks_.emplace_back(id, std::move(task));
  wake_.notify_one();
  return id;
}

void ControlThread::Keep(uint32_t id, std::shared_ptr<ScriptGeneration> generation) {
  std::lock_guard<std::mutex> lock(mutex_);
  generations_[id] = std::move(generation);
}

std::shared_ptr<ScriptGeneration> ControlThread::Find(uint32_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = generations_.find(id);
  return it == generations_.end() ? nullptr : it->second;
}

void ControlThread::Retire(uint32_t id) {
  std::shared_ptr<ScriptGeneration> retired;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = generations_.find(id);
    if (it == generations_.end()) return;
    retired = std::move(it->second);
    generations_.erase(it);
  }
  // Dropped outside the lock: if this is the last reference, its Python
  // objects are parked for a worker to release (no GIL on the JS thread).
}

void ControlThread::Main() {
  BlockAsyncSignalsInThisThread();
  PyGILState_STATE registered = PyGILState_Ensure();
  PyThreadState* state = PyEval_SaveThread();
  for (;;) {
    std::pair<uint32_t, std::function<void(ControlDoneMessage&)>> task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return !tasks_.empty(); });
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    ControlDoneMessage done;
    done.control_id = task.first;
    PyEval_RestoreThread(state);
    DrainDeferredDecrefs();
    task.second(done);
    state = PyEval_SaveThread();
    Bridge().Push(std::move(done));
  }
  PyEval_RestoreThread(state);
  PyGILState_Release(registered);
}

}  // namespace siphon
